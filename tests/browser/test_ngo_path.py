"""The NGO path end to end in Chromium: sign up → confirm the e-mail address with the mailed link → add an offer with its 11 elements → publish → an admin
verifies the organisation → the offer shows in /offers. A screenshot of each step is kept."""
import pytest

from catalog.elements import ELEMENTS
from tests.browser.conftest import describe
from tests.helpers import DEMO_PASSWORD, signup_link


@pytest.mark.browser
def test_ngo_signs_up_publishes_an_offer_and_it_shows_in_the_catalogue(app, live_server, browser, page, factory,
                                                                        shots, axe):
    page.goto(live_server + "/ngo/signup")
    shots("01-tilmelding", page)
    assert axe(page) == [], describe(axe(page))
    page.get_by_label("Organisationens navn").fill("Familienetværket Solsikken")
    page.get_by_label("CVR-nummer (valgfrit)").fill("1234")  # wrong: must be 8 digits
    page.get_by_label("Din e-mailadresse").fill("solsikken@example.org")
    page.locator("#f-password").fill(DEMO_PASSWORD)
    page.get_by_label("Gentag adgangskoden").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Opret organisation").click()
    assert "CVR-nummer skal være 8 cifre." in page.locator("#f-org_cvr-error").inner_text()
    assert page.get_by_label("Organisationens navn").input_value() == "Familienetværket Solsikken"
    shots("02-tilmelding-fejl", page)
    page.get_by_label("CVR-nummer (valgfrit)").fill("12345678")
    page.locator("#f-password").fill(DEMO_PASSWORD)
    page.get_by_label("Gentag adgangskoden").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Opret organisation").click()
    page.get_by_role("heading", name="Tjek din e-mail").wait_for()
    assert "solsikken@example.org" in page.content()
    shots("03-tjek-din-email", page)
    assert axe(page) == [], describe(axe(page))
    page.goto(live_server + signup_link(app, "solsikken@example.org"))  # the link in the mail
    shots("03-bekraeft-email", page)
    assert axe(page) == [], describe(axe(page))
    page.get_by_role("button", name="Bekræft og log ind").click()
    page.wait_for_url("**/ngo/")
    assert "Din e-mailadresse er bekræftet" in page.content()
    assert "Organisationen afventer godkendelse" in page.content()
    shots("03-oversigt", page)

    page.get_by_role("link", name="Opret nyt tilbud").click()
    page.get_by_label("Titel").fill("Fællesspisning for nye familier")
    page.locator("#f-description").fill(
        "Hver torsdag laver frivillige aftensmad sammen med familier, der er nye i byen eller savner et "
        "netværk. Børnene leger, mens de voksne lærer hinanden at kende. Vi hjælper gerne videre til "
        "foreninger og andre tilbud i lokalområdet.")
    page.get_by_label("Børnenes alder fra (valgfrit)").fill("0")
    page.get_by_label("Børnenes alder til (valgfrit)").fill("12")
    page.get_by_label("Kommuner, hvor tilbuddet findes").fill("Vejel")  # a typo the form should catch
    page.locator("input[name='formats'][value='gruppe']").check()
    page.get_by_label("Pris").fill("gratis")
    page.get_by_label("Nøgleord (valgfrit)").fill("netværk, fællesspisning, tilflyttere")
    for i, element in enumerate(ELEMENTS):  # evidence rules: each level 2+ says something of its own
        level = [2, 3, 1][i % 3]
        page.locator(f"input[name='el-{element.key}-level'][value='{level}']").check()
        page.locator(f"[name='el-{element.key}-evidence']").fill(EVIDENCE[i])
    shots("04-nyt-tilbud", page)
    page.get_by_role("button", name="Gem som kladde").click()
    assert "mente du Vejle?" in page.locator("#f-areas-error").inner_text()
    assert page.get_by_label("Titel").input_value() == "Fællesspisning for nye familier"
    shots("05-nyt-tilbud-fejl", page)
    page.get_by_label("Kommuner, hvor tilbuddet findes").fill("Vejle")
    page.get_by_role("button", name="Gem som kladde").click()
    page.wait_for_url("**/ngo/**")
    shots("06-kladde-gemt", page)
    assert axe(page) == [], describe(axe(page))

    page.get_by_role("button", name="Offentliggør Fællesspisning for nye familier").click()
    assert "Offentliggjort" in page.content()
    shots("07-offentliggjort", page)

    # Not yet visible: the organisation awaits verification.
    page.goto(live_server + "/offers/")
    assert "Fællesspisning for nye familier" not in page.content()

    _, admin_email = factory.user("admin")
    admin = browser.new_context(locale="da-DK").new_page()
    admin.goto(live_server + "/login")
    admin.get_by_label("E-mailadresse").fill(admin_email)
    admin.get_by_label("Adgangskode").fill(DEMO_PASSWORD)
    admin.get_by_role("button", name="Log ind").click()
    admin.goto(live_server + "/admin/organisations")
    admin.get_by_role("button", name="Verificér Familienetværket Solsikken").click()
    shots("08-admin-verificerer", admin)
    admin.context.close()

    page.goto(live_server + "/offers/?kommune=Vejle&alder=4")
    assert "Fællesspisning for nye familier" in page.content()
    assert page.get_by_label("Kommune").input_value() == "Vejle"
    page.get_by_label("Barnets alder").fill("14")  # outside the offer's 0-12
    page.get_by_role("button", name="Vis tilbud").click()
    assert "Fællesspisning for nye familier" not in page.content()
    page.get_by_label("Barnets alder").fill("4")
    page.get_by_role("button", name="Vis tilbud").click()
    assert "Fællesspisning for nye familier" in page.content()
    shots("09-vises-i-kataloget", page)
    assert axe(page) == [], describe(axe(page))
    page.get_by_role("link", name="Fællesspisning for nye familier").first.click()
    assert "ikke en officiel godkendelse" in page.content()
    shots("10-tilbuddets-side", page)
    assert axe(page) == [], describe(axe(page))


EVIDENCE = [
    "Vi bygger på forskning om social støtte og har en forandringsteori fra 2024.",
    "En ekstern evaluering fra 2023 viste bedre trivsel hos 7 af 10 familier.",
    "Målgruppe, aktiviteter og varighed står i vores metodehæfte på side 4-9.",
    "Hver familie får tre skriftlige mål ved første møde, fx netværk og ro.",
    "Konceptet kører i fire byer, og materialet deles frit med andre foreninger.",
    "Et forløb koster 2.400 kr. pr. familie, betalt af en fondsbevilling.",
    "Frivillige mødes til supervision med en psykolog hver sjette uge.",
    "Alle frivillige har børneattest og et introkursus på to aftener.",
    "Vi tilpasser tider og aktiviteter efter familiens ønsker ved opstart.",
    "Vi bruger et trivselsskema før og efter forløbet og noterer fremmøde.",
    "Styregruppen gennemgår evalueringerne hvert halve år og justerer.",
]
