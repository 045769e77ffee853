"""Likely twins at registration: same CVR, a near-identical organisation name, an offer title close to another of
the same organisation in the same municipality. The form shows the twin before saving; nothing is written until
the editor says it is not the same."""
from __future__ import annotations

import importlib.util
from pathlib import Path

from sqlalchemy import func, select

_spec = importlib.util.spec_from_file_location("ngo_form_helpers", Path(__file__).with_name("test_ngo.py"))
_helpers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_helpers)

SIGNUP = {"org_name": "Familiehuset i Vejle", "org_cvr": "", "org_website": "", "org_email": "", "org_phone": "",
          "org_description": "", "user_name": "Sara", "user_email": "sara@example.org",
          "password": "korrekt-hest-batteri", "password2": "korrekt-hest-batteri"}


def _count(app, model) -> int:
    from web.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_signup_shows_an_organisation_with_the_same_cvr_or_a_near_identical_name(app, client, factory):
    from catalog.models import Organisation, User

    factory.org("Familiehuset Vejle", cvr="12345678")
    factory.org("Mødrehjælpen")
    before = (_count(app, Organisation), _count(app, User))

    page = client.post("/ngo/signup", data=SIGNUP).get_data(as_text=True)
    assert "Findes organisationen allerede?" in page and "»Familiehuset Vejle« – næsten samme navn" in page
    assert (_count(app, Organisation), _count(app, User)) == before

    page = client.post("/ngo/signup", data={**SIGNUP, "org_name": "Børnenes Hus", "org_cvr": "12345678"})
    assert "samme CVR-nummer (12345678)" in page.get_data(as_text=True)
    assert (_count(app, Organisation), _count(app, User)) == before

    unrelated = client.post("/ngo/signup", data={**SIGNUP, "org_name": "Lektiehjælpen Kolding"})
    assert unrelated.status_code == 200 and "Tjek din e-mail" in unrelated.get_data(as_text=True)
    confirmed = client.post("/ngo/signup", data={**SIGNUP, "user_email": "ole@example.org", "confirm_twin": "1"})
    assert confirmed.status_code == 200 and "Tjek din e-mail" in confirmed.get_data(as_text=True)
    assert _count(app, Organisation) == before[0] + 2  # both waiting for their e-mail address to be confirmed


def test_offer_form_shows_a_close_title_of_the_same_organisation_in_the_same_municipality(app, client, factory,
                                                                                            login):
    from catalog.models import Offer

    org = factory.org("Familiehuset")
    factory.offer(org, title="Familiegruppe for småbørnsforældre", areas=["Vejle"])
    factory.offer(org, title="Lektiecafé", areas=["Kolding"])
    other = factory.org("Andre")
    factory.offer(other, title="Familiegruppe for småbørnsforældre", areas=["Vejle"])
    _, email = factory.user("ngo_editor", org_id=org)
    login(email)

    data = _helpers.offer_form(0, title="Familiegruppe for smaabørnsforældre", areas="Vejle")
    response = client.post("/ngo/offers/new", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Findes tilbuddet allerede?" in page
    assert "»Familiegruppe for småbørnsforældre« – næsten samme titel i samme kommune" in page
    assert _count(app, Offer) == 3
    assert _helpers.input_value(response, "title") == "Familiegruppe for smaabørnsforældre"  # what was typed is kept

    # another municipality is not a twin; confirming saves
    assert client.post("/ngo/offers/new", data={**data, "areas": "Aarhus"}).status_code == 302
    assert client.post("/ngo/offers/new", data={**data, "confirm_twin": "1"}).status_code == 302
    assert _count(app, Offer) == 5
