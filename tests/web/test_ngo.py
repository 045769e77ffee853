"""The NGO self-service pages (/ngo): sign-up, dashboard, offer form with the 11 elements, preview, rights."""
from __future__ import annotations

import html
import re
from datetime import datetime

import pytest
from sqlalchemy import func, select

from catalog import services
from catalog.elements import DISCLAIMER, ELEMENT_KEYS, ELEMENTS
from catalog.models import Offer, Organisation, User
from tests.helpers import DEMO_PASSWORD, confirm_signup, mails_to

SIGNUP = {
    "org_name": "Familiehuset Kolding", "org_cvr": "12345678",
    "org_website": "https://familiehuset.example.org",
    "org_email": "kontakt@familiehuset.example.org", "org_phone": "+45 11 22 33 44",
    "org_description": "Frivillige, der støtter småbørnsfamilier.",
    "user_name": "Ane Frivillig", "user_email": "ane@familiehuset.example.org",
    "password": DEMO_PASSWORD, "password2": DEMO_PASSWORD,
}


def offer_form(levels: int | dict = 0, **overrides) -> dict:
    """A complete, valid offer form as a browser would send it."""
    data = {
        "title": "Familiegruppe for småbørnsforældre",
        "description": "Forældre med børn i 0–6 år mødes hver uge med frivillige og en sundhedsplejerske. "
                       "Vi spiser sammen og taler om søvn, trods og hverdagen.",
        "target_group": "Forældre med børn i 0–6 år", "age_min": "0", "age_max": "6",
        "audience": ["forældre", "børn"], "areas": "Kolding\nVejle", "formats": ["gruppe"],
        "cost": "gratis", "schedule": "Onsdage kl. 10–12", "contact_email": "gruppe@example.org",
        "contact_phone": "+45 12 34 56 78", "tags": "netværk, forældre", "languages": "dansk, arabisk",
    }
    for key in ELEMENT_KEYS:
        level = levels.get(key, 0) if isinstance(levels, dict) else levels
        data[f"el-{key}-level"] = str(level)
        data[f"el-{key}-evidence"] = f"Beskrevet i vores metodehæfte ({key})." if level else ""
    data.update(overrides)
    return data


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def field_error(response, field: str) -> str | None:
    """The Danish message rendered beside `field` (the element aria-describedby points at), or None."""
    m = re.search(rf'<p class="error" id="f-{re.escape(field)}-error">(.*?)</p>',
                  response.get_data(as_text=True), re.DOTALL)
    return html.unescape(re.sub(r"<[^>]+>", "", m.group(1))).replace("Fejl: ", "").strip() if m else None


def input_value(response, name: str) -> str | None:
    page = response.get_data(as_text=True)
    m = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*value="([^"]*)"', page) or \
        re.search(rf'<textarea[^>]*name="{re.escape(name)}"[^>]*>(.*?)</textarea>', page, re.DOTALL)
    return html.unescape(m.group(1)) if m else None


def counts(app) -> tuple[int, int, int]:
    from web.extensions import db

    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(model))
                     for model in (Organisation, User, Offer))


def load_offer(app, offer_id: int) -> Offer:
    from web.extensions import db

    with app.app_context():
        offer = db.session.get(Offer, offer_id)
        _ = offer.organisation, offer.element_rows  # load while the session is open
        return offer


def with_db(app, fn):
    """Run fn(session) in its own app context and commit (the way another user's request would)."""
    from web.extensions import db

    with app.app_context():
        result = fn(db.session)
        db.session.commit()
        return result


# --- sign-up ---------------------------------------------------------------------------------------------

