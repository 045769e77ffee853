"""/admin: only admins; verify organisations, manage users, review element levels."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.helpers import DEMO_PASSWORD


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def admin(factory, login):
    user_id, email = factory.user("admin")
    login(email)
    return user_id


@pytest.fixture
def world(factory):
    org = factory.org("Familiehuset")
    waiting = factory.org("Venteforeningen", verified=False)
    offer = factory.offer(org, title="Lektiecafé", elements={
        "maal": {"level": 2, "evidence": "Målene står i vores metodebeskrivelse."}})
    return {"org": org, "waiting": waiting, "offer": offer}


GET_ROUTES = ["/admin/", "/admin/organisations", "/admin/users", "/admin/offers", "/admin/offers/{offer}/review"]
POST_ROUTES = [("/admin/organisations/{waiting}/verified", {"verified": "1"}),
               ("/admin/users", {"email": "ny@example.org", "password": "x" * 12, "role": "admin"}),
               ("/admin/users/{user}/active", {"active": "0"}),
               ("/admin/offers/{offer}/review", {"element": "maal", "level": "", "note": ""})]


@pytest.mark.parametrize("role", ["anonymous", "caseworker", "ngo_editor"])
def test_non_admins_cannot_reach_any_admin_route(client, factory, login, world, role):
    victim_id, victim_email = factory.user("caseworker")
    if role != "anonymous":
        _, email = factory.user(role, org_id=world["org"])
        login(email)
    ids = {**world, "user": victim_id}
    for route in GET_ROUTES:
        r = client.get(route.format(**ids))
        if role == "anonymous":
            assert r.status_code == 302 and "/login" in r.headers["Location"], route
        else:
            assert r.status_code == 403, route
    for route, data in POST_ROUTES:
        r = client.post(route.format(**ids), data=data)
        assert r.status_code == (302 if role == "anonymous" else 403), route
        if role == "anonymous":
            assert "/login" in r.headers["Location"]
    # nothing changed: the organisation still waits, no user was made, the victim can still log in
    client.post("/logout")
    assert client.post("/login", data={"email": victim_email, "password": DEMO_PASSWORD}).status_code == 302
    assert client.get("/offers/").status_code == 200
    assert "ny@example.org" not in _emails(client.application)


def _emails(app) -> set[str]:
    from catalog.models import User
    from web.extensions import db

    with app.app_context():
        return set(db.session.scalars(select(User.email)))


def test_admin_reaches_every_page(client, admin, world):
    for route in GET_ROUTES:
        assert client.get(route.format(**world)).status_code == 200, route


def test_dashboard_counts_and_lists_waiting_organisations(client, admin, world):
    page = text(client.get("/admin/"))
    assert "Venteforeningen" in page and "Lektiecafé" in page
    assert "<strong>1</strong> verificerede, <strong>1</strong> venter" in page


def test_verify_and_unverify_organisation(client, app, admin, world):
    from catalog.models import Organisation
    from web.extensions import db

    page = text(client.get("/admin/organisations"))
    assert "Verificér" in page and "Fjern verificering" in page
    r = client.post(f"/admin/organisations/{world['waiting']}/verified", data={"verified": "1"}, follow_redirects=True)
    assert "Venteforeningen er verificeret." in text(r)
    with app.app_context():
        assert db.session.get(Organisation, world["waiting"]).verified is True
    client.post(f"/admin/organisations/{world['waiting']}/verified", data={"verified": "0"})
    with app.app_context():
        org = db.session.get(Organisation, world["waiting"])
        assert org.verified is False and org.verified_at is None


def test_admin_creates_users_of_each_role(client, app, admin, world):
    r = client.post("/admin/users", data={"email": "Sagsbehandler@Vejle.dk", "name": "Sara", "role": "caseworker",
                                          "home_municipality": "vejle kommune", "password": "langt-kodeord"})
    assert r.status_code == 302
    r = client.post("/admin/users", data={"email": "red@example.org", "role": "ngo_editor",
                                          "organisation": str(world["org"]), "password": "langt-kodeord"})
    assert r.status_code == 302
    from catalog.models import User
    from web.extensions import db

    with app.app_context():
        case = db.session.scalar(select(User).where(User.email == "sagsbehandler@vejle.dk"))
        assert (case.role, case.home_municipality, case.name) == ("caseworker", "Vejle", "Sara")
        editor = db.session.scalar(select(User).where(User.email == "red@example.org"))
        assert editor.organisation_id == world["org"]
    client.post("/logout")
    assert client.post("/login", data={"email": "red@example.org", "password": "langt-kodeord"}).status_code == 302


def _user_count(app) -> int:
    from catalog.models import User
    from web.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


@pytest.mark.parametrize("form,field,message", [
    ({"email": "DUP", "role": "caseworker", "password": "langt-kodeord"}, "email",
     "Der findes allerede en bruger med denne e-mailadresse."),
    ({"email": "kort@example.org", "role": "caseworker", "password": "kort"}, "password",
     "Skal være mellem 10 og 200 tegn."),
    ({"email": "kommune@example.org", "role": "caseworker", "password": "langt-kodeord",
      "home_municipality": "Vejel"}, "home_municipality", "Ukendt kommune &#39;Vejel&#39; – mente du Vejle?"),
    ({"email": "ikke-en-adresse", "role": "caseworker", "password": "langt-kodeord"}, "email",
     "Ugyldig e-mailadresse."),
    ({"email": "red2@example.org", "role": "ngo_editor", "password": "langt-kodeord"}, "organisation",
     "Vælg den organisation, redaktøren hører til."),
    ({"email": "rolle@example.org", "role": "konge", "password": "langt-kodeord"}, "role", "Ukendt rolle."),
])
def test_create_user_bad_input_shows_danish_message_beside_field(client, app, factory, admin, world,
                                                                 form, field, message):
    _, existing = factory.user("caseworker")
    if form["email"] == "DUP":
        form = {**form, "email": existing.upper()}
    before = _user_count(app)
    r = client.post("/admin/users", data={"name": "Navn Navnesen", **form})
    assert r.status_code == 422
    page = text(r)
    assert message in page
    assert f'id="f-{field}-error"' in page and f'aria-describedby="f-{field}-error' in page
    assert 'value="Navn Navnesen"' in page  # what the admin typed is kept
    if field == "home_municipality":
        assert 'value="Vejel"' in page
    assert "langt-kodeord" not in page  # passwords are never echoed
    assert _user_count(app) == before


def test_create_user_reports_duplicate_email_and_short_password_together(client, app, factory, admin):
    _, existing = factory.user("caseworker")
    r = client.post("/admin/users", data={"email": existing, "role": "caseworker", "password": "kort"})
    page = text(r)
    assert r.status_code == 422
    assert "Der findes allerede en bruger med denne e-mailadresse." in page
    assert "Skal være mellem 10 og 200 tegn." in page


def test_deactivated_user_cannot_log_in_and_is_logged_out(app, factory, admin, client):
    user_id, email = factory.user("caseworker")
    other = app.test_client()
    assert other.post("/login", data={"email": email, "password": DEMO_PASSWORD}).status_code == 302
    r = client.post(f"/admin/users/{user_id}/active", data={"active": "0"}, follow_redirects=True)
    assert "kan ikke længere logge ind" in text(r)
    assert other.get("/admin/").status_code == 302  # the old session no longer counts as logged in
    assert app.test_client().post("/login", data={"email": email, "password": DEMO_PASSWORD}).status_code == 422
    client.post(f"/admin/users/{user_id}/active", data={"active": "1"})
    assert app.test_client().post("/login", data={"email": email, "password": DEMO_PASSWORD}).status_code == 302


def test_admin_cannot_deactivate_themselves(client, app, admin):
    r = client.post(f"/admin/users/{admin}/active", data={"active": "0"}, follow_redirects=True)
    assert "Du kan ikke deaktivere dig selv." in text(r)
    assert client.get("/admin/").status_code == 200


def test_review_page_shows_ngo_level_and_evidence(client, admin, world):
    page = text(client.get(f"/admin/offers/{world['offer']}/review"))
    assert "Målene står i vores metodebeskrivelse." in page
    assert "Bekræft organisationens niveau (2)" in page


def test_level_change_without_note_is_refused_beside_the_note(client, app, admin, world):
    r = client.post(f"/admin/offers/{world['offer']}/review", data={"element": "maal", "level": "3", "note": " "})
    assert r.status_code == 422
    page = text(r)
    assert "Skriv en begrundelse, når du ændrer organisationens niveau." in page
    assert 'id="f-maal-note-error"' in page and 'aria-describedby="f-maal-note-error' in page
    assert '<option value="3" selected>' in page
    from catalog.models import Offer
    from web.extensions import db

    with app.app_context():
        row = db.session.get(Offer, world["offer"]).element("maal")
        assert row.reviewed_level is None and row.reviewed_at is None


def test_level_change_with_note_changes_the_profile(client, app, admin, world):
    r = client.post(f"/admin/offers/{world['offer']}/review",
                    data={"element": "maal", "level": "0", "note": "Målene er ikke konkrete."})
    assert r.status_code == 302
    from catalog.models import Offer
    from web.extensions import db

    with app.app_context():
        offer = db.session.get(Offer, world["offer"])
        assert offer.element("maal").reviewed_level == 0
        assert offer.elements_count == 0
    page = text(client.get(f"/offers/{world['offer']}"))
    assert "Organisationens eget niveau: 2. Justeret til 0" in page and "Målene er ikke konkrete." in page


def test_confirming_the_ngo_level_needs_no_note(client, app, admin, world):
    r = client.post(f"/admin/offers/{world['offer']}/review", data={"element": "maal", "level": "2", "note": ""})
    assert r.status_code == 302
    from catalog.models import Offer
    from web.extensions import db

    with app.app_context():
        row = db.session.get(Offer, world["offer"]).element("maal")
        assert row.reviewed_at is not None and row.reviewed_level is None and row.effective_level == 2
    assert "Organisationens eget niveau (2) er bekræftet" in text(client.get(f"/offers/{world['offer']}"))


@pytest.mark.parametrize("data,status", [({"element": "ukendt", "level": "1", "note": "x"}, 400),
                                         ({"element": "maal", "level": "7", "note": "x"}, 422)])
def test_review_rejects_unknown_element_and_level(client, admin, world, data, status):
    assert client.post(f"/admin/offers/{world['offer']}/review", data=data).status_code == status


def test_unknown_ids_are_404(client, admin):
    assert client.get("/admin/offers/99999/review").status_code == 404
    assert client.post("/admin/organisations/99999/verified", data={"verified": "1"}).status_code == 404
    assert client.post("/admin/users/99999/active", data={"active": "1"}).status_code == 404
