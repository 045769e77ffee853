"""The civilmatch command line: import/export, tokens, users, demo data."""
import json

from sqlalchemy import func, select

from catalog.models import ApiToken, Offer, User
from web.cli import main
from tests.helpers import bearer

CATALOGUE = {
    "organisations": [{"external_id": "org-1", "name": "Frivilligcenter Kolding"}],
    "offers": [{"external_id": "k-1", "organisation": "org-1", "title": "Lektiecafé i biblioteket",
                "description": "Frivillige hjælper skolebørn med lektier, læsning og matematik hver tirsdag.",
                "age_min": 7, "age_max": 14, "areas": ["Kolding"], "formats": ["gruppe"], "tags": ["lektiehjælp"]}],
}


def test_import_export_round_trip_from_the_command_line(runner, tmp_path, session):
    path = tmp_path / "katalog.json"
    path.write_text(json.dumps(CATALOGUE, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(main, args=["import-offers", str(path)])
    assert result.exit_code == 0, result.output
    assert "1 tilbud oprettet" in result.output
    out = tmp_path / "eksport.json"
    assert runner.invoke(main, args=["export-offers", "-o", str(out)]).exit_code == 0
    exported = json.loads(out.read_text(encoding="utf-8"))
    assert [o["external_id"] for o in exported["offers"]] == ["k-1"]
    again = runner.invoke(main, args=["import-offers", str(out)])
    assert "0 tilbud oprettet, 0 opdateret, 1 uændrede" in again.output


def test_a_bad_file_exits_non_zero_lists_problems_and_writes_nothing(runner, tmp_path, session):
    bad = json.loads(json.dumps(CATALOGUE))
    bad["offers"][0]["areas"] = ["Koldng"]
    path = tmp_path / "katalog.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    result = runner.invoke(main, args=["import-offers", str(path)])
    assert result.exit_code == 1
    assert "Ukendt kommune 'Koldng' – mente du Kolding?" in result.output
    assert "Intet blev gemt" in result.output
    assert session.scalar(select(func.count()).select_from(Offer)) == 0
    missing = runner.invoke(main, args=["import-offers", str(tmp_path / "findes-ikke.json")])
    assert missing.exit_code == 1 and "Filen findes ikke" in missing.output


def test_create_token_prints_the_token_last_and_it_works(runner, client, factory):
    org = factory.org("Red Barnet Kolding", external_id="org-rb")
    result = runner.invoke(main, args=["create-token", "--role", "ngo_editor", "--name", "NGO-system",
                                 "--organisation", "org-rb"])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert token.startswith("cm_")
    assert client.get("/api/v1/offers", headers=bearer(token)).status_code == 200
    revoke = runner.invoke(main, args=["revoke-token", token[:10]])
    assert revoke.exit_code == 0
    assert client.get("/api/v1/offers", headers=bearer(token)).status_code == 401
    assert org


def test_create_token_refuses_an_unknown_organisation(runner, session):
    result = runner.invoke(main, args=["create-token", "--role", "ngo_editor", "--name", "x", "--organisation", "nope"])
    assert result.exit_code == 1 and "Ukendt organisation 'nope'" in result.output
    assert session.scalar(select(func.count()).select_from(ApiToken)) == 0


def test_create_user(runner, session):
    result = runner.invoke(main, args=["create-user", "--email", "ny@example.org", "--role", "caseworker",
                                 "--home-municipality", "Vejle", "--password", "en-lang-adgangskode"])
    assert result.exit_code == 0, result.output
    user = session.scalar(select(User).where(User.email == "ny@example.org"))
    assert user.home_municipality == "Vejle"
    short = runner.invoke(main, args=["create-user", "--email", "b@example.org", "--role", "admin", "--password", "kort"])
    assert short.exit_code == 1 and "10" in short.output


def test_load_demo_creates_the_catalogue_and_a_user_per_role(runner, session):
    result = runner.invoke(main, args=["load-demo"])
    assert result.exit_code == 0, result.output
    assert session.scalar(select(func.count()).select_from(Offer)) >= 60
    assert {u.role for u in session.scalars(select(User))} == {"admin", "caseworker", "ngo_editor"}
    for role in ("admin", "caseworker", "ngo_editor"):
        assert role in result.output
    second = runner.invoke(main, args=["load-demo"])
    assert "allerede" in second.output