def test_signup_mails_a_link_that_activates_the_account_logs_in_and_says_verification_pending(app, client):
    page = client.get("/ngo/signup")
    assert page.status_code == 200 and "Opret jeres organisation" in text(page)

    r = client.post("/ngo/signup", data=SIGNUP)
    assert r.status_code == 200 and "Tjek din e-mail" in text(r)
    assert client.get("/ngo/").status_code == 302  # not logged in before the address is confirmed

    r = confirm_signup(app, client, "ane@familiehuset.example.org")
    assert r.headers["Location"].endswith("/ngo/")
    dashboard = client.get("/ngo/")
    assert dashboard.status_code == 200  # logged in as the new editor
    body = text(dashboard)
    assert "Din e-mailadresse er bekræftet" in body
    assert "Familiehuset Kolding" in body
    assert "afventer godkendelse" in body
    assert "før jeres tilbud vises for sagsbehandlere" in body

    def check(s):
        org = s.scalar(select(Organisation).where(Organisation.name == "Familiehuset Kolding"))
        user = s.scalar(select(User).where(User.email == "ane@familiehuset.example.org"))
        return org.verified, org.cvr, user.role, user.organisation_id == org.id, org.pending_until, user.pending_until
    assert with_db(app, check) == (False, "12345678", "ngo_editor", True, None, None)


@pytest.mark.parametrize("field, value, message", [
    ("org_name", "", "Skal udfyldes."),
    ("org_cvr", "1234 567", "CVR-nummer skal være 8 cifre."),
    ("org_website", "familiehuset.dk", "Ugyldig webadresse"),
    ("org_email", "kontakt@", "Ugyldig e-mailadresse."),
    ("user_email", "ane-at-example", "Ugyldig e-mailadresse."),
    ("password", "kort", "Skal være mellem 10 og 200 tegn."),
    ("password2", "noget-helt-andet", "De to adgangskoder er ikke ens."),
])
def test_signup_bad_field_shows_danish_message_beside_it_keeps_input_and_writes_nothing(
        app, client, field, value, message):
    before = counts(app)
    data = {**SIGNUP, field: value}
    if field == "password":
        data["password2"] = value
    r = client.post("/ngo/signup", data=data)

    assert r.status_code == 422
    assert message in (field_error(r, field) or "")
    assert 'class="error-summary"' in r.get_data(as_text=True)
    assert f'href="#f-{field}"' in r.get_data(as_text=True)  # the summary links to the field
    # only the wrong field has a message, and everything typed (except passwords) is kept
    for other in ("org_name", "org_cvr", "org_website", "org_email", "user_email", "password2"):
        if other != field:
            assert field_error(r, other) is None, other
    for name in ("org_name", "org_cvr", "org_website", "org_email", "org_phone", "org_description",
                 "user_name", "user_email"):
        assert input_value(r, name) == data[name], name
    assert input_value(r, "password") == ""  # a password is never echoed back
    assert counts(app) == before
    assert mails_to(app, data["user_email"]) == []  # and nothing is sent
    assert client.get("/ngo/").status_code == 302  # still not logged in


# --- the full path ----------------------------------------------------------------------------------------

def test_signup_create_offer_with_elements_publish_verify_preview(app, client):
    client.post("/ngo/signup", data=SIGNUP)
    confirm_signup(app, client, SIGNUP["user_email"])
    form = client.get("/ngo/offers/new")
    assert form.status_code == 200
    body = text(form)
    for el in ELEMENTS:  # every element with its guiding question and the four levels
        assert el.name in body and el.question in body
    assert "Dokumenteret (fx evaluering, manual, data)" in body

    levels = {key: 3 if i < 8 else 1 for i, key in enumerate(ELEMENT_KEYS)}
    r = client.post("/ngo/offers/new", data=offer_form(levels))
    assert r.status_code == 302
    offer_id = with_db(app, lambda s: s.scalar(select(Offer.id)))
    offer = load_offer(app, offer_id)
    assert offer.status == "draft"
    assert offer.areas == ["Kolding", "Vejle"] and offer.languages == ["dansk", "arabisk"]
    assert offer.element_levels() == levels and offer.elements_count == 8
    assert offer.element("maal").evidence == "Beskrevet i vores metodehæfte (maal)."

    dashboard = text(client.get("/ngo/"))
    assert "Familiegruppe for småbørnsforældre" in dashboard and "Kladde" in dashboard
    assert "Mange lovende træk (8 af 11)" in dashboard

    r = client.post(f"/ngo/offers/{offer_id}/publish")
    assert r.status_code == 302
    after_publish = text(client.get(r.headers["Location"]))
    assert "er offentliggjort" in after_publish and "når en administrator har godkendt" in after_publish
    assert load_offer(app, offer_id).status == "published"

    preview = text(client.get(f"/ngo/offers/{offer_id}/preview"))
    assert "Tilbuddet vises ikke for sagsbehandlere endnu" in preview
    assert "Organisationen afventer godkendelse" in preview

    with_db(app, lambda s: services.set_verified(s, s.get(Offer, offer_id).organisation, True))

    preview = client.get(f"/ngo/offers/{offer_id}/preview")
    assert preview.status_code == 200
    body = text(preview)
    assert "Tilbuddet er synligt for sagsbehandlere." in body
    assert "Familiegruppe for småbørnsforældre" in body and "Kolding, Vejle" in body
    assert "8 af 11 elementer på niveau 2 eller mere" in body and "Mange lovende træk" in body
    assert DISCLAIMER in body
    assert "afventer godkendelse" not in text(client.get("/ngo/"))


