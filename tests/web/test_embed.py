"""/embed/search: the offer search for an iframe in a municipal intranet."""
from __future__ import annotations

import logging
import re

import pytest

URL = "/embed/search"
CPR_TEXT = "Familien i Vejle, mor har CPR 010203-1234. Mor mangler et netværk af andre forældre"


def _register(app):
    """Until the blueprint is wired into web/__init__.py, register it here (no-op once it is)."""
    from web.embed import bp

    if bp.name not in app.blueprints:
        app.register_blueprint(bp)
    return app


@pytest.fixture
def app(app):
    return _register(app)


@pytest.fixture
def catalogue(factory):
    org = factory.org("Familiehuset Vejle")
    return {
        "network": factory.offer(org, title="Netværksgruppe for forældre",
                                 description="En netværksgruppe hvor forældre møder andre forældre og får et "
                                             "netværk.", tags=["netværk"], audience=["forældre"],
                                 age_min=0, age_max=12,
                                 contact={"email": "netvaerk@example.org", "phone": "+45 11 22 33 44"}),
        "aarhus": factory.offer(org, title="Forældrenetværk i Aarhus",
                                description="Netværksgruppe for forældre, der mangler et netværk.",
                                tags=["netværk"], areas=["Aarhus"], age_min=0, age_max=17),
    }


@pytest.fixture
def caseworker(factory, login):
    _, email = factory.user("caseworker")
    login(email)


def _csp(response) -> str:
    return response.headers["Content-Security-Policy"]


# --- framing ------------------------------------------------------------------------------------------------

def test_without_configured_origins_nobody_may_frame_it(client, app, caseworker):
    app.config["EMBED_ALLOWED_ORIGINS"] = []
    r = client.get(URL)
    assert r.status_code == 200
    assert "frame-ancestors 'none'" in _csp(r)
    assert "X-Frame-Options" not in r.headers


def test_configured_origins_may_frame_it_and_nothing_else_changes(client, app, caseworker):
    app.config["EMBED_ALLOWED_ORIGINS"] = ["https://intra.vejle.dk", "https://sag.kommune.example:8443",
                                           "javascript:alert(1)", "https://x.dk; script-src *"]
    r = client.get(URL)
    csp = _csp(r)
    assert re.search(r"frame-ancestors https://intra\.vejle\.dk https://sag\.kommune\.example:8443$", csp)
    assert "javascript" not in csp and "script-src *" not in csp    # malformed entries are dropped
    assert "X-Frame-Options" not in r.headers
    assert r.headers["Cache-Control"] == "no-store"
    # the rest of the site stays unframeable
    assert "frame-ancestors 'none'" in _csp(client.get("/offers/"))


def test_origins_come_from_the_environment(monkeypatch, database_url):
    from web import create_app

    monkeypatch.setenv("CIVILMATCH_EMBED_ORIGINS", "https://intra.vejle.dk  https://intra.aarhus.dk")
    app = _register(create_app({"TESTING": True, "DATABASE_URL": database_url, "AUTO_MIGRATE": False,
                                "RATELIMIT_ENABLED": False, "EMBED_PUBLIC": True}))
    try:
        r = app.test_client().get(URL)
        assert _csp(r).endswith("frame-ancestors https://intra.vejle.dk https://intra.aarhus.dk")
    finally:
        app.extensions["civilmatch.engine"].dispose()


def test_error_pages_under_embed_keep_the_frame_policy(client, app):
    app.config["EMBED_ALLOWED_ORIGINS"] = ["https://intra.vejle.dk"]
    r = client.get(URL)   # anonymous: 401 page, still frameable so the intranet shows the login hint
    assert r.status_code == 401
    assert "frame-ancestors https://intra.vejle.dk" in _csp(r)


# --- the form and the search ---------------------------------------------------------------------------------

