"""A caseworker's whole conversation in Chromium (with JavaScript): a first message, the results, a refinement,
a quick reply, two offers to the shortlist, the print view. Screenshots of each step; axe on every page."""
import json

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import describe
from tests.helpers import DEMO_PASSWORD


@pytest.fixture
def demo_catalogue(app):
    from catalog import demo
    from web.extensions import db

    with app.app_context():
        demo.load_demo(db.session, {email: DEMO_PASSWORD for email, *_ in demo.DEMO_USERS})
        db.session.commit()
    return {"caseworker": "sagsbehandler@demo.civilmatch.dk", "ngo": "ngo@demo.civilmatch.dk",
            "admin": "admin@demo.civilmatch.dk"}


def _login(page, base, email):
    page.goto(base + "/login")
    page.get_by_label("E-mailadresse").fill(email)
    page.locator("#f-password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log ind").click()


def _send(page, text):
    before = page.locator("#chat-messages li").count()
    page.locator("#f-text").fill(text)
    page.locator("#chat-send").click()
    page.wait_for_selector(f"#chat-messages li:nth-child({before + 1})", state="attached")


@pytest.mark.browser
def test_caseworker_conversation_to_printed_plan(live_server, page, demo_catalogue, shots, axe):
    _login(page, live_server, demo_catalogue["caseworker"])
    page.goto(live_server + "/chat/")
    shots("01-chat-tom", page)
    assert axe(page) == [], describe(axe(page))

    url_before = page.url
    _send(page, "Mor på 22 med en baby på 3 mdr, hun er trist og alene. Hun hedder Sara Jensen, "
                "tlf. 12 34 56 78. Bor i Aarhus.")
    reply = page.locator("#svar-tekst").inner_text()
    assert "Et navn blev fjernet" in reply and "Et telefonnummer blev fjernet" in reply
    # the caseworker's own message is shown in this answer only (from the request); nowhere else on the page
    assert "Sara Jensen" in page.locator("#din-besked").inner_text()
    assert "Sara" not in page.locator("#chat-messages").inner_text() + page.locator("#svar").inner_text()
    assert "Sara" not in page.url and "trist" not in page.url
    status = page.locator("#chat-status")
    assert status.get_attribute("aria-live") == "polite"
    expect(status).not_to_have_text("")
    cards = page.locator("li.offer-card")
    assert cards.count() >= 2
    assert "Kommune: Aarhus" in page.locator("#svar").inner_text()
    shots("02-foerste-svar", page)
    assert axe(page) == [], describe(axe(page))
    assert page.url.startswith(url_before.rstrip("/"))  # no need text in the address

    _send(page, "kun gratis")
    assert "gratis" in page.locator("#svar-tekst").inner_text().lower()
    assert "Sara" not in page.content() and "12 34 56 78" not in page.content()  # the earlier message is gone
    shots("03-kun-gratis", page)

    quick = page.locator("[id^=hurtigsvar-]")
    if quick.count():
        label = quick.first.inner_text()
        quick.first.click()
        expect(page.locator("#chat-messages li").last).to_contain_text(label)
        shots("04-hurtigsvar", page)
        assert label
    else:  # the reply needed no question: ask about another municipality instead, as a follow-up
        _send(page, "hvad med i Odense?")
        assert "Odense" in page.locator("#svar").inner_text()
        shots("04-anden-kommune", page)

    added = []
    for i in range(2):
        card = page.locator("li.offer-card").nth(i)
        offer_id = card.get_attribute("id").removeprefix("tilbud-")
        card.locator("summary").click()  # details and the shortlist controls sit behind one row
        page.locator(f"#addnote-{offer_id}").fill(f"Mor kontakter selv tilbud {i + 1} i næste uge")
        page.locator(f"#tilfoej-{offer_id}").click()
        page.wait_for_selector(f"#valgt-{offer_id}")
        added.append(offer_id)
    assert page.locator("#liste li.card").count() == 2
    shots("05-to-tilbud-paa-listen", page)
    assert axe(page) == [], describe(axe(page))

    page.locator("#print-link").click()
    page.wait_for_selector("#plan-dato")
    text = page.content()
    assert "Mor kontakter selv tilbud 1 i næste uge" in text
    assert "trist" not in text  # the family's own words are not in the plan, only the notes
    shots("06-udskrift", page)
    page.emulate_media(media="print")
    shots("07-udskrift-som-print", page)
    page.emulate_media(media="screen")
    assert axe(page) == [], describe(axe(page))

    exported = page.request.get(page.url.replace("/print", "/export"))
    if exported.ok:
        plan = json.loads(exported.text())
        assert len(json.dumps(plan)) > 0


@pytest.mark.browser
def test_chat_works_without_javascript(live_server, browser, demo_catalogue, shots):
    context = browser.new_context(locale="da-DK", java_script_enabled=False)
    page = context.new_page()
    _login(page, live_server, demo_catalogue["caseworker"])
    page.goto(live_server + "/chat/")
    page.locator("#f-text").fill("Dreng på 10 i Odense har brug for hjælp til lektier")
    page.locator("#chat-send").click()
    page.wait_for_selector("li.offer-card")
    assert "Kommune: Odense" in page.locator("#svar").inner_text()
    shots("uden-javascript", page)
    context.close()


@pytest.mark.browser
@pytest.mark.parametrize("who,path", [
    ("caseworker", "/offers/"), ("caseworker", "/offers/1"), ("ngo", "/ngo/"), ("ngo", "/ngo/offers/new"),
    ("ngo", "/ngo/organisation"), ("admin", "/admin/"), ("admin", "/admin/organisations"),
    ("admin", "/admin/users"), ("caseworker", "/embed/search"), ("caseworker", "/api/docs"),
])
def test_pages_have_no_serious_accessibility_violations(live_server, page, demo_catalogue, shots, axe, who, path):
    _login(page, live_server, demo_catalogue[who])
    response = page.goto(live_server + path)
    assert response.status == 200
    shots(path.strip("/").replace("/", "-") or "forside", page)
    assert axe(page) == [], describe(axe(page))
