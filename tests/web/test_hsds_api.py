"""The public HSDS 3.0 API under /hsds and the import-hsds / export-hsds commands."""
from __future__ import annotations

import json
import logging
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from catalog import hsds
from catalog.models import Offer, Organisation
from web.cli import main
from web.hsds import schema as S

EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "hsds_examples"  # official examples, CC BY-SA
NEED_TEXT = "Min søn Ahmad på 11 år har svært ved lektierne og matematik, vi bor i Vejle"


def valid(path: str, body) -> None:
    assert S.errors(S.response_validator(path), body) == []


def valid_page(path: str, body, item_schema: str) -> None:
    valid(path, body)
    assert S.errors(S.page_validator(), body) == []
    for item in body["contents"]:
        assert S.errors(S.object_validator(item_schema), item) == []


@pytest.fixture
def cat(app, factory):
    """A small catalogue: what the public may see, and what it must not."""
    a = factory.org("Familiehuset Vejle")
    b = factory.org("Ikke verificeret forening", verified=False)
    c = factory.org("Mødrehjælpen", description="Rådgivning og netværk for gravide og forældre.")
    ids = {
        "lektier": factory.offer(a, elements={"maal": {"level": 2}}),
        "landsdaekkende": factory.offer(a, title="Telefonrådgivning for forældre", areas=["Hele landet"],
                                        formats=["telefon"], tags=["rådgivning"], age_min=None, age_max=None,
                                        description="Anonym telefonrådgivning til forældre, der er bekymrede "
                                                    "for deres barn eller for sig selv."),
        "moedre": factory.offer(c, title="Netværksgruppe for nybagte mødre", areas=["Aarhus"],
                                audience=["mor"], tags=["netværk"], cost="50 kr. pr. gang",
                                description="Mødregruppe med sundhedsplejerske for mødre, der føler sig "
                                            "alene med deres nyfødte."),
        "kladde": factory.offer(a, status="draft", title="Kladde til lektiecafé"),
        "arkiv": factory.offer(a, status="archived", title="Gammel lektiecafé"),
        "uverificeret": factory.offer(b, title="Lektiecafé hos uverificeret forening"),
    }
    from web.extensions import db

    with app.app_context():
        uuids = {k: db.session.get(Offer, v).uuid for k, v in ids.items()}
        orgs = {k: db.session.get(Organisation, v).uuid for k, v in (("a", a), ("b", b), ("c", c))}
    return {"ids": ids, "uuids": uuids, "orgs": orgs}


def names(body) -> set[str]:
    return {s["name"] for s in body["contents"]}


def test_root_says_version_profile_and_openapi_url(client):
    r = client.get("/hsds/")
    assert r.status_code == 200
    valid("/", r.json)
    assert r.json["version"] == "3.0"
    assert r.json["openapi_url"].endswith("/api/openapi.json") and r.json["profile"].startswith("https://")
    assert client.get("/api/openapi.json").status_code == 200


def test_hsds_is_documented_in_the_openapi_description(client):
    paths = client.get("/api/openapi.json").json["paths"]
    for path in ("/hsds/services", "/hsds/services/search", "/hsds/services/{service_id}", "/hsds/organizations",
                 "/hsds/taxonomies", "/hsds/taxonomy_terms"):
        assert path in paths


def test_services_list_shows_only_published_offers_of_verified_organisations(client, cat):
    r = client.get("/hsds/services")
    assert r.status_code == 200
    valid_page("/services", r.json, "compiled/service_list")
    assert names(r.json) == {"Lektiecafé for 4.–7. klasse", "Telefonrådgivning for forældre",
                             "Netværksgruppe for nybagte mødre"}
    assert r.json["total_items"] == 3 and r.json["page_number"] == 1 and r.json["first_page"] is True
    assert all("attributes" not in s and "service_areas" not in s for s in r.json["contents"])


def test_full_and_minimal_lists_validate(client, cat):
    full = client.get("/hsds/services?full=true").json
    valid_page("/services", full, "service")
    assert all(s["service_areas"] and s["organization"]["id"] for s in full["contents"])
    minimal = client.get("/hsds/services?minimal=true").json
    valid_page("/services", minimal, "compiled/service_list")
    assert all(set(s) == {"id", "name", "status", "last_modified"} for s in minimal["contents"])


