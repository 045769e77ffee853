"""/indsigt in Chromium: the map renders with its colours and hover titles, the table beside it, keyboard and
axe-core find nothing serious or critical. The map's screenshot is kept in test-artifacts/."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.browser.conftest import describe
from tests.helpers import DEMO_PASSWORD

MONTH = [datetime(2026, 3, 2, 10) + timedelta(days=d) for d in range(30)]
GENERATED = {"Vejle": (10, 9), "Aarhus": (10, 3), "København": (20, 0), "Odense": (12, 6), "Lolland": (4, 4),
             "Aalborg": (8, 8), "Esbjerg": (6, 2), "Bornholm": (5, 5)}


@pytest.mark.browser
def test_coverage_map_in_chromium(app, live_server, page, axe, shots, factory):
    from catalog.coverage import record_match
    from web.extensions import db

    with app.app_context():
        for name, (searches, unmet) in GENERATED.items():
            for i in range(searches):
                record_match(db.session, name, {"sorg": 0 if i < unmet else 4, "netvaerk_foraeldre": 3},
                             now=MONTH[i % len(MONTH)])
        db.session.commit()
    _, email = factory.user("caseworker")

    page.goto(live_server + "/login")
    page.get_by_label("E-mailadresse").fill(email)
    page.get_by_label("Adgangskode").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    page.get_by_role("link", name="Indsigt").click()
    page.get_by_label("Fra dato").fill("2026-03-01")
    page.get_by_label("Til dato").fill("2026-03-31")
    page.get_by_role("button", name="Vis").click()

    svg = page.locator("svg#kort")
    assert svg.is_visible()
    assert page.locator("svg#kort path").count() == 98
    vejle = page.locator('svg#kort path[data-kommune="Vejle"]')
    assert vejle.get_attribute("fill") == "#800026"
    assert vejle.locator("title").text_content() == "Vejle: 9 af 10 søgninger uden tilbud (90 %)"
    assert page.locator('svg#kort path[data-kommune="Lolland"]').get_attribute("fill") == "url(#skjult)"
    box = vejle.bounding_box()
    assert box and box["width"] > 5 and box["height"] > 5  # drawn where it belongs, not collapsed
    assert page.locator('#tabel tr[data-kommune="Aalborg"]').inner_text().split("\t")[1:4] == \
        ["8", "8", "100 %"]
    shots("indsigt-kort", page)
    svg.screenshot(path=str(shots("indsigt-helside", page).with_name("kort.png")))
    assert axe(page) == [], describe(axe(page))
