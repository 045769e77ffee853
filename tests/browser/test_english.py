"""The English interface in Chromium: a caseworker switches language and walks the main pages; no Danish UI text
is left (offer texts, organisation and place names stay as written and carry lang="da"); axe and CSP clean."""
import re

import pytest

from tests.browser.conftest import describe
from tests.browser.test_chat_path import _login, demo_catalogue  # noqa: F401  (fixture)

MAIN_PAGES = ["/", "/offers/", "/offers/1", "/offers/?gratis=1&form=gruppe", "/chat/"]
# Words that only a Danish text has (English shares "for", "send", "find", ...).
DANISH_WORDS = set("""og ikke til af på er det den tilbud tilbuddet familie familien familier behov børn barn
    barnets alder kommune kommuner gratis vis side sider samtale samtalen forside sagsbehandler kontakt pris område
    hjemmeside nøgleord målgruppe ingen alle beskriv ind ud med fra eller skriv ny seneste valgte""".split())
UI_TEXT = """() => {
    const out = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    let node;
    while ((node = walker.nextNode())) {
        const el = node.parentElement;
        // offer texts, organisation and place names keep their language; the municipality list is place names
        if (!el || el.closest('[lang="da"], script, style, #f-kommune')) continue;
        const t = node.textContent.trim();
        if (t) out.push(t);
    }
    for (const el of document.querySelectorAll('[aria-label], [title], [placeholder]')) {
        if (el.closest('[lang="da"]')) continue;
        for (const a of ['aria-label', 'title', 'placeholder']) if (el.getAttribute(a)) out.push(el.getAttribute(a));
    }
    const own = document.querySelector('h1[lang="da"]');   // an offer page is titled by the offer
    if (!own || !document.title.startsWith(own.textContent.trim())) out.push(document.title);
    return out;
}"""


def danish_in(texts: list[str]) -> list[str]:
    found = []
    for t in texts:
        plain = re.sub(r"\S+@\S+", " ", t)   # e-mail addresses are not UI text
        words = set(re.findall(r"[^\W\d_]+", plain.casefold()))
        if re.search(r"[æøå]", plain.casefold()) or words & DANISH_WORDS:
            found.append(t)
    return found


@pytest.mark.browser
def test_english_ui_has_no_danish_left_on_the_main_pages(live_server, page, demo_catalogue, shots, axe):
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    _login(page, live_server, demo_catalogue["caseworker"])
    page.locator("#sprog").click()                    # the language switch in the menu
    page.wait_for_selector("html[lang=en]")
    for path in MAIN_PAGES:
        response = page.goto(live_server + path)
        assert response.status == 200
        assert page.locator("html").get_attribute("lang") == "en"
        assert danish_in(page.evaluate(UI_TEXT)) == [], path
        shots("en" + (path.replace("/", "-").replace("?", "-").replace("&", "-").rstrip("-") or "-forside"), page)
        assert axe(page) == [], describe(axe(page))
    # logged out: the front page and the login page
    page.get_by_role("button", name=re.compile("^Log out")).click()
    for path in ("/", "/login"):
        page.goto(live_server + path)
        assert page.locator("html").get_attribute("lang") == "en"
        assert danish_in(page.evaluate(UI_TEXT)) == [], path
    # and back to Danish
    page.locator("#sprog").click()
    page.wait_for_selector("html[lang=da]")
    assert "Log ind" in page.locator("header").inner_text()
    assert [e for e in errors if "Content Security Policy" in e] == []