def test_service_detail_validates_and_hidden_services_are_404(client, cat):
    r = client.get(f"/hsds/services/{cat['uuids']['lektier']}")
    assert r.status_code == 200
    valid("/services/{id}", r.json)
    assert r.json["id"] == cat["uuids"]["lektier"]
    assert r.json["url"].endswith(f"/offers/{cat['ids']['lektier']}")
    vejle = r.json["service_areas"][0]
    assert vejle["name"] == "Vejle" and vejle["uri"].endswith("/kommuner/0630")
    for key in ("kladde", "arkiv", "uverificeret"):
        r = client.get(f"/hsds/services/{cat['uuids'][key]}")
        assert r.status_code == 404, key
        assert r.json["message"] == "Tjenesten findes ikke."
    assert client.get("/hsds/services/00000000-0000-4000-8000-000000000000").status_code == 404
    assert client.get("/hsds/services/ikke-et-id").status_code == 404


def test_organizations_list_and_detail(client, cat):
    r = client.get("/hsds/organizations")
    valid_page("/organizations", r.json, "compiled/organization_list")
    assert {o["name"] for o in r.json["contents"]} == {"Familiehuset Vejle", "Mødrehjælpen"}
    full = client.get("/hsds/organizations?full=true").json
    valid_page("/organizations", full, "organization")
    r = client.get(f"/hsds/organizations/{cat['orgs']['a']}?full_service=true")
    assert r.status_code == 200
    valid("/organizations/{id}", r.json)
    assert {s["name"] for s in r.json["services"]} == {"Lektiecafé for 4.–7. klasse",
                                                       "Telefonrådgivning for forældre"}
    assert all("service_areas" in s for s in r.json["services"])
    assert client.get(f"/hsds/organizations/{cat['orgs']['b']}").status_code == 404
    assert client.get("/hsds/organizations?search=mødre").json["total_items"] == 1


def test_taxonomies_and_terms(client, cat):
    r = client.get("/hsds/taxonomies")
    valid("/taxonomies", r.json)
    assert {t["name"] for t in r.json["contents"]} >= {"civilmatch-tags", "socialstyrelsen-lovende-praksis"}
    elements = hsds.ELEMENT_TAXONOMY.id
    r = client.get(f"/hsds/taxonomy_terms?taxonomy_id={elements}&per_page=100")
    valid("/taxonomy_terms", r.json)
    assert r.json["total_items"] == 11
    r = client.get(f"/hsds/taxonomy_terms?taxonomy_id={hsds.TAGS.id}&per_page=100")
    assert {t["name"] for t in r.json["contents"]} == {"lektiehjælp", "skole", "rådgivning", "netværk"}
    term = hsds.tag_term("netværk")
    r = client.get(f"/hsds/taxonomy_terms/{term.id}")
    assert r.status_code == 200 and r.json["name"] == "netværk"
    valid("/taxonomy_terms/{id}", r.json)
    r = client.get(f"/hsds/taxonomies/{hsds.TAGS.id}")
    assert r.status_code == 200
    valid("/taxonomies/{id}", r.json)
    assert client.get("/hsds/taxonomy_terms/00000000-0000-4000-8000-000000000000").status_code == 404


