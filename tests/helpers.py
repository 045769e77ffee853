"""Constants and helpers shared by the tests."""
from __future__ import annotations

import os
from pathlib import Path

DEMO_PASSWORD = "korrekt-hest-batteri"

OFFER_DATA = {
    "title": "Lektiecafé for 4.–7. klasse",
    "description": "Frivillige hjælper børn med lektier to gange om ugen i biblioteket. Der er frugt, "
                   "ro til at lære og voksne, der har tid til at forklare matematik og læsning.",
    "target_group": "Skolebørn, der har brug for hjælp til lektierne",
    "age_min": 10, "age_max": 13, "audience": ["børn"], "areas": ["Vejle"], "formats": ["gruppe"],
    "cost": "gratis", "schedule": "Tirsdag og torsdag kl. 15-17", "tags": ["lektiehjælp", "skole"],
    "contact": {"email": "lektier@example.org", "phone": "+45 12 34 56 78"},
}


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


ARTIFACTS = Path(os.environ.get("CIVILMATCH_TEST_ARTIFACTS", Path(__file__).parent.parent / "test-artifacts"))
