"""Who may do what, on every route the application has: generated from the URL map.

Every (method, endpoint) of `app.url_map` must have an entry in MATRIX: a route without one fails
`test_every_route_has_an_entry`, so a new route is checked from the day it is added. An entry gives the
expected outcome for each principal:

    ok      allowed (any answer but 401, 403, 404 or the login redirect; never a 5xx)
    login   redirected to the login page (pages) ...
    401     ... or 401 (API)
    403     forbidden
    404     the thing is not there for this principal (someone else's conversation or offer)

Principals: anonymous; a caseworker, an editor of the organisation that owns the offer, an editor of another
organisation and an admin, each logged in on the web; and bearer tokens per scope (match, conversations,
offers:write for the owning organisation and for another one, and an admin token). URL parameters point at
a fresh published offer of the owning organisation, its organisation, a spare user, and conversations that
the caseworker (web) and the conversations token (API) started.
"""
from __future__ import annotations

import os

import pytest

from tests.helpers import DEMO_PASSWORD, bearer
from tests.web.test_chat import follow

WEB = ("anonymous", "caseworker", "editor_own", "editor_other", "admin")
TOKENS = ("token_match", "token_conversations", "token_write_own", "token_write_other", "token_admin")
PRINCIPALS = WEB + TOKENS


def everyone(outcome="ok"):
    return dict.fromkeys(PRINCIPALS, outcome)


def page(*allowed: str, others: str = "403", **special):
    """A page behind a login: anonymous and tokens go to the login page, the listed roles are allowed."""
    out = {p: ("ok" if p in allowed else others) for p in WEB}
    out.update(dict.fromkeys(TOKENS, "login"))
    out["anonymous"] = "login"
    out.update(special)
    return out


def api(*allowed: str, others: str = "403", **special):
    """An API call: without a token 401, tokens with the right scope allowed, web sessions count for nothing."""
    out = dict.fromkeys(WEB, "401")
    out.update({t: ("ok" if t in allowed else others) for t in TOKENS})
    out.update(special)
    return out


PUBLIC = everyone()
CASEWORKER_PAGE = page("caseworker", "admin")
OWN_CONVERSATION = page("caseworker", admin="404")
EDITOR_PAGE = page("editor_own", "editor_other", "admin")
OWN_OFFER_PAGE = page("editor_own", "admin")
ORGANISATION_PAGE = page("editor_own", "editor_other", admin="404")  # an admin has no organisation of their own
ADMIN_PAGE = page("admin")
MATCH = api("token_match", "token_admin")
CONVERSATIONS_CREATE = api("token_conversations", "token_admin")
OWN_API_CONVERSATION = api("token_conversations", token_admin="404")
READ_OFFERS = api(*TOKENS)
WRITE_OWN_OFFER = api("token_write_own", "token_admin", token_write_other="403")

