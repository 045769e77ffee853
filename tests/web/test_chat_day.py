"""The caseworker's working day without a browser: one family per conversation, conditions that filter the
plan too, honest answers, the same contact on card and offer page."""
from __future__ import annotations

from tests.web.test_chat import (  # noqa: F401  (catalogue and caseworker are fixtures)
    FIRST,
    catalogue,
    caseworker,
    follow,
    page,
    result_ids,
    section,
    start,
)


def test_the_start_page_always_begins_a_new_family(client, catalogue, caseworker):
    first_url, _ = start(client)
    html = page(client.get("/chat/"))
    assert 'id="svar"' not in html                       # nothing of the first family
    assert '<label for="f-text">Beskriv familiens situation og behov' in html
    second_url, response = start(client, "Pigen på 10 er ensom og mangler netværk. Skanderborg.")
    assert second_url != first_url
    assert "Barn: 4 år" not in page(response)
    # both are listed, labelled by their needs, and the first is still reachable as it was
    recent = section(page(client.get("/chat/")), "seneste-h")
    assert "Økonomi og gæld" in recent and first_url in recent and second_url in recent
    assert "Barn: 4 år" in page(client.get(first_url))


def test_recent_families_never_show_a_name(client, catalogue, caseworker):
    start(client, "Mor hedder Karen Hansen og har gæld. Dreng på 4.")
    recent = section(page(client.get("/chat/")), "seneste-h")
    assert "Karen" not in recent and "Hansen" not in recent


def test_free_only_hides_paid_offers_and_keeps_them_off_the_plan(client, catalogue, caseworker):
    url, _ = start(client, "Mor er ensom og mangler netværk, dreng på 4")
    _, response = follow(client, client.post(url, data={"text": "kun gratis"}))
    html = page(response)
    assert catalogue["network"] not in result_ids(html)
    assert "1 tilbud skjult: koster penge." in html
    _, response = follow(client, client.post(url + "/liste", data={"offer_id": catalogue["network"]}))
    html = page(response)
    assert "kan ikke komme på listen" in html
    assert 'id="valgt-' not in html


def test_english_and_unreadable_texts_get_honest_answers(client, catalogue, caseworker):
    _, response = start(client, "3 year old boy, the mother is lonely and has debt")
    html = page(response)
    assert "Jeg kan kun læse dansk" in html and "I can only read Danish" in html
    assert result_ids(html) == [] and "Barn: 3 år" not in html
    _, response = start(client, "hej")
    html = page(response)
    assert "Jeg kunne ikke finde et behov i beskeden" in html and "Skriv fx" in html
    assert "Prøv at fjerne" not in html


def test_a_child_in_danger_gets_the_notice_before_everything(client, catalogue, caseworker):
    _, response = start(client, "Far slår drengen på 4, og mor har gæld.")
    html = page(response)
    notice = html.index('id="akut"')
    assert notice < html.index('id="svar"')
    for route in ("112", "døgnvagt", "BørneTelefonen", "Livslinien"):
        assert route in html[notice:html.index('id="svar"')]


def test_contact_is_the_same_on_card_and_offer_page(client, factory, caseworker):
    org = factory.org(name="Forening med kontakt", email="org@example.org")
    offer_id = factory.offer(org, title="Gældsrådgivning uden egen kontakt",
                             description="Rådgivning om gæld og budget for familier.", areas=["Aarhus"],
                             age_min=None, age_max=None, formats=["individuel"], cost="gratis", tags=["gæld"],
                             contact={})
    _, response = start(client, "Familien har gæld")
    card = section(page(response), f"tilbud-{offer_id}").split('class="card offer-card"')[0]
    offer_page = page(client.get(f"/offers/{offer_id}"))
    assert "org@example.org" in card and "org@example.org" in section(offer_page, "kontakt")


def test_the_plan_carries_the_same_sentences_as_the_card(client, catalogue, caseworker):
    url, response = start(client)
    html = page(response)
    card = section(html, f"tilbud-{catalogue['debt']}").split('class="card offer-card"')[0]
    reason = card.split('<p class="reason">', 1)[1].split("</p>", 1)[0]
    reason = reason.split("</span>", 1)[1].strip()          # after the visually hidden "Hvorfor det passer:"
    assert reason.startswith("Tilbuddet handler om økonomi og gæld")
    follow(client, client.post(url + "/liste", data={"offer_id": catalogue["debt"]}))
    plan = page(client.get(url + "/print"))
    assert reason in plan
    assert "Behov: Økonomi og gæld" in plan                  # filed under the need the sentence names


def test_a_text_with_nothing_to_read_gets_no_guessed_offers(client, catalogue, caseworker):
    _, response = start(client, "jeg ved ikke")
    html = page(response)
    assert result_ids(html) == []
    assert "Jeg kunne ikke finde et behov i beskeden" in html
