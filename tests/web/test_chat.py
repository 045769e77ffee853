"""/chat without JavaScript (form posts, POST/redirect/GET) and the JSON endpoint chat.js uses."""
from __future__ import annotations

import json
import re
from datetime import timedelta
from html import unescape

import pytest

FIRST = ("Mor på 24 med en dreng på 4 år. Hun er meget ensom og har store problemer med gæld og økonomien.")


@pytest.fixture
def catalogue(factory):
    org = factory.org(name="Familiehuset Aarhus", email="kontakt@familiehuset.example.org")
    ids = {
        "debt": factory.offer(org, title="Gældsrådgivning for børnefamilier",
                              description="Gratis rådgivning om gæld, budget og økonomi for familier med børn.",
                              target_group="Forældre med gæld", areas=["Aarhus"], age_min=None, age_max=None,
                              audience=["forældre"], formats=["individuel"], cost="gratis",
                              tags=["gæld", "økonomi"], contact={"email": "gaeld@example.org",
                                                                 "phone": "+45 11 22 33 44"}),
        "network": factory.offer(org, title="Mødrenetværk for ensomme mødre",
                                 description="Et netværk og en mødregruppe for mødre, der føler sig ensomme og "
                                             "mangler netværk.", areas=["Aarhus"], age_min=0, age_max=6,
                                 audience=["mor"], formats=["gruppe"], cost="50 kr. pr. gang",
                                 tags=["netværk", "ensomhed"], contact={"email": "net@example.org"}),
        "online": factory.offer(org, title="Online økonomivejledning",
                                description="Vejledning om økonomi og gæld over video.", areas=["Hele landet"],
                                age_min=None, age_max=None, audience=["forældre"], formats=["online"],
                                cost="gratis", tags=["økonomi", "gæld"], contact={"email": "online@example.org"}),
        "skanderborg": factory.offer(org, title="Familiecafé i Skanderborg",
                                     description="Fællesspisning og netværk for ensomme forældre og deres børn.",
                                     areas=["Skanderborg"], age_min=None, age_max=None, audience=["forældre"],
                                     formats=["gruppe"], cost="gratis", tags=["netværk", "ensomhed"],
                                     contact={"email": "cafe@example.org"}),
    }
    for i in range(8):
        ids[f"extra{i}"] = factory.offer(org, title=f"Budgetkursus nr. {i}",
                                         description="Kursus i budget, økonomi og gæld for forældre.",
                                         areas=["Aarhus"], age_min=None, age_max=None, audience=["forældre"],
                                         formats=["gruppe"], cost="gratis", tags=["økonomi"],
                                         contact={"email": f"kursus{i}@example.org"})
    return ids


@pytest.fixture
def caseworker(factory, login):
    user_id, email = factory.user(role="caseworker", home="Aarhus")
    login(email)
    return user_id


def page(response) -> str:
    return unescape(response.get_data(as_text=True))


def follow(client, response):
    """A message's answer is the page itself (the only place the typed message is shown back); other forms
    redirect. Returns the conversation's URL and the answering page."""
    if response.status_code == 200 and 'id="chat-form"' in response.get_data(as_text=True):
        html = response.get_data(as_text=True)
        found = re.search(r'id="chat-form"[^>]*?action="(/chat/[0-9a-f-]{36})"', html, re.S)
        assert found, "the answer's form posts to the conversation"
        return found.group(1), response
    assert response.status_code == 303, response.status_code
    location = response.headers["Location"]
    return location.split("#")[0], client.get(location)


def start(client, text=FIRST):
    url, response = follow(client, client.post("/chat/", data={"text": text}))
    assert response.status_code == 200
    return url, response


def section(html: str, element_id: str) -> str:
    start_at = html.index(f'id="{element_id}"')
    return html[start_at:]


def result_ids(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'class="card offer-card" id="tilbud-(\d+)"', html)]


# --- rights ----------------------------------------------------------------------------------------------