def test_get_shows_the_empty_form_without_site_chrome(client, caseworker):
    r = client.get(URL)
    page = r.get_data(as_text=True)
    assert r.status_code == 200
    assert '<html lang="da">' in page
    assert 'method="post"' in page and f'action="{URL}"' in page
    assert 'name="csrf_token"' in page
    assert '<label for="f-behov">Beskriv familiens behov' in page
    assert '<label for="f-kommune">Kommune' in page and '<label for="f-alder">Barnets alder' in page
    assert "site-header" not in page and "site-footer" not in page
    assert "passer" not in page   # no results section yet


def test_post_search_shows_compact_cards(client, catalogue, caseworker):
    r = client.post(URL, data={"behov": "Mor mangler et netværk af andre forældre", "kommune": "Vejle",
                               "alder": "4"})
    page = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "Netværksgruppe for forældre" in page
    assert "Forældrenetværk i Aarhus" not in page          # not for Vejle
    assert "Familiehuset Vejle" in page                     # organisation
    assert "Tilbuddet handler om" in page                   # reasons
    assert "0–12 år" in page and "netvaerk@example.org" in page and "+45 11 22 33 44" in page
    link = re.search(r'<a href="/offers/(\d+)" target="_blank" rel="noopener">Se hele tilbuddet.*?</a>', page)
    assert link and int(link.group(1)) == catalogue["network"]
    assert "(åbner i nyt vindue)" in link.group(0)
    assert "dækker ikke Vejle" in page                      # what was left out, and why


def test_description_is_redacted_never_logged_never_in_a_url(client, catalogue, caseworker, caplog):
    with caplog.at_level(logging.DEBUG):
        r = client.post(URL, data={"behov": CPR_TEXT, "kommune": "", "alder": ""})
    page = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "Et CPR-nummer blev fjernet" in page
    assert "010203" not in page and "1234" not in page
    assert "Mor mangler et netværk" not in page and "[CPR-nummer]" not in page  # no echo of the text, cleaned or not
    assert "Netværksgruppe for forældre" in page
    for fragment in ("010203", "Mor mangler et netværk", "andre forældre"):
        assert fragment not in caplog.text
    # no URL on the page carries the description
    for url in re.findall(r'(?:href|action|src)="([^"]*)"', page):
        assert "mangler" not in url.lower() and "010203" not in url and "behov=" not in url
    assert r.headers["Cache-Control"] == "no-store"


def test_nothing_is_stored(client, app, catalogue, caseworker):
    from sqlalchemy import inspect, text

    from web.extensions import db

    client.post(URL, data={"behov": CPR_TEXT, "kommune": "Vejle", "alder": "4"})
    with app.app_context():
        tables = inspect(db.engine()).get_table_names()
        with db.engine().connect() as conn:
            dump = " ".join(str(row) for t in tables for row in conn.execute(text(f'SELECT * FROM "{t}"')))
    assert "Familiehuset Vejle" in dump   # the dump does see the data
    for fragment in ("mor har CPR", "CPR-nummer", "010203", "Mor mangler et netværk"):
        assert fragment not in dump


def test_bad_age_gives_danish_message_beside_the_field_and_keeps_the_other_fields(client, catalogue, caseworker):
    r = client.post(URL, data={"behov": "Mor mangler netværk", "kommune": "Vejle", "alder": "fire år"})
    page = r.get_data(as_text=True)
    assert r.status_code == 422
    assert 'id="f-alder-error"' in page
    assert "Skriv alderen som et helt tal mellem 0 og 25" in page
    field = re.search(r'<input id="f-alder"[^>]*>', page, re.S).group(0)
    assert 'aria-describedby="f-alder-error' in field and 'aria-invalid="true"' in field
    assert 'value="fire år"' in field
    assert "Mor mangler netværk" not in page               # the description is never shown back
    assert 'href="#f-alder"' in page                       # error summary points at the field
    assert "tilbud passer" not in page                      # no search on invalid input


