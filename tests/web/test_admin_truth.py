"""Admin: freshness overview, reject/suspend with a reason editors see, review of all 11 elements on one page
(and only reviewed levels count in the ranking prior)."""
from __future__ import annotations

from datetime import datetime

import pytest
from freezegun import freeze_time

from catalog.elements import ELEMENT_KEYS
from tests.helpers import bearer

EVIDENCE = {
    "maal": "Hvert barn har to skriftlige mål, som vi følger op på hver måned.",
    "beskrivelse": "Målgruppe, aktiviteter og varighed står i vores metodehæfte på side 4-9.",
    "monitorering": "Vi bruger et trivselsskema før og efter forløbet og noterer fremmøde.",
}


@pytest.fixture
def admin(factory, login):
    _, email = factory.user("admin")
    login(email)


def test_freshness_overview_per_organisation_and_municipality(client, factory, login):
    with freeze_time(datetime(2024, 1, 1)):
        org = factory.org("Gammel Forening")
        factory.offer(org, title="Glemt tilbud", areas=["Odense"])
    with freeze_time(datetime(2024, 10, 1)):
        factory.offer(org, title="Halvgammelt", areas=["Odense"])
    with freeze_time(datetime(2025, 10, 1)):
        factory.offer(factory.org("Frisk Forening"), title="Nyt", areas=["Vejle"])
    with freeze_time(datetime(2025, 10, 20)):
        login(factory.user("admin")[1])
        page = client.get("/admin/freshness").get_data(as_text=True)
    assert "I alt: 1 bekræftet, 1 skal bekræftes, 1 skjult." in page
    row = page.split("Gammel Forening</th>")[1].split("</tr>")[0]
    assert [c.strip() for c in row.replace("<td>", "").split("</td>")[:3]] == ["0", "1", "1"]
    assert "Odense</th>" in page and "Vejle</th>" in page


def test_reject_and_suspend_with_a_reason_the_editors_see(client, factory, login, admin):
    org = factory.org("Tvivlsom Forening")
    offer = factory.offer(org, title="Tvivlsomt tilbud")
    token = factory.token("caseworker")
    assert client.post(f"/admin/organisations/{org}/standing",
                       data={"standing": "suspended", "reason": "kort"}).status_code == 302
    assert "mindst 10 tegn" in client.get("/admin/organisations").get_data(as_text=True)
    assert client.get(f"/offers/{offer}").status_code == 200  # nothing changed

    reason = "Vi mangler dokumentation for børneattester."
    client.post(f"/admin/organisations/{org}/standing", data={"standing": "suspended", "reason": reason})
    assert reason in client.get("/admin/organisations").get_data(as_text=True)
    client.post("/logout")
    assert client.get(f"/offers/{offer}").status_code == 404
    assert client.get(f"/api/v1/offers/{offer}", headers=bearer(token)).status_code == 404
    _, editor = factory.user("ngo_editor", org_id=org)
    login(editor)
    page = client.get("/ngo/").get_data(as_text=True)
    assert "Organisationen er suspenderet" in page and reason in page


def test_review_all_elements_on_one_page_all_or_nothing_and_only_reviewed_levels_count(app, client, factory,
                                                                                       admin):
    org = factory.org("Familiehuset")
    offer = factory.offer(org, elements={k: {"level": 2, "evidence": v} for k, v in EVIDENCE.items()})
    page = client.get(f"/admin/offers/{offer}/review-all").get_data(as_text=True)
    assert all(f'name="level-{k}"' in page for k in ELEMENT_KEYS)
    assert "Kun niveauer, en administrator har bekræftet" in page

    form = {f"level-{k}": "skip" for k in ELEMENT_KEYS}
    form.update({"level-maal": "confirm", "level-beskrivelse": "3", "level-monitorering": "1"})
    response = client.post(f"/admin/offers/{offer}/review-all", data=form)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Beskrivelse: skriv en begrundelse" in page and "Monitorering: skriv en begrundelse" in page

    def counts():
        from catalog.models import Offer
        from web.extensions import db

        with app.app_context():
            o = db.session.get(Offer, offer)
            return o.elements_count, o.reviewed_elements_count, {r.element_key: r.reviewed_at for r in o.element_rows}

    assert counts()[1] == 0 and not any(counts()[2].values())  # nothing written

    form.update({"note-beskrivelse": "Metoden er dokumenteret i en ekstern manual.",
                 "note-monitorering": "Skemaet bruges ikke fast endnu."})
    assert client.post(f"/admin/offers/{offer}/review-all", data=form).status_code == 302
    assert counts()[:2] == (2, 2)  # maal (2, confirmed) and beskrivelse (3); monitorering lowered to 1

    show = client.get(f"/offers/{offer}").get_data(as_text=True)
    assert "2 af dem er bekræftet af en administrator" in show

    # the match index gets the reviewed count as the prior's elements_count
    from web.matching import load_records
    from web.extensions import db

    with app.app_context():
        (record,) = load_records(db.session)[0]
    assert record["elements_count"] == 2


@pytest.mark.parametrize("role", ["anonymous", "caseworker", "ngo_editor"])
def test_only_admins_reach_the_new_admin_pages(client, factory, login, role):
    org = factory.org("Familiehuset")
    offer = factory.offer(org)
    if role != "anonymous":
        login(factory.user(role, org_id=org)[1])
    for path in ("/admin/outbox", "/admin/freshness", "/admin/referrals", f"/admin/offers/{offer}/review-all"):
        r = client.get(path)
        assert r.status_code == (302 if role == "anonymous" else 403), path
    for path, data in ((f"/admin/organisations/{org}/standing", {"standing": "rejected", "reason": "x" * 20}),
                       (f"/admin/offers/{offer}/review-all", {"level-maal": "3", "note-maal": "fordi"})):
        assert client.post(path, data=data).status_code == (302 if role == "anonymous" else 403), path
    client.post("/logout")
    assert client.get(f"/offers/{offer}").status_code == 200  # still verified and shown