def test_new_offer_with_bad_input_is_rerendered_with_messages_and_typed_values(app, client, factory, login):
    org_id = factory.org()
    _, email = factory.user("ngo_editor", org_id=org_id)
    login(email)
    before = counts(app)
    data = offer_form(2, title="Ab", areas="Vejel, Kolding", age_min="fire", age_max="6",
                      contact_email="ikke-en-mail", **{"el-maal-level": "7"})
    r = client.post("/ngo/offers/new", data=data)

    assert r.status_code == 422
    assert 'class="error-summary"' in r.get_data(as_text=True)
    assert field_error(r, "title") == "Skal være mellem 3 og 200 tegn."
    assert field_error(r, "areas") == "Ukendt kommune 'Vejel' – mente du Vejle?"
    assert field_error(r, "age_min") == "Skal være et helt tal."
    assert field_error(r, "contact_email") == "Ugyldig e-mailadresse."
    assert field_error(r, "el-maal-level") == "Niveau skal være 0, 1, 2 eller 3."
    summary = html.unescape(re.search(r'<div class="error-summary".*?</div>', r.get_data(as_text=True),
                                      re.DOTALL).group(0))
    assert '<a href="#f-areas">Kommuner: Ukendt kommune \'Vejel\' – mente du Vejle?</a>' in summary
    assert '<a href="#f-el-maal-level">Mål, niveau: Niveau skal være 0, 1, 2 eller 3.</a>' in summary
    assert field_error(r, "description") is None
    assert input_value(r, "title") == "Ab"
    assert input_value(r, "areas") == "Vejel, Kolding"
    assert input_value(r, "age_min") == "fire"
    assert input_value(r, "el-teori_og_viden-evidence") == data["el-teori_og_viden-evidence"]
    assert re.search(r'name="el-virkning-level" value="2"[^>]* checked', r.get_data(as_text=True))
    assert re.search(r'value="gruppe"[^>]* checked', r.get_data(as_text=True))
    assert counts(app) == before


def test_new_offer_needs_an_area_unless_nationwide(app, client, factory, login):
    org_id = factory.org()
    login(factory.user("ngo_editor", org_id=org_id)[1])
    r = client.post("/ngo/offers/new", data=offer_form(areas=""))
    assert r.status_code == 422
    assert field_error(r, "areas") == "Vælg mindst én kommune eller 'Hele landet'."
    r = client.post("/ngo/offers/new", data=offer_form(areas="", nationwide="1"))
    assert r.status_code == 302
    assert load_offer(app, with_db(app, lambda s: s.scalar(select(Offer.id)))).areas == ["Hele landet"]


# --- editing ------------------------------------------------------------------------------------------------

def _version_in(response) -> str:
    return re.search(r'name="version" value="(\d+)"', response.get_data(as_text=True)).group(1)


