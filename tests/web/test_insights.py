"""/indsigt: the coverage map's colours for a generated month of searches, its table, the CSV, the API; access;
cells below 5 never shown."""
from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta

import pytest

from tests.helpers import bearer

MONTH = [datetime(2026, 3, 2, 10) + timedelta(days=d) for d in range(30)]
PERIOD = {"fra": "2026-03-01", "til": "2026-03-31"}
# municipality -> (searches, of which no offer for at least one need)
GENERATED = {"Vejle": (10, 9), "Aarhus": (10, 3), "København": (20, 0), "Odense": (12, 6), "Lolland": (4, 4)}
EXPECTED_FILL = {"Vejle": "#800026", "Aarhus": "#fecc5c", "København": "#ffffb2", "Odense": "#fd8d3c",
                 "Lolland": "url(#skjult)", "Aalborg": "url(#skjult)"}


@pytest.fixture
def month_of_searches(app):
    from catalog.coverage import record_match
    from web.extensions import db

    with app.app_context():
        for name, (searches, unmet) in GENERATED.items():
            for i in range(searches):
                counts = {"lektiehjaelp_skole": 0 if i < unmet else 3, "sorg": 2}
                record_match(db.session, name, counts, now=MONTH[i % len(MONTH)])
        # outside the period: must not count
        for _ in range(10):
            record_match(db.session, "Aalborg", {"sorg": 0}, now=datetime(2026, 5, 5))
        db.session.commit()


@pytest.fixture
def caseworker(factory, login):
    _, email = factory.user("caseworker")
    login(email)


def fills(html: str) -> dict[str, str]:
    return {m.group(2): m.group(1) for m in re.finditer(r'<path d="[^"]*" fill="([^"]+)"[^>]*data-kommune="([^"]+)"',
                                                          html)}


def test_map_colours_each_municipality_by_its_share_of_searches_without_an_offer(client, month_of_searches,
                                                                               caseworker):
    html = client.get("/indsigt/", query_string=PERIOD).get_data(as_text=True)
    colours = fills(html)
    assert len(colours) == 98
    for name, fill in EXPECTED_FILL.items():
        assert colours[name] == fill, name
    # hover titles say it in words, so colour is not the only carrier
    assert "<title>Vejle: 9 af 10 søgninger uden tilbud (90 %)</title>" in html
    assert "<title>Lolland: færre end 5 søgninger (vises ikke)</title>" in html
    # the data table beside it has the same numbers
    row = re.search(r'<tr data-kommune="Odense">(.*?)</tr>', html, re.S).group(1)
    assert re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).split() == \
        "Odense 12 6 50 % 40–59 %".split()
    lolland = re.search(r'<tr data-kommune="Lolland">(.*?)</tr>', html, re.S).group(1)
    assert "færre end 5 søgninger" in lolland and ">4<" not in lolland
    # most unmet need named in Danish
    assert "Lektier og skole: 22 af 56 søgninger" in html


def test_a_need_theme_recolours_the_map(client, month_of_searches, caseworker):
    html = client.get("/indsigt/", query_string={**PERIOD, "tema": "sorg"}).get_data(as_text=True)
    colours = fills(html)
    assert colours["Vejle"] == "#ffffb2" and colours["Lolland"] == "url(#skjult)"
    bad = client.get("/indsigt/", query_string={"fra": "1. marts", "tema": "<script>"})
    assert bad.status_code == 200
    text = bad.get_data(as_text=True)
    assert "Skriv datoen som ÅÅÅÅ-MM-DD" in text and "Ukendt behov" in text and "<script>" not in text


def test_csv_has_every_municipality_and_suppresses_small_cells(client, month_of_searches, caseworker):
    response = client.get("/indsigt/data.csv", query_string=PERIOD)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert rows[0] == ["kommune", "fra", "til", "behov", "soegninger", "uden_tilbud", "andel_uden_tilbud"]
    by_name = {r[0]: r for r in rows[1:]}
    assert len(by_name) == 98
    assert by_name["Vejle"][4:] == ["10", "9", "0,900"]
    assert by_name["Aarhus"][4:] == ["10", "<5", "0,300"]
    assert by_name["Lolland"][4:] == ["<5", "<5", ""]
    assert by_name["Aalborg"][4:] == ["<5", "<5", ""]


def test_api_gives_the_same_numbers(client, factory, month_of_searches):
    token = factory.token("caseworker")
    data = client.get("/api/v1/insights/municipalities", query_string=PERIOD, headers=bearer(token)).get_json()
    rows = {r["municipality"]: r for r in data["municipalities"]}
    assert rows["Vejle"] == {"municipality": "Vejle", "searches": 10, "unmet": 9, "share": 0.9, "suppressed": False}
    assert rows["Lolland"] == {"municipality": "Lolland", "searches": None, "unmet": None, "share": None,
                               "suppressed": True}
    bad = client.get("/api/v1/insights/municipalities", query_string={"fra": "x"}, headers=bearer(token))
    assert bad.status_code == 422 and "fra" in bad.get_json()["errors"]
    assert client.get("/api/v1/insights/municipalities").status_code == 401
    ngo_token = factory.token("ngo_editor", org_id=factory.org("Foreningen"))
    assert client.get("/api/v1/insights/municipalities", headers=bearer(ngo_token)).status_code == 403


def test_who_may_see_the_map(app, client, factory, login, month_of_searches):
    assert "/login" in client.get("/indsigt/").headers["Location"]
    assert "/login" in client.get("/indsigt/data.csv").headers["Location"]
    org = factory.org("Foreningen")
    _, editor = factory.user("ngo_editor", org_id=org)
    login(editor)
    assert client.get("/indsigt/").status_code == 403
    assert client.get("/indsigt/organisation").status_code == 200
    client.post("/logout")
    app.config["INSIGHTS_PUBLIC"] = True
    assert client.get("/indsigt/", query_string=PERIOD).status_code == 200


def test_municipality_page_lists_unmet_needs_and_suppresses_small_ones(client, month_of_searches, caseworker):
    html = client.get("/indsigt/kommune/Vejle", query_string=PERIOD).get_data(as_text=True)
    assert "Lektier og skole" in html and "Sorg" not in html.split("Oftest henviste")[0].split("oftest ikke fandt")[1]
    assert client.get("/indsigt/kommune/Atlantis").status_code == 404
    html = client.get("/indsigt/kommune/Aarhus", query_string=PERIOD).get_data(as_text=True)
    assert "Intet behov har 5 eller flere søgninger uden tilbud" in html


def test_ngo_sees_where_its_kind_of_need_is_missing(client, factory, login, month_of_searches):
    org = factory.org("Lektiehjælpen")
    factory.offer(org, title="Lektiecafé", tags=["lektiehjælp"])
    _, editor = factory.user("ngo_editor", org_id=org)
    login(editor)
    html = client.get("/indsigt/organisation", query_string=PERIOD).get_data(as_text=True)
    table = html.split("<tbody>")[1].split("</tbody>")[0]
    assert "Vejle" in table and "Odense" in table
    assert "Lolland" not in table and "Aarhus" not in table  # fewer than 5 unmet
