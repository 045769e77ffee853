"""A NUL byte in a web form field (PostgreSQL can't store one; a lone surrogate can't even be encoded) is taken
out at the edge and shown as a Danish message beside that field: the form comes back with 422 and nothing is
written. JSON APIs and query strings are still refused whole with 400 and the field's path (test_hardening)."""
from __future__ import annotations

import html

from sqlalchemy import func, select

from catalog.models import Conversation, ConversationMessage, Offer, OutboxMessage
from tests.web.test_chat import start
from tests.web.test_ngo import SIGNUP, counts, field_error, input_value, offer_form

MESSAGE = "Feltet indeholdt et tegn, der ikke kan bruges"


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _count(app, model) -> int:
    from web.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_signup_shows_the_character_beside_its_field_keeps_the_rest_and_writes_nothing(app, client):
    before, mails = counts(app), _count(app, OutboxMessage)
    r = client.post("/ngo/signup", data={**SIGNUP, "org_name": "Familie\x00huset Kolding"})
    assert r.status_code == 422
    assert MESSAGE in (field_error(r, "org_name") or "")
    assert 'href="#f-org_name"' in r.get_data(as_text=True)  # the summary at the top links to the field
    assert field_error(r, "user_email") is None and field_error(r, "org_cvr") is None
    assert input_value(r, "org_name") == "Familiehuset Kolding"  # the rest of what was typed is kept
    assert input_value(r, "user_email") == SIGNUP["user_email"]
    assert counts(app) == before and _count(app, OutboxMessage) == mails
    assert client.get("/ngo/").status_code == 302


def test_signup_with_a_nul_and_another_mistake_shows_both(app, client):
    r = client.post("/ngo/signup", data={**SIGNUP, "org_description": "a\x00b", "org_cvr": "12"})
    assert r.status_code == 422
    assert MESSAGE in (field_error(r, "org_description") or "")
    assert "CVR-nummer skal være 8 cifre." in (field_error(r, "org_cvr") or "")


def test_offer_edit_form_shows_the_character_beside_its_field_and_saves_nothing(app, client, factory, login):
    org = factory.org("Familiehuset Vejle")
    offer_id = factory.offer(org, status="published")
    login(factory.user("ngo_editor", org_id=org)[1])
    from web.extensions import db

    with app.app_context():
        offer = db.session.get(Offer, offer_id)
        version, description, title = offer.version, offer.description, offer.title
    data = offer_form(title="Ny titel", description="Forældre mødes hver uge.\x00 Vi spiser sammen og taler om "
                      "søvn, trods og hverdagen med frivillige og en sundhedsplejerske.", version=str(version))
    r = client.post(f"/ngo/offers/{offer_id}/edit", data=data)
    assert r.status_code == 422
    assert MESSAGE in (field_error(r, "description") or "")
    assert field_error(r, "title") is None
    assert input_value(r, "title") == "Ny titel"
    with app.app_context():
        offer = db.session.get(Offer, offer_id)
        assert (offer.version, offer.description, offer.title) == (version, description, title)


def test_new_offer_form_shows_the_character_beside_its_field_and_saves_nothing(app, client, factory, login):
    org = factory.org("Familiehuset Vejle")
    login(factory.user("ngo_editor", org_id=org)[1])
    before = _count(app, Offer)
    r = client.post("/ngo/offers/new", data=offer_form(**{"el-maal-evidence": "Mål\x00 i vores plan"}))
    assert r.status_code == 422
    assert MESSAGE in (field_error(r, "el-maal-evidence") or "")
    assert _count(app, Offer) == before


def test_chat_shows_the_character_beside_the_message_box_and_stores_nothing(app, client, factory, login):
    login(factory.user("caseworker", home="Vejle")[1])
    r = client.post("/chat/", data={"text": "lektiehjælp til en dreng\x00 på 9 i Vejle"})
    assert r.status_code == 422
    assert MESSAGE in (field_error(r, "text") or "")
    assert _count(app, Conversation) == 0

    url, _page = start(client, "lektiehjælp til en dreng på 9 i Vejle")
    messages = _count(app, ConversationMessage)
    r = client.post(url, data={"text": "kun\x00 gratis"})
    assert r.status_code == 422
    assert MESSAGE in (field_error(r, "text") or "")
    assert "kun gratis" not in text(r)  # the typed text is still never echoed
    assert _count(app, ConversationMessage) == messages


def test_login_and_password_forms_show_the_character_beside_the_field(app, client, factory, login):
    r = client.post("/login", data={"email": "a\x00@example.org", "password": "x"})
    assert r.status_code == 422
    assert MESSAGE in (field_error(r, "email") or "")
    _, email = factory.user("caseworker")
    login(email)
    r = client.post("/account/password", data={"current_password": "korrekt-hest-batteri",
                                                 "password": "nyt-kodeord\x00-1", "password2": "nyt-kodeord-1"})
    assert r.status_code == 422
    assert MESSAGE in (field_error(r, "password") or "")
    client.post("/logout")
    login(email)  # the old password still works: nothing was changed


def test_a_form_whose_page_cannot_point_at_the_field_is_still_refused_whole(client):
    r = client.post("/sprog", data={"lang": "en\x00", "next": "/"})
    assert r.status_code == 400 and "NUL-tegn" in text(r)
    r = client.post("/ngo/signup", data={**SIGNUP, "org\x00name": "x"})  # a field name no form has
    assert r.status_code == 400