def test_edit_keeps_status_and_shows_the_saved_values(app, client, factory, login):
    org_id = factory.org()
    offer_id = factory.offer(org_id, status="published")
    login(factory.user("ngo_editor", org_id=org_id)[1])
    form = client.get(f"/ngo/offers/{offer_id}/edit")
    assert form.status_code == 200
    assert input_value(form, "title") == "Lektiecafé for 4.–7. klasse"
    assert input_value(form, "areas") == "Vejle"

    r = client.post(f"/ngo/offers/{offer_id}/edit",
                    data=offer_form(3, title="Lektiecafé i Vejle", version=_version_in(form)))
    assert r.status_code == 302
    offer = load_offer(app, offer_id)
    assert offer.title == "Lektiecafé i Vejle" and offer.status == "published" and offer.elements_count == 11


def test_edit_with_a_stale_version_keeps_the_typing_and_overwrites_nothing(app, client, factory, login):
    org_id = factory.org()
    offer_id = factory.offer(org_id, status="draft")
    login(factory.user("ngo_editor", org_id=org_id)[1])
    form = client.get(f"/ngo/offers/{offer_id}/edit")
    stale = _version_in(form)

    # a colleague saves in between
    with_db(app, lambda s: services.update_offer(s, s.get(Offer, offer_id), {"title": "Kollegaens titel"},
                                                 partial=True))

    mine = offer_form(2, title="Min nye titel", version=stale)
    r = client.post(f"/ngo/offers/{offer_id}/edit", data=mine)
    assert r.status_code == 409
    body = text(r)
    assert "Dine ændringer er ikke gemt" in body and "ændret af en anden" in body
    assert "Titel" in re.search(r"Den gemte version er anderledes her: ([^<]*)", body).group(1)
    assert input_value(r, "title") == "Min nye titel"
    assert input_value(r, "areas") == "Kolding\nVejle"
    offer = load_offer(app, offer_id)
    assert offer.title == "Kollegaens titel" and offer.areas == ["Vejle"] and offer.elements_count == 0

    # saving the re-rendered form again is a conscious choice, and then it goes through
    r = client.post(f"/ngo/offers/{offer_id}/edit", data={**mine, "version": _version_in(r)})
    assert r.status_code == 302
    assert load_offer(app, offer_id).title == "Min nye titel"


def test_edit_with_bad_input_writes_nothing(app, client, factory, login):
    org_id = factory.org()
    offer_id = factory.offer(org_id)
    login(factory.user("ngo_editor", org_id=org_id)[1])
    version = _version_in(client.get(f"/ngo/offers/{offer_id}/edit"))
    r = client.post(f"/ngo/offers/{offer_id}/edit",
                    data=offer_form(title="Ny titel", description="For kort", version=version))
    assert r.status_code == 422
    assert field_error(r, "description") == "Skal være mellem 20 og 5000 tegn."
    assert input_value(r, "description") == "For kort"
    offer = load_offer(app, offer_id)
    assert offer.title == "Lektiecafé for 4.–7. klasse" and str(offer.version) == version


# --- status, assurance, preview -----------------------------------------------------------------------------

def test_archive_and_publish_flash_danish_confirmations(app, client, factory, login):
    org_id = factory.org()
    offer_id = factory.offer(org_id, status="published")
    login(factory.user("ngo_editor", org_id=org_id)[1])
    r = client.post(f"/ngo/offers/{offer_id}/archive", follow_redirects=True)
    assert "er arkiveret og vises ikke længere for sagsbehandlere" in text(r)
    assert load_offer(app, offer_id).status == "archived"
    r = client.post(f"/ngo/offers/{offer_id}/publish", follow_redirects=True)
    assert "er offentliggjort og vises nu for sagsbehandlere" in text(r)
    assert load_offer(app, offer_id).status == "published"
    for action in ("publish", "archive", "assure"):
        assert client.get(f"/ngo/offers/{offer_id}/{action}").status_code == 405