def test_anonymous_goes_to_login(client):
    response = client.get("/chat/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.post("/chat/", data={"text": FIRST}).status_code == 302


def test_ngo_editor_is_refused(client, factory, login):
    org = factory.org()
    _, email = factory.user(role="ngo_editor", org_id=org)
    login(email)
    assert client.get("/chat/").status_code == 403
    assert client.post("/chat/", data={"text": FIRST}).status_code == 403


def test_admin_may_chat(client, factory, login, catalogue):
    _, email = factory.user(role="admin")
    login(email)
    assert client.get("/chat/").status_code == 200
    assert start(client)[1].status_code == 200


def test_another_caseworkers_conversation_is_404(app, client, factory, login, catalogue, caseworker):
    url, _ = start(client)
    _, other = factory.user(role="caseworker")
    other_client = app.test_client()
    other_client.post("/login", data={"email": other, "password": "korrekt-hest-batteri"})
    assert other_client.get(url).status_code == 404
    assert other_client.post(url, data={"text": "kun gratis"}).status_code == 404
    assert other_client.get(url + "/print").status_code == 404
    assert other_client.get(url + "/plan.json").status_code == 404
    assert other_client.post(url + "/slet").status_code == 404
    assert client.get(url).status_code == 200


def test_an_expired_conversation_is_404_and_deleted(app, client, catalogue, caseworker):
    from catalog.models import Conversation
    from web.extensions import db

    url, _ = start(client)
    conv_id = url.rsplit("/", 1)[1]
    with app.app_context():
        conv = db.session.get(Conversation, conv_id)
        conv.expires_at = conv.expires_at - timedelta(days=2)
        db.session.commit()
    assert client.get(url).status_code == 404
    with app.app_context():
        assert db.session.get(Conversation, conv_id) is None
    # the chat start page no longer points at it
    assert client.get("/chat/").status_code == 200


# --- the no-JS flow ------------------------------------------------------------------------------------------

def test_empty_page_has_a_labelled_message_box(client, caseworker):
    html = page(client.get("/chat/"))
    assert '<label for="f-text">Beskriv familiens situation og behov' in html
    assert 'id="chat-status"' in html and 'aria-live="polite"' in html
    assert "Din hjemkommune er Aarhus" in html
    assert '<script src="/static/chat.js"' in html and "<script>" not in html


def test_empty_or_too_long_message_is_422_with_the_error_beside_the_field(client, caseworker):
    response = client.post("/chat/", data={"text": "   "})
    assert response.status_code == 422
    html = page(response)
    assert 'id="f-text-error"' in html and "Skriv en besked." in html
    response = client.post("/chat/", data={"text": "cpr 070761-4285 " + "x" * 4000})
    assert response.status_code == 422
    html = page(response)
    assert "Beskeden må højst være 4000 tegn." in html
    assert "070761" not in html and "xxxx" not in html  # no echo of the text in an error page
    assert "070761-4285" not in html


def test_full_flow_without_javascript(app, client, catalogue, caseworker):
    # first message -> results and chips
    url, response = start(client)
    html = page(response)
    assert result_ids(html), html
    assert "Kommune: Aarhus (din hjemkommune)" in html
    assert "Barn: 4 år" in html
    assert "Behov: Økonomi og gæld" in html
    assert 'value="concept:oekonomi_gaeld"' in html
    assert "Fjern <span class=\"visually-hidden\">Kommune: Aarhus (din hjemkommune)</span>" in html
    card = section(html, f"tilbud-{catalogue['debt']}").split('class="card offer-card"')[0]
    for expected in ("Gældsrådgivning for børnefamilier", "Familiehuset Aarhus", "Hvorfor det passer",
                     "Aarhus", "Alle aldre", "individuel", "gratis", "Bekræftet aktuel", "gaeld@example.org",
                     "af 11 elementer"):
        assert expected in card, expected
    assert html.count('class="msg msg-user"') == 1 and html.count('class="msg msg-assistant"') == 1
    # reload is safe: the same page, nothing sent again
    again = page(client.get(url))
    assert again.count('class="msg msg-user"') == 1

    # refinement: the reply says what changed
    _, response = follow(client, client.post(url, data={"text": "ikke online"}))
    html = page(response)
    assert "Ikke online." in html
    assert "Ikke online" in section(html, "forstaaet-h")

    _, response = follow(client, client.post(url, data={"text": "kun gratis"}))
    html = page(response)
    assert "Kun gratis tilbud." in html
    # free only is a condition: no paid offer is shown, and each card says it is free
    assert "50 kr. pr. gang" not in html
    assert "gratis." in section(html, f"tilbud-{catalogue['debt']}").split('class="card offer-card"')[0]

    # remove a chip
    _, response = follow(client, client.post(url + "/fjern", data={"item": "free"}))
    html = page(response)
    assert "Også tilbud, der koster noget." in html
    assert "Kun gratis" not in section(html, "forstaaet-h").split("</ul>")[0]

    # another municipality in one word changes the home municipality
    _, response = follow(client, client.post(url, data={"text": "hvad med i Skanderborg?"}))
    html = page(response)
    assert "Kommune ændret fra Aarhus (din hjemkommune) til Skanderborg." in html
    assert catalogue["skanderborg"] in result_ids(html)

    # drop a need
    _, response = follow(client, client.post(url, data={"text": "glem det med økonomien"}))
    html = page(response)
    assert "Behovet 'Økonomi og gæld' er fjernet." in html
    assert "Behov: Økonomi og gæld" not in section(html, "forstaaet-h").split("</ul>")[0]


def test_a_quick_reply_answers_the_question(client, catalogue, caseworker):
    url, response = start(client)
    html = page(response)
    assert 'id="spm-tekst"' in html
    question = section(html, "spm-tekst")
    button_text = re.search(r'id="hurtigsvar-1">([^<]+)<', question).group(1)
    message = re.search(r'name="text" value="([^"]+)"', question).group(1)
    assert message == f"Vigtigst: {button_text}"
    _, response = follow(client, client.post(url, data={"text": message}))
    html = page(response)
    assert f"'{button_text}' kommer nu først." in html
    assert f"Behov: {button_text} (vigtigst)" in html


def test_municipality_question_without_home_municipality(client, factory, login, catalogue):
    _, email = factory.user(role="caseworker", home=None)
    login(email)
    _, response = start(client)
    html = page(response)
    assert "Hvilken kommune bor familien i?" in html
    assert '<button type="submit" class="button secondary" id="hurtigsvar-1">Aarhus</button>' in html


def test_show_more_pages_through_the_results(client, catalogue, caseworker):
    url, response = start(client, "Familien har problemer med gæld og økonomi")
    first_page = result_ids(page(response))
    assert len(first_page) == 5
    assert 'id="vis-flere"' in page(response)
    _, response = follow(client, client.post(url, data={"text": "vis flere"}))
    html = page(response)
    second_page = result_ids(html)
    assert second_page and not set(first_page) & set(second_page)
    assert "Viser flere tilbud: nr. 6–10." in html
    assert '<ol class="results" start="6"' in html


def test_start_over(client, catalogue, caseworker):
    url, _ = start(client)
    _, response = follow(client, client.post(url, data={"text": "start forfra"}))
    html = page(response)
    assert "Søgningen er startet forfra." in html
    assert "Behov:" not in section(html, "forstaaet-h").split("</ul>")[0]
    assert "Kommune: Aarhus (din hjemkommune)" in html


def test_shortlist_print_view_and_json_export(app, client, catalogue, caseworker):
    url, response = start(client, FIRST + " Hun hedder Anne Jensen.")
    html = page(response)
    ids = result_ids(html)
    assert catalogue["debt"] in ids
    other = next(i for i in ids if i != catalogue["debt"])

    _, response = follow(client, client.post(url + "/liste", data={
        "offer_id": catalogue["debt"], "need": "Økonomi og gæld", "note": "Ring til Sara på 20 30 40 50 om tid"}))
    html = page(response)
    assert "Tilbuddet er føjet til listen." in html
    _, response = follow(client, client.post(url + "/liste", data={
        "offer_id": other, "need": "Netværk og ensomhed hos forældre", "note": "Første møde i næste uge"}))
    html = page(response)
    shortlist = section(html, "liste-h")
    assert shortlist.index("Økonomi og gæld") < shortlist.index("Netværk og ensomhed hos forældre")
    assert "Ring til [navn] på [telefonnummer] om tid" in shortlist
    assert "20 30 40 50" not in html

    # change a note, remove and re-add
    _, response = follow(client, client.post(f"{url}/liste/{other}/note", data={"note": "Mødes tirsdag"}))
    assert "Mødes tirsdag" in section(page(response), "liste-h")

    response = client.get(url + "/print")
    assert response.status_code == 200
    printed = page(response)
    for expected in ("Behov: Økonomi og gæld", "Behov: Netværk og ensomhed hos forældre",
                     "Gældsrådgivning for børnefamilier", "gaeld@example.org", "+45 11 22 33 44",
                     "Mødes tirsdag", "Hvorfor", "Dato:"):
        assert expected in printed, expected
    # no need text beyond the notes
    for family_words in ("Mor på 24", "meget ensom", "problemer med gæld", "Anne Jensen", "Sara", "dreng"):
        assert family_words not in printed, family_words
    assert printed.count("[navn]") == 1  # the note's name, removed

    response = client.get(url + "/plan.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    plan = json.loads(response.get_data(as_text=True))
    assert [g["need"] for g in plan["needs"]] == ["Økonomi og gæld", "Netværk og ensomhed hos forældre"]
    first = plan["needs"][0]["offers"][0]
    assert first["offer"]["title"] == "Gældsrådgivning for børnefamilier"
    assert first["offer"]["contact"]["email"] == "gaeld@example.org"
    assert first["note"] == "Ring til [navn] på [telefonnummer] om tid"
    assert first["why"] and all("'" not in w.split(":", 1)[-1] or w.startswith("Matcher") for w in first["why"])
    dumped = json.dumps(plan, ensure_ascii=False)
    for family_words in ("Mor på 24", "meget ensom", "Anne Jensen", "dreng på 4"):
        assert family_words not in dumped

    _, response = follow(client, client.post(f"{url}/liste/{other}/fjern"))
    assert "Tilbuddet er fjernet fra listen." in page(response)
    assert "Netværk og ensomhed hos forældre" not in page(client.get(url + "/print"))


def test_shortlist_rejects_an_unknown_offer(client, catalogue, caseworker):
    url, _ = start(client)
    _, response = follow(client, client.post(url + "/liste", data={"offer_id": "99999"}))
    assert "Tilbuddet findes ikke." in page(response)


def test_delete_conversation(app, client, catalogue, caseworker):
    from catalog.models import Conversation
    from web.extensions import db

    url, _ = start(client)
    _, response = follow(client, client.post(url + "/slet"))
    assert "Samtalen er slettet." in page(response)
    assert client.get(url).status_code == 404
    with app.app_context():
        assert db.session.query(Conversation).count() == 0


def test_need_text_is_never_in_a_url(client, catalogue, caseworker):
    url, response = follow(client, client.post("/chat/", data={"text": FIRST}))
    assert re.fullmatch(r"/chat/[0-9a-f-]{36}", url)
    for html in (page(response), page(client.get(url))):
        for href in re.findall(r'(?:href|action)="([^"]+)"', html):
            if not href.startswith("mailto:"):
                assert "ensom" not in href and "gæld" not in href.lower(), href


# --- the JSON endpoint chat.js uses -------------------------------------------------------------------------

def test_json_endpoint_for_chat_js(client, catalogue, caseworker):
    response = client.post("/chat/json", data={"text": FIRST}, headers={"Accept": "application/json"})
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) >= {"reply", "understood", "results", "question", "html", "announce", "url", "json_url"}
    assert body["understood"]["municipality"] == "Aarhus" and body["understood"]["municipality_is_home"]
    assert body["results"] and body["results"][0]["title"]
    assert 'id="svar"' in body["html"] and "<html" not in body["html"]
    assert body["announce"].startswith(body["reply"])

    response = client.post(body["json_url"], data={"text": "kun gratis"})
    assert response.status_code == 200
    after = response.get_json()
    assert after["changes"] == ["Kun gratis tilbud."]
    assert after["understood"]["free_only"] is True
    assert "Kun gratis tilbud." in after["announce"]

    response = client.post(body["json_url"], json={"text": ""})
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"text": ["Skriv en besked."]}

    response = client.post(body["url"] + "/fjern/json", data={"item": "free"})
    assert response.status_code == 200
    assert response.get_json()["understood"]["free_only"] is False

    # the page itself reflects what happened through JSON
    html = page(client.get(body["url"]))
    assert html.count('class="msg msg-user"') == 2


def test_json_endpoint_needs_the_csrf_token_when_csrf_is_on(app, client, catalogue, caseworker):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post("/chat/json", data={"text": FIRST}, headers={"Accept": "application/json"})
        assert response.status_code == 400
        html = client.get("/chat/").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        response = client.post("/chat/json", data={"text": FIRST},
                               headers={"Accept": "application/json", "X-CSRFToken": token})
        assert response.status_code == 201
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_chat_js_is_served_and_plain(client):
    response = client.get("/static/chat.js")
    assert response.status_code == 200
    js = response.get_data(as_text=True)
    assert "X-CSRFToken" in js and "aria-busy" in js and "fetch(" in js
    assert "import " not in js and "require(" not in js