def test_filters(client, cat, app):
    get = lambda q: client.get(f"/hsds/services?{q}").json  # noqa: E731
    assert names(get("search=telefonrådgivning")) == {"Telefonrådgivning for forældre"}
    assert names(get("search=LEKTIECAFÉ")) == {"Lektiecafé for 4.–7. klasse"}
    assert names(get(f"organization_id={cat['orgs']['c']}")) == {"Netværksgruppe for nybagte mødre"}
    assert get(f"organization_id={cat['orgs']['b']}")["total_items"] == 0
    assert names(get(f"taxonomy_term_id={hsds.tag_term('netværk').id}")) == {"Netværksgruppe for nybagte mødre"}
    assert names(get(f"taxonomy_term_id={hsds.format_term('telefon').id}")) == {"Telefonrådgivning for forældre"}
    assert names(get(f"taxonomy_term_id={hsds.audience_term('mor').id}")) == {"Netværksgruppe for nybagte mødre"}
    assert get(f"taxonomy_id={hsds.ELEMENT_TAXONOMY.id}")["total_items"] == 3

    from web.extensions import db

    with app.app_context():
        db.session.execute(update(Offer).where(Offer.id != cat["ids"]["moedre"])
                           .values(updated_at=datetime(2024, 1, 1)))
        db.session.commit()
    body = get("modified_after=2025-01-01T00:00:00Z")
    assert names(body) == {"Netværksgruppe for nybagte mødre"}
    valid("/services", body)
    assert get("modified_after=2023-12-31")["total_items"] == 3


def test_paging(client, cat):
    first = client.get("/hsds/services?per_page=2").json
    second = client.get("/hsds/services?per_page=2&page=2").json
    valid("/services", second)
    assert (first["total_items"], first["total_pages"], first["size"]) == (3, 2, 2)
    assert (first["first_page"], first["last_page"], first["empty"]) == (True, False, False)
    assert (second["page_number"], second["size"], second["first_page"], second["last_page"]) == (2, 1, False, True)
    assert not {s["id"] for s in first["contents"]} & {s["id"] for s in second["contents"]}
    beyond = client.get("/hsds/services?per_page=2&page=9").json
    assert beyond["contents"] == [] and beyond["size"] == 0 and beyond["total_items"] == 3
    empty = client.get("/hsds/services?search=findesikke").json
    assert empty["empty"] is True and empty["total_pages"] == 1


def test_bad_query_parameters_get_422_with_field_paths(client):
    r = client.get("/hsds/services?page=0&per_page=1000&modified_after=igår")
    assert r.status_code == 422
    errors = r.json["errors"]["query"]
    assert set(errors) == {"page", "per_page", "modified_after"}
    assert errors["modified_after"] == ["Ugyldig dato (brug ÅÅÅÅ-MM-DD)."]


def test_cors_header_on_every_hsds_response(client, cat):
    for r in (client.get("/hsds/"), client.get("/hsds/services"), client.get("/hsds/services/nope"),
              client.post("/hsds/services/search", json={}),
              client.options("/hsds/services/search", headers={"Origin": "https://x.example",
                                                               "Access-Control-Request-Method": "POST"})):
        assert r.headers["Access-Control-Allow-Origin"] == "*"
    preflight = client.options("/hsds/services/search")
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in preflight.headers["Access-Control-Allow-Headers"]


def test_post_search_ranks_by_need_text_without_the_text_in_url_or_logs(client, cat, caplog):
    caplog.set_level(logging.DEBUG)
    r = client.post("/hsds/services/search", json={"text": NEED_TEXT, "full": True})
    assert r.status_code == 200
    valid("/services", r.json)
    assert r.json["contents"], r.json
    assert r.json["contents"][0]["name"] == "Lektiecafé for 4.–7. klasse"
    hidden = {cat["uuids"][k] for k in ("kladde", "arkiv", "uverificeret")}
    assert not hidden & {s["id"] for s in r.json["contents"]}
    assert "Ahmad" not in r.request.url and "lektierne" not in r.request.url
    logged = " ".join(rec.getMessage() for rec in caplog.records)
    assert "Ahmad" not in logged and "lektierne" not in logged
    # the body's filters apply to the matches
    r = client.post("/hsds/services/search", json={"text": NEED_TEXT, "organization_id": cat["orgs"]["c"]})
    assert r.status_code == 200
    assert all(s["organization_id"] == cat["orgs"]["c"] for s in r.json["contents"])


def test_post_search_without_text_filters_like_get(client, cat):
    r = client.post("/hsds/services/search", json={"search": "mødre", "per_page": 5})
    assert r.status_code == 200 and names(r.json) == {"Netværksgruppe for nybagte mødre"}
    r = client.post("/hsds/services/search", json={"text": "x" * 5001, "per_page": 0})
    assert r.status_code == 422
    assert set(r.json["errors"]["json"]) == {"text", "per_page"}
    assert "xxxx" not in r.get_data(as_text=True)