def test_assure_updates_assured_at_but_not_updated_at(app, client, factory, login):
    org_id = factory.org()
    offer_id = factory.offer(org_id, status="published")

    def make_old(s):
        offer = s.get(Offer, offer_id)
        offer.assured_at = datetime(2020, 1, 1)
        offer.updated_at = datetime(2020, 1, 2)
    with_db(app, make_old)
    login(factory.user("ngo_editor", org_id=org_id)[1])
    dashboard = text(client.get("/ngo/"))
    assert "1. januar 2020" in dashboard and "Over 6 måneder siden" in dashboard

    r = client.post(f"/ngo/offers/{offer_id}/assure", follow_redirects=True)
    assert "er bekræftet som aktuelt i dag" in text(r)
    offer = load_offer(app, offer_id)
    assert offer.assured_at > datetime(2020, 1, 2)
    assert offer.updated_at == datetime(2020, 1, 2)  # confirming is not editing
    assert offer.status == "published"
    dashboard = text(client.get("/ngo/"))
    months = ["januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober",
              "november", "december"]
    a = offer.assured_at
    assert f"{a.day}. {months[a.month - 1]} {a.year}" in dashboard
    assert "Over 6 måneder siden" not in dashboard and "1. januar 2020" not in dashboard


def test_preview_shows_the_reviewers_level_beside_the_organisations_own(app, client, factory, login):
    org_id = factory.org()
    offer_id = factory.offer(org_id, elements={k: {"level": 3} for k in ELEMENT_KEYS})
    admin_id, _ = factory.user("admin")
    login(factory.user("ngo_editor", org_id=org_id)[1])
    with_db(app, lambda s: services.review_element(s, s.get(Offer, offer_id), "maal", 1,
                                                   "Målene er ikke skrevet ned.", s.get(User, admin_id)))
    body = text(client.get(f"/ngo/offers/{offer_id}/preview"))
    row = re.search(r"<th scope=\"row\">Mål</th>(.*?)</tr>", body, re.DOTALL).group(1)
    assert "Niveau 3: Dokumenteret" in row and "Niveau 1: Delvist / uformelt" in row
    assert "Målene er ikke skrevet ned." in row
    assert "10 af 11 elementer på niveau 2 eller mere" in body
    assert DISCLAIMER in body


def test_editor_can_update_the_organisations_details(app, client, factory, login):
    org_id = factory.org(name="Familiehuset Vejle")
    login(factory.user("ngo_editor", org_id=org_id)[1])
    r = client.post("/ngo/organisation", data={"org_name": "", "org_cvr": "12", "org_website": ""})
    assert r.status_code == 422
    assert field_error(r, "org_name") == "Skal udfyldes."
    assert field_error(r, "org_cvr") == "CVR-nummer skal være 8 cifre."
    assert input_value(r, "org_cvr") == "12"
    r = client.post("/ngo/organisation", data={
        "org_name": "Familiehuset Vejle og Omegn", "org_cvr": "87654321",
        "org_website": "https://vejle.example.org"})
    assert r.status_code == 302
    org = with_db(app, lambda s: s.get(Organisation, org_id))
    assert (org.name, org.cvr, org.website) == \
        ("Familiehuset Vejle og Omegn", "87654321", "https://vejle.example.org")


# --- rights -------------------------------------------------------------------------------------------------

OFFER_ROUTES = [
    ("GET", "/ngo/offers/{offer}/edit"),
    ("POST", "/ngo/offers/{offer}/edit"),
    ("GET", "/ngo/offers/{offer}/preview"),
    ("POST", "/ngo/offers/{offer}/publish"),
    ("POST", "/ngo/offers/{offer}/archive"),
    ("POST", "/ngo/offers/{offer}/assure"),
]
ORG_ROUTES = [
    ("GET", "/ngo/?org={org}"),
    ("GET", "/ngo/organisation?org={org}"),
    ("POST", "/ngo/organisation?org={org}"),
    ("GET", "/ngo/offers/new?org={org}"),
    ("POST", "/ngo/offers/new?org={org}"),
]