# The one place to add a route: "METHOD endpoint": expected outcome per principal.
MATRIX: dict[str, dict[str, str]] = {
    "GET index": PUBLIC,
    "GET healthz": PUBLIC,
    "GET readyz": PUBLIC,
    "GET static": PUBLIC,
    "GET api_docs": PUBLIC,
    "GET api-docs.openapi_json": PUBLIC,
    "GET auth.login": PUBLIC,
    "POST i18n.switch": PUBLIC,   # the language switch (Danish/English), kept in the session
    "POST auth.login": PUBLIC,
    "POST auth.logout": page(*WEB),
    "GET auth.password": page(*WEB),
    "POST auth.password": page(*WEB),
    "GET ngo.signup": {**PUBLIC, **dict.fromkeys(WEB[1:], "ok")},
    "POST ngo.signup": PUBLIC,
    "GET offers.index": PUBLIC,
    "GET offers.show": PUBLIC,
    "GET offers.by_external_id": PUBLIC,
    # the intranet embed answers 401 (no login page inside an iframe) unless CIVILMATCH_EMBED_PUBLIC=1
    "GET embed.search": page("caseworker", "admin", anonymous="401", **dict.fromkeys(TOKENS, "401")),
    "POST embed.search": page("caseworker", "admin", anonymous="401", **dict.fromkeys(TOKENS, "401")),
    "GET embed.static": PUBLIC,
    # HSDS: public and keyless
    **{f"GET hsds.{name}": PUBLIC for name in ("Root", "Services", "ServiceDetail", "Organizations",
                                                "OrganizationDetail", "Taxonomies", "TaxonomyDetail",
                                                "TaxonomyTerms", "TaxonomyTermDetail")},
    "POST hsds.ServiceSearch": PUBLIC,
    # the caseworker's chat: a conversation is its starter's own
    "GET chat.index": CASEWORKER_PAGE,
    "POST chat.start": CASEWORKER_PAGE,
    "POST chat.start_json": CASEWORKER_PAGE,
    "POST chat.new": CASEWORKER_PAGE,
    **{f"{m} chat.{name}": OWN_CONVERSATION for m, name in (
        ("GET", "show"), ("POST", "send"), ("POST", "send_json"), ("POST", "remove_chip"),
        ("POST", "remove_chip_json"), ("POST", "shortlist_add"), ("POST", "shortlist_remove"),
        ("POST", "shortlist_note"), ("GET", "export"), ("GET", "print_view"), ("POST", "delete"))},
    # NGO editors
    "GET ngo.dashboard": EDITOR_PAGE,
    "GET ngo.new_offer": ORGANISATION_PAGE,
    "POST ngo.new_offer": ORGANISATION_PAGE,
    "GET ngo.organisation": ORGANISATION_PAGE,
    "POST ngo.organisation": ORGANISATION_PAGE,
    **{f"{m} ngo.{name}": OWN_OFFER_PAGE for m, name in (
        ("GET", "edit_offer"), ("POST", "edit_offer"), ("GET", "preview"), ("POST", "publish"),
        ("POST", "archive"), ("POST", "assure"))},
    # administration
    **{f"{m} admin.{name}": ADMIN_PAGE for m, name in (
        ("GET", "dashboard"), ("GET", "offers"), ("GET", "review"), ("POST", "save_review"),
        ("GET", "organisations"), ("POST", "set_verified"), ("GET", "users"), ("POST", "create_user"),
        ("POST", "set_active"))},
    "GET audit.index": ADMIN_PAGE,
    **{f"{m} admin.{name}": ADMIN_PAGE for m, name in (
        ("GET", "outbox"), ("GET", "freshness"), ("GET", "referrals"), ("GET", "review_all"),
        ("POST", "save_review_all"), ("POST", "set_org_standing"))},
    # the one-click confirmation link in a reminder: no login, the signed link is the permission (a link that
    # is not one of ours is not there for anybody)
    "GET ngo.confirm_link": everyone("404"),
    "POST ngo.confirm_link_post": everyone("404"),
    # the link in a sign-up's mail that confirms the e-mail address: likewise the signed link is the permission
    "GET ngo.activate": everyone("404"),
    "POST ngo.activate_post": everyone("404"),
    # the coverage map: caseworkers and admins; an organisation sees its own view
    "GET insights.index": CASEWORKER_PAGE,
    "GET insights.municipality": CASEWORKER_PAGE,
    "GET insights.data_csv": CASEWORKER_PAGE,
    "GET insights.organisation": page("editor_own", "editor_other", "admin"),
    "POST insights.record_outcome": OWN_CONVERSATION,
    "GET api_insights.municipalities": api("token_match", "token_conversations", "token_admin"),
    "GET api_insights.offer_referrals": READ_OFFERS,
    # the API
    "POST api_match.match": MATCH,
    "POST api_plans.match_plan": MATCH,
    "POST api_conversations.create": CONVERSATIONS_CREATE,
    **{f"{m} api_conversations.{name}": OWN_API_CONVERSATION for m, name in (
        ("GET", "read"), ("DELETE", "erase"), ("POST", "message"), ("GET", "plan"), ("POST", "shortlist_add"),
        ("DELETE", "shortlist_remove"))},
    "GET api_offers.list_offers": READ_OFFERS,
    "GET api_offers.get_offer": READ_OFFERS,
    "GET api_offers.get_offer_by_external_id": READ_OFFERS,
    "POST api_offers.create_offer": api("token_write_own", "token_write_other", "token_admin"),
    "PUT api_offers.replace_offer": WRITE_OWN_OFFER,
    "PATCH api_offers.patch_offer": WRITE_OWN_OFFER,
    "DELETE api_offers.delete_offer": WRITE_OWN_OFFER,
}


def _routes(app) -> list[tuple[str, str, str]]:
    out = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            out.append((method, rule.endpoint, rule.rule))
    return sorted(out)


def _app_routes():
    import tempfile

    from web import create_app

    folder = tempfile.mkdtemp(prefix="civilmatch-urlmap-")
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{os.path.join(folder, 'x.db')}"})
    routes = _routes(app)
    app.extensions["civilmatch.engine"].dispose()
    return routes


ROUTES = _app_routes()


def test_every_route_has_an_entry():
    missing = [f"{m} {e}  ({r})" for m, e, r in ROUTES if f"{m} {e}" not in MATRIX]
    assert not missing, "Routes without an entry in MATRIX (tests/web/test_authz_matrix.py):\n" + "\n".join(missing)
    stale = set(MATRIX) - {f"{m} {e}" for m, e, _ in ROUTES}
    assert not stale, f"MATRIX entries for routes that no longer exist: {sorted(stale)}"