# --- command line --------------------------------------------------------------------------------

def test_import_hsds_imports_the_official_examples(runner, app):
    result = runner.invoke(main, ["import-hsds", str(EXAMPLES)])
    assert result.exit_code == 0, result.output
    assert "1 tilbud oprettet" in result.output
    assert "9 andre HSDS-objekter sprunget over" in result.output
    assert "Advarsel" in result.output and "Hele landet" in result.output
    from web.extensions import db

    with app.app_context():
        assert db.session.scalar(select(Offer.uuid)) == "ac148810-d857-441c-9679-408f346de14b"


def test_import_hsds_bad_file_writes_nothing_and_lists_every_problem(runner, app, tmp_path):
    org = {"id": "5d4c3b2a-1111-4222-8333-000000000001", "name": "Forening", "description": "En forening."}
    good = {"id": "5d4c3b2a-1111-4222-8333-000000000002", "name": "Godt tilbud", "status": "active",
            "organization_id": org["id"], "description": "Et helt fint tilbud med lang nok beskrivelse."}
    bad = {**good, "id": "5d4c3b2a-1111-4222-8333-000000000003", "name": "X", "email": "nej"}
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"total_items": 3, "contents": [org, good, bad]}), encoding="utf-8")
    result = runner.invoke(main, ["import-hsds", str(path)])
    assert result.exit_code == 1
    assert "Intet blev gemt" in result.output
    assert "5d4c3b2a-1111-4222-8333-000000000003" in result.output
    assert ": name: Skal være mellem 3 og 200 tegn." in result.output
    assert ": email: Ugyldig e-mailadresse." in result.output
    from web.extensions import db

    with app.app_context():
        assert db.session.scalar(select(func.count(Offer.id))) == 0
        assert db.session.scalar(select(func.count(Organisation.id))) == 0


def test_export_hsds_then_import_into_an_empty_database(runner, app, cat, tmp_path):
    out = tmp_path / "katalog.json"
    result = runner.invoke(main, ["export-hsds", "-o", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert len(data["services"]) == 6 and len(data["organizations"]) == 3
    for service in data["services"]:
        assert S.errors(S.object_validator("service"), service) == []

    from web.extensions import db

    def snapshot():
        with app.app_context():
            return {o.uuid: (o.title, o.status, o.areas, o.formats, o.tags, o.audience, o.cost, o.age_min,
                             o.age_max, o.element_levels(), o.organisation.uuid, o.organisation.verified)
                    for o in db.session.scalars(select(Offer))}

    before = snapshot()
    with app.app_context():
        for org in db.session.scalars(select(Organisation)).all():
            db.session.delete(org)
        db.session.commit()
    result = runner.invoke(main, ["import-hsds", "--unverified", str(out)])
    assert result.exit_code == 0, result.output
    assert "6 tilbud oprettet" in result.output
    after = snapshot()
    assert {k: v[:-1] for k, v in after.items()} == {k: v[:-1] for k, v in before.items()}
    assert not any(v[-1] for v in after.values())  # --unverified: nothing public until an admin verifies
    assert client_total(app) == 0


def client_total(app) -> int:
    return app.test_client().get("/hsds/services").json["total_items"]


def test_post_search_municipality_in_the_body_narrows_the_matches(client, cat):
    text = "Jeg er nybagt mor og føler mig meget alene, og jeg har brug for et netværk og hjælp til lektier"
    r = client.post("/hsds/services/search", json={"text": text, "municipality": "aarhus kommune", "full": True})
    assert r.status_code == 200
    assert r.json["contents"], "the matcher found nothing"
    areas = [{a["name"] for a in s["service_areas"]} for s in r.json["contents"]]
    assert all(a & {"Aarhus", "Hele landet"} for a in areas)
    assert "Lektiecafé for 4.–7. klasse" not in names(r.json)  # Vejle only
    r = client.post("/hsds/services/search", json={"text": text, "municipality": "Vejel"})
    assert r.status_code == 422
    assert "mente du Vejle" in r.json["errors"]["json"]["municipality"][0]