@pytest.mark.parametrize("data, field, message", [
    ({"behov": "", "kommune": "", "alder": ""}, "behov", "Beskriv familiens behov."),
    ({"behov": "x" * 5001, "kommune": "", "alder": ""}, "behov", "højst være 5.000 tegn"),
    ({"behov": "netværk", "kommune": "Vejel", "alder": ""}, "kommune", "mente du Vejle?"),
    ({"behov": "netværk", "kommune": "", "alder": "26"}, "alder", "mellem 0 og 25"),
])
def test_invalid_input_is_422_with_message_beside_the_field(client, caseworker, data, field, message):
    r = client.post(URL, data=data)
    page = r.get_data(as_text=True)
    assert r.status_code == 422
    error = re.search(rf'<p class="error" id="f-{field}-error">(.*?)</p>', page, re.S)
    assert error and message in error.group(1)


def test_several_ages_are_understood(client, catalogue, caseworker):
    r = client.post(URL, data={"behov": "Mor mangler et netværk af andre forældre", "kommune": "Vejle",
                               "alder": "4, 9"})
    assert r.status_code == 200
    assert "Alder: 4, 9 år." in r.get_data(as_text=True)


def test_parse_ages():
    from web.embed import parse_ages

    assert parse_ages("4, 9") == [4, 9]
    assert parse_ages("4 og 9") == [4, 9]
    assert parse_ages("7") == [7]
    assert parse_ages("-1") is None and parse_ages("26") is None and parse_ages("syv") is None


# --- who may use it ----------------------------------------------------------------------------------------

def test_anonymous_gets_a_login_hint_not_the_search(client, catalogue):
    r = client.get(URL)
    page = r.get_data(as_text=True)
    assert r.status_code == 401
    assert "Log ind" in page and 'target="_blank"' in page and "(åbner i nyt vindue)" in page
    assert 'name="behov"' not in page
    r = client.post(URL, data={"behov": "netværk", "kommune": "Vejle", "alder": ""})
    assert r.status_code == 401
    assert "Netværksgruppe" not in r.get_data(as_text=True)


def test_ngo_editor_is_refused(client, factory, login):
    _, email = factory.user("ngo_editor", org_id=factory.org())
    login(email)
    r = client.get(URL)
    assert r.status_code == 403
    assert 'name="behov"' not in r.get_data(as_text=True)


def test_admin_may_search(client, factory, login, catalogue):
    _, email = factory.user("admin")
    login(email)
    r = client.post(URL, data={"behov": "Mor mangler et netværk af andre forældre", "kommune": "Vejle"})
    assert r.status_code == 200 and "Netværksgruppe for forældre" in r.get_data(as_text=True)


def test_public_mode_allows_anonymous_search(client, app, catalogue):
    app.config["EMBED_PUBLIC"] = True
    r = client.post(URL, data={"behov": "Mor mangler et netværk af andre forældre", "kommune": "Vejle"})
    assert r.status_code == 200 and "Netværksgruppe for forældre" in r.get_data(as_text=True)


def test_caseworkers_home_municipality_is_preselected(client, factory, login):
    _, email = factory.user("caseworker", home="Vejle")
    login(email)
    page = client.get(URL).get_data(as_text=True)
    assert '<option value="Vejle" selected>' in page


def test_csrf_token_is_required(database_url, factory):
    from web import create_app

    app = _register(create_app({"TESTING": True, "DATABASE_URL": database_url, "AUTO_MIGRATE": False,
                                "RATELIMIT_ENABLED": False, "EMBED_PUBLIC": True}))
    try:
        client = app.test_client()
        r = client.post(URL, data={"behov": "netværk"})
        assert r.status_code == 400
        assert "Formularen er udløbet" in r.get_data(as_text=True)
        page = client.get(URL).get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        r = client.post(URL, data={"behov": "netværk", "csrf_token": token})
        assert r.status_code == 200
    finally:
        app.extensions["civilmatch.engine"].dispose()


def test_municipalities_are_in_danish_alphabetical_order(client, caseworker):
    page = client.get(URL).get_data(as_text=True)
    names = re.findall(r'<option value="([^"]+)"', page)
    assert names.index("Aabenraa") < names.index("Vejle") < names.index("Ærø")
    assert names[-2:] == ["Ærø", "Hele landet"]            # æ after z, as in Danish