@pytest.fixture
def world(app, factory):
    """The principals: web clients logged in per role, and tokens per scope."""
    org_own, org_other = factory.org("Ejer-foreningen"), factory.org("Anden forening")
    users = {"caseworker": factory.user("caseworker", home="Vejle")[1],
             "editor_own": factory.user("ngo_editor", org_id=org_own)[1],
             "editor_other": factory.user("ngo_editor", org_id=org_other)[1],
             "admin": factory.user("admin")[1]}
    tokens = {"token_match": factory.token("caseworker", scopes=["match"]),
              "token_conversations": factory.token("caseworker", scopes=["conversations"]),
              "token_write_own": factory.token("ngo_editor", org_id=org_own, scopes=["offers:write"]),
              "token_write_other": factory.token("ngo_editor", org_id=org_other, scopes=["offers:write"]),
              "token_admin": factory.token("admin")}
    spare_user = factory.user("caseworker")[0]
    return {"org": org_own, "users": users, "tokens": tokens, "spare_user": spare_user}


def _client(app, world, principal):
    client = app.test_client()
    headers = {}
    if principal in world["users"]:
        r = client.post("/login", data={"email": world["users"][principal], "password": DEMO_PASSWORD})
        assert r.status_code == 302
    elif principal in world["tokens"]:
        headers = bearer(world["tokens"][principal])
    return client, headers


def _url(app, factory, world, rule: str, endpoint: str) -> str:
    """The rule with every parameter filled in with something that exists."""
    from catalog import hsds
    from catalog.models import Offer
    from web.extensions import db

    offer_id = factory.offer(world["org"], external_id=f"ext-{os.urandom(4).hex()}")
    with app.app_context():
        offer = db.session.get(Offer, offer_id)
        uuids = {"service_id": offer.uuid, "organization_id": offer.organisation.uuid,
                 "external_id": offer.external_id}
    values = {"offer_id": offer_id, "org_id": world["org"], "user_id": world["spare_user"],
              "filename": "style.css" if endpoint == "static" else "embed.css",
              "taxonomy_id": hsds.TAGS.id, "term_id": hsds.format_term("gruppe").id, "signed": "ikke-et-link",
              "name": "Vejle", **uuids}
    if "<conversation_id>" in rule:
        if endpoint.startswith("chat.") or endpoint == "insights.record_outcome":
            owner = app.test_client()
            owner.post("/login", data={"email": world["users"]["caseworker"], "password": DEMO_PASSWORD})
            url, _page = follow(owner, owner.post("/chat/", data={"text": "lektiehjælp til en dreng på 9 i Vejle"}))
            values["conversation_id"] = url.split("/chat/")[1]
            if endpoint == "insights.record_outcome":  # an outcome is recorded for an offer on the shortlist
                owner.post(f"/chat/{values['conversation_id']}/liste", data={"offer_id": offer_id})
        else:
            r = app.test_client().post("/api/v1/conversations", json={},
                                       headers=bearer(world["tokens"]["token_conversations"]))
            values["conversation_id"] = r.json["id"]
    out = rule
    for name, value in values.items():
        for conv in ("int:", "string:", "path:", ""):
            out = out.replace(f"<{conv}{name}>", str(value))
    return out, offer_id


# Bodies that get past validation, so that what answers is the check of who may do it.
BODIES = {"api_conversations.message": lambda offer_id: {"text": "lektiehjælp til en dreng på 9 i Vejle"},
          "api_conversations.shortlist_add": lambda offer_id: {"offer_id": offer_id}}


def _outcome(response) -> str:
    if response.status_code >= 500:
        return f"server error {response.status_code}"
    if response.status_code in (301, 302, 303) and "/login" in response.headers.get("Location", ""):
        return "login"
    if response.status_code in (401, 403, 404):
        return str(response.status_code)
    return "ok"


@pytest.mark.parametrize("method,endpoint,rule", ROUTES, ids=[f"{m} {e}" for m, e, _ in ROUTES])
def test_route_answers_each_principal_as_the_matrix_says(app, factory, world, method, endpoint, rule):
    expected = MATRIX.get(f"{method} {endpoint}")
    if expected is None:
        pytest.fail(f"No MATRIX entry for {method} {endpoint}")
    got = {}
    for principal in PRINCIPALS:
        url, offer_id = _url(app, factory, world, rule, endpoint)
        client, headers = _client(app, world, principal)
        body = {"json": {}} if rule.startswith(("/api/", "/hsds/")) or rule.endswith("/json") else {"data": {}}
        if endpoint in BODIES:
            body = {"json": BODIES[endpoint](offer_id)}
        response = client.open(url, method=method, headers=headers, **body)
        got[principal] = _outcome(response)
    wrong = {p: f"expected {expected[p]}, got {got[p]}" for p in PRINCIPALS if got[p] != expected[p]}
    assert not wrong, f"{method} {rule}: {wrong}"
