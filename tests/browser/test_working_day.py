"""A caseworker's working day in Chromium: several families in a row, conditions that filter, a phone-sized
screen, a text about a child in danger. The console must stay free of CSP errors; axe finds nothing serious."""
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import describe
from tests.browser.test_chat_path import _login, demo_catalogue  # noqa: F401  (fixture)

FAMILIES = [
    ("Mor er alene med en dreng på 4 og har svært ved at få økonomien til at hænge sammen. Bor i Vejle.", 4),
    ("Far sidder i fængsel, og pigen på 11 er ked af det. De bor i Aarhus.", 11),
    ("Dreng på 9 med ADHD, forældrene er pressede. Bor i Aarhus.", 9),
    ("Familien har mistet mor, og drengen på 13 sørger. Odense.", 13),
    ("Pige på 7 bliver mobbet i skolen og har brug for hjælp til lektierne. Aalborg.", 7),
]


def _send(page, text):
    before = page.locator("#chat-messages li").count()
    page.locator("#f-text").fill(text)
    page.locator("#chat-send").click()
    expect(page.locator("#chat-messages li")).to_have_count(before + 2)   # the message and the reply


def _csp_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    return errors


def _width_overflow(page) -> int:
    """How many CSS pixels the document is wider than the viewport (0: no sideways scrolling)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.browser
def test_five_families_in_a_row_keep_five_conversations(live_server, page, demo_catalogue, shots, axe):
    errors = _csp_errors(page)
    _login(page, live_server, demo_catalogue["caseworker"])
    urls = []
    for i, (text, age) in enumerate(FAMILIES):
        if i == 0:
            page.goto(live_server + "/chat/")
        else:
            page.locator("#ny-familie").click()      # always visible at the top, also after a reply
            page.wait_for_selector("#chat-form")
        assert page.locator("#svar").count() == 0   # a new family starts empty
        _send(page, text)
        chips = page.locator(".chips").inner_text()
        assert f"Barn: {age} år" in chips
        for _, other in FAMILIES:
            if other != age:
                assert f"Barn: {other} år" not in chips
        page.wait_for_url("**/chat/*")
        urls.append(page.url)
    assert len(set(urls)) == 5
    # the menu starts a new family too; the five are listed by their needs, never by a name
    page.get_by_role("link", name="Find tilbud til en familie").first.click()
    assert page.locator("#svar").count() == 0
    recent = page.locator(".recent-list li")
    assert recent.count() == 5
    assert "Økonomi" in page.locator(".recent-list").inner_text()
    shots("seneste-familier", page)
    # each earlier family is still its own conversation
    page.goto(urls[1])
    assert "Barn: 11 år" in page.locator(".chips").inner_text()
    assert "Barn: 4 år" not in page.locator(".chips").inner_text()
    assert axe(page) == [], describe(axe(page))
    assert [e for e in errors if "Content Security Policy" in e] == []


@pytest.mark.browser
def test_free_only_leaves_no_paid_offer_on_screen_or_plan(live_server, page, demo_catalogue, shots):
    errors = _csp_errors(page)
    _login(page, live_server, demo_catalogue["caseworker"])
    page.goto(live_server + "/chat/")
    _send(page, "Dreng på 9 med ADHD, forældrene er pressede. Bor i Aarhus.")
    costs = page.locator("li.offer-card .meta").all_inner_texts()
    assert any("kr." in c for c in costs)          # paid offers fit this family before the condition
    _send(page, "kun gratis")
    cards = page.locator("li.offer-card")
    assert cards.count() >= 3
    for i in range(cards.count()):
        assert "kr." not in cards.nth(i).locator(".meta").first.inner_text()
    assert "tilbud skjult: koster penge" in page.locator("#svar-tekst").inner_text()
    assert page.locator("#fjern-free").count() == 1    # the chip that removes the condition
    shots("kun-gratis", page)
    # two offers on the plan: both free
    for i in range(2):
        card = page.locator("li.offer-card").nth(i)
        offer_id = card.get_attribute("id").removeprefix("tilbud-")
        card.locator("summary").click()
        page.locator(f"#tilfoej-{offer_id}").click()
        page.wait_for_selector(f"#valgt-{offer_id}")
    page.locator("#print-link").click()
    page.wait_for_selector("#plan-dato")
    prices = page.locator(".plan-offer dt:text-is('Pris') + dd").all_inner_texts()
    assert len(prices) == 2 and all("kr." not in p for p in prices)
    assert [e for e in errors if "Content Security Policy" in e] == []


@pytest.mark.browser
def test_self_harm_text_shows_the_notice_first(live_server, page, demo_catalogue, shots, axe):
    _login(page, live_server, demo_catalogue["caseworker"])
    page.goto(live_server + "/chat/")
    _send(page, "Pigen på 14 skærer i sig selv og siger, at hun ikke vil leve mere. Mor er bekymret. Aarhus.")
    first = page.locator("#chat-main > *").first
    assert first.get_attribute("id") == "akut"
    notice = first.inner_text()
    for route in ("112", "døgnvagt", "BørneTelefonen", "Livslinien"):
        assert route in notice
    assert page.locator("#svar-tekst").inner_text().startswith("Beskeden nævner noget")
    assert page.locator("li.offer-card").count() >= 1
    shots("akut", page)
    assert axe(page) == [], describe(axe(page))


@pytest.mark.browser
def test_english_and_empty_texts_get_honest_answers(live_server, page, demo_catalogue):
    _login(page, live_server, demo_catalogue["caseworker"])
    page.goto(live_server + "/chat/")
    _send(page, "3 year old boy, the mother is lonely")
    reply = page.locator("#svar-tekst").inner_text()
    assert "Jeg kan kun læse dansk" in reply and "I can only read Danish" in reply
    assert page.locator("li.offer-card").count() == 0
    page.locator("#ny-familie").click()
    _send(page, "hej")
    reply = page.locator("#svar-tekst").inner_text()
    assert "Jeg kunne ikke finde et behov" in reply and "Skriv fx" in reply
    assert "Prøv at fjerne" not in reply


@pytest.mark.browser
def test_chat_at_1280_and_390_px(live_server, browser, demo_catalogue, shots, axe):
    for width, height in ((1280, 900), (390, 844)):
        context = browser.new_context(locale="da-DK", viewport={"width": width, "height": height})
        page = context.new_page()
        page.set_default_timeout(15000)
        errors = _csp_errors(page)
        _login(page, live_server, demo_catalogue["caseworker"])
        page.goto(live_server + "/chat/")
        _send(page, "Mor er alene med en dreng på 4 og har svært ved at få økonomien til at hænge sammen.")
        page.locator("li.offer-card summary").first.click()
        assert _width_overflow(page) <= 0
        # the message box is at the top: above the first result
        box = page.locator("#f-text").bounding_box()
        first = page.locator("li.offer-card").first.bounding_box()
        assert box["y"] < first["y"]
        if width >= 1280:   # the shortlist beside the results
            assert page.locator("#liste").bounding_box()["x"] > first["x"] + first["width"] - 1
        else:               # and below them on a phone
            assert page.locator("#liste").bounding_box()["y"] > first["y"]
        full = shots(f"chat-{width}px", page)
        page.locator("li.offer-card").first.scroll_into_view_if_needed()
        page.screenshot(path=str(full.with_name(f"chat-{width}px-results.png")))
        assert axe(page) == [], describe(axe(page))
        assert [e for e in errors if "Content Security Policy" in e] == []
        context.close()


@pytest.mark.browser
@pytest.mark.parametrize("who,path", [
    (None, "/"), (None, "/login"), ("caseworker", "/chat/"), ("caseworker", "/offers/"),
    ("caseworker", "/offers/1"), ("caseworker", "/offers/3"), ("ngo", "/ngo/"), ("ngo", "/ngo/offers/new"),
    ("ngo", "/ngo/organisation"), ("admin", "/admin/"), ("admin", "/admin/organisations"),
    ("admin", "/admin/users"), ("admin", "/admin/offers"), ("admin", "/admin/offers/1/review"),
    (None, "/ngo/signup"), ("caseworker", "/embed/search"),
])
def test_no_page_scrolls_sideways_on_a_phone(live_server, browser, demo_catalogue, shots, who, path):
    context = browser.new_context(locale="da-DK", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(15000)
    errors = _csp_errors(page)
    if who:
        _login(page, live_server, demo_catalogue[who])
    response = page.goto(live_server + path)
    assert response.status == 200
    shots("390px-" + (path.strip("/").replace("/", "-") or "forside"), page)
    assert _width_overflow(page) <= 0, page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > innerWidth)"
        ".slice(0, 5).map(e => e.tagName + '.' + e.className)")
    assert [e for e in errors if "Content Security Policy" in e] == []
    context.close()
