"""The offer form and the API refuse boilerplate evidence, with the message beside the field and nothing saved."""
from __future__ import annotations

import importlib.util
from pathlib import Path

from sqlalchemy import func, select

from tests.helpers import bearer

_spec = importlib.util.spec_from_file_location("ngo_form_helpers", Path(__file__).with_name("test_ngo.py"))
_helpers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_helpers)


def _offers(app) -> int:
    from catalog.models import Offer
    from web.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Offer))


def test_form_shows_evidence_errors_beside_the_field_and_saves_nothing(app, client, factory, login):
    org = factory.org("Familiehuset")
    _, email = factory.user("ngo_editor", org_id=org)
    login(email)
    data = _helpers.offer_form(0)
    data.update({"el-maal-level": "2", "el-maal-evidence": "ja",
                 "el-monitorering-level": "3",
                 "el-monitorering-evidence": "Hvordan følger I deltagernes udvikling ift. målene (fx trivselsskema "
                                             "før/efter, fremmøde)? Kan I give tilbagemelding til sagsbehandler "
                                             "med samtykke?"})
    response = client.post("/ngo/offers/new", data=data)
    assert response.status_code == 422
    assert "mindst 30 tegn" in _helpers.field_error(response, "el-maal-evidence")
    assert "vejledningens ord" in _helpers.field_error(response, "el-monitorering-evidence")
    assert _offers(app) == 0

    data["el-maal-evidence"] = "Hvert barn har to skriftlige mål, som vi følger op på hver måned."
    data["el-monitorering-evidence"] = "Vi bruger et trivselsskema før og efter forløbet og noterer fremmøde."
    assert client.post("/ngo/offers/new", data=data).status_code == 302
    assert _offers(app) == 1


def test_api_refuses_boilerplate_evidence_with_field_paths(client, factory):
    org = factory.org("Familiehuset")
    token = factory.token("ngo_editor", org_id=org, scopes=["offers:write"])
    from tests.helpers import OFFER_DATA

    same = "Vi har beskrevet det hele grundigt i vores store metodehæfte."
    body = {**OFFER_DATA, "elements": {"maal": {"level": 2, "evidence": same},
                                       "beskrivelse": {"level": 2, "evidence": same}}}
    response = client.post("/api/v1/offers", json=body, headers=bearer(token))
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"elements.maal.evidence"} or \
        set(response.get_json()["errors"]) == {"elements.beskrivelse.evidence"}
