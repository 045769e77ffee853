"""The OpenAPI document at /api/openapi.json and the Danish docs page at /api/docs."""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser

METHODS = ("get", "post", "put", "patch", "delete")


def api_routes(app) -> set[tuple[str, str]]:
    """(OpenAPI path, method) of every Flask route under /api/v1."""
    out = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            out.add((path, method.lower()))
    return out


def spec(client) -> dict:
    r = client.get("/api/openapi.json")
    assert r.status_code == 200
    assert r.mimetype == "application/json"
    return json.loads(r.get_data(as_text=True))


def test_openapi_is_json_and_lists_every_api_route(app, client):
    doc = spec(client)
    assert doc["openapi"].startswith("3.")
    assert doc["info"]["title"] and doc["info"]["version"]
    documented = {(path, method) for path, item in doc["paths"].items() for method in item if method in METHODS}
    routes = api_routes(app)
    assert {("/api/v1/offers", "get"), ("/api/v1/offers", "post"), ("/api/v1/offers/{offer_id}", "get"),
            ("/api/v1/offers/{offer_id}", "put"), ("/api/v1/offers/{offer_id}", "patch"),
            ("/api/v1/offers/{offer_id}", "delete"), ("/api/v1/offers/external/{external_id}", "get"),
            ("/api/v1/match", "post")} <= routes
    assert routes <= documented, routes - documented


def test_every_operation_has_summary_security_and_responses(client):
    doc = spec(client)
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {"type": "http", "scheme": "bearer"}
    for path, item in doc["paths"].items():
        if not path.startswith("/api/v1/offers") and path != "/api/v1/match":
            continue
        for method, op in item.items():
            if method not in METHODS:
                continue
            where = f"{method.upper()} {path}"
            assert op.get("summary"), where
            assert op.get("description"), where
            assert op.get("security") == [{"bearerAuth": []}], where
            assert "401" in op["responses"], where
            assert any(code.startswith("2") for code in op["responses"]), where


def test_request_and_response_schemas_are_named(client):
    doc = spec(client)
    match = doc["paths"]["/api/v1/match"]["post"]
    assert match["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/MatchRequest")
    assert match["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/MatchResponse")
    assert match["responses"]["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/ApiError")
    create = doc["paths"]["/api/v1/offers"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/OfferWrite")
    listing = doc["paths"]["/api/v1/offers"]["get"]
    names = {p["name"] for p in listing["parameters"] if p["in"] == "query"}
    assert {"municipality", "age", "format", "free", "band", "organisation_id", "page", "per_page"} <= names
    props = doc["components"]["schemas"]["MatchRequest"]["properties"]
    assert props["limit"]["maximum"] == 50 and props["text"]["maxLength"] == 20000
    assert "text" in doc["components"]["schemas"]["MatchRequest"]["required"]


def test_every_ref_resolves(client):
    doc = spec(client)
    refs = re.findall(r'"\$ref": "#/([^"]+)"', json.dumps(doc))
    assert refs
    for ref in refs:
        node = doc
        for part in ref.split("/"):
            assert part in node, ref
            node = node[part]


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.headings: list[int] = []
        self.links: list[str] = []
        self.scripts = 0
        self.external = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag == "script":
            self.scripts += 1
        for key in ("src", "href"):
            if (attrs.get(key) or "").startswith(("http://", "https://", "//")):
                self.external.append(attrs[key])


def test_docs_page_renders_every_operation_in_danish_without_javascript(client):
    doc = spec(client)
    r = client.get("/api/docs")
    assert r.status_code == 200 and r.mimetype == "text/html"
    html = r.get_data(as_text=True)
    assert '<html lang="da">' in html
    assert "API-dokumentation" in html and "Endepunkter" in html and "Skemaer" in html
    page = _Page()
    page.feed(html)
    assert "/api/openapi.json" in page.links
    assert page.scripts == 0 and page.external == []
    assert page.headings[0] == 1 and all(b - a <= 1 for a, b in zip(page.headings, page.headings[1:]))
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method in METHODS:
                assert f"{method.upper()} {path}" in html
                assert op["summary"] in html
    for name in ("MatchRequest", "MatchResponse", "OfferOut", "OfferWrite", "ApiError"):
        assert f'id="skema-{name}"' in html
    assert "Bearer" in html and "offers:write" in html


def test_docs_page_needs_no_login_and_is_not_in_the_openapi_document(client):
    assert client.get("/api/docs").status_code == 200
    assert "/api/docs" not in spec(client)["paths"]