@pytest.fixture
def world(factory):
    org = factory.org(name="Familiehuset Vejle")
    other = factory.org(name="Anden Forening")
    offer = factory.offer(org, status="draft", title="Hemmeligt udkast fra Familiehuset")
    return {
        "org": org, "offer": offer,
        "anonymous": None,
        "caseworker": factory.user("caseworker")[1],
        "other_editor": factory.user("ngo_editor", org_id=other)[1],
        "own_editor": factory.user("ngo_editor", org_id=org)[1],
        "admin": factory.user("admin")[1],
    }


def _request(client, method, url):
    if method == "GET":
        return client.get(url)
    if "/edit" in url:
        return client.post(url, data=offer_form(title="Ændret titel", version="1"))
    if "/offers/new" in url:
        return client.post(url, data=offer_form(title="Nyt tilbud"))
    if "/organisation" in url:
        return client.post(url, data={"org_name": "Omdøbt forening"})
    return client.post(url)


@pytest.mark.parametrize("method, route", OFFER_ROUTES + ORG_ROUTES)
@pytest.mark.parametrize("who", ["anonymous", "caseworker", "other_editor", "own_editor", "admin"])
def test_rights_for_every_ngo_route(app, client, login, world, who, method, route):
    if world[who]:
        login(world[who])
    url = route.format(offer=world["offer"], org=world["org"])
    r = _request(client, method, url)
    offer = load_offer(app, world["offer"])
    org = with_db(app, lambda s: s.get(Organisation, world["org"]))

    if who == "anonymous":
        assert r.status_code == 302 and "/login" in r.headers["Location"]
    elif who == "caseworker" or (who == "other_editor" and (method, route) in OFFER_ROUTES):
        assert r.status_code == 403
    elif who == "other_editor":
        # organisation-level pages always act on the editor's own organisation, whatever ?org= says
        assert r.status_code in (200, 302)
        assert "Hemmeligt udkast fra Familiehuset" not in text(r)
    else:
        assert r.status_code == (200 if method == "GET" else 302), text(r)[:300]
        if method == "GET":
            assert "Familiehuset Vejle" in text(r)

    allowed = who in ("own_editor", "admin")
    if not allowed:  # nothing about the organisation or its offer changed
        assert offer.title == "Hemmeligt udkast fra Familiehuset" and offer.status == "draft"
        assert offer.assured_at is None and offer.version == 1
        assert org.name == "Familiehuset Vejle"
        assert with_db(app, lambda s: s.scalar(select(func.count()).select_from(Offer)
                                               .where(Offer.organisation_id == world["org"]))) == 1


def test_signup_page_is_for_people_not_logged_in(client, world, login):
    assert client.get("/ngo/signup").status_code == 200
    login(world["own_editor"])
    r = client.get("/ngo/signup")
    assert r.status_code == 302 and r.headers["Location"].endswith("/ngo/")


def test_admin_without_org_chooses_an_organisation(client, world, login):
    login(world["admin"])
    r = client.get("/ngo/")
    assert r.status_code == 200
    assert f'href="/ngo/?org={world["org"]}"' in r.get_data(as_text=True)
    assert client.get("/ngo/?org=999999").status_code == 404
    assert client.get("/ngo/offers/999999/edit").status_code == 404


def test_status_changes_need_a_csrf_token(database_url, factory):
    from web import create_app

    org_id = factory.org()
    offer_id = factory.offer(org_id, status="draft")
    _, email = factory.user("ngo_editor", org_id=org_id)
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "AUTO_MIGRATE": False,
                      "RATELIMIT_ENABLED": False})
    client = app.test_client()
    login_page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', login_page).group(1)
    assert client.post("/login", data={"email": email, "password": DEMO_PASSWORD,
                                       "csrf_token": token}).status_code == 302
    assert client.post(f"/ngo/offers/{offer_id}/publish").status_code == 400
    assert client.post(f"/ngo/offers/{offer_id}/publish", data={"csrf_token": token}).status_code == 302
    app.extensions["civilmatch.engine"].dispose()
