"""The interface in Danish (default) or English: the switch, <html lang>, dates, and a complete catalogue."""
from __future__ import annotations

from datetime import datetime
from html import unescape
from pathlib import Path

from babel.messages.pofile import read_po

PO = Path(__file__).resolve().parents[2] / "web" / "translations" / "en" / "LC_MESSAGES" / "messages.po"


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def test_danish_is_the_default(client):
    html = text(client.get("/"))
    assert '<html lang="da">' in html
    assert "Civilsamfundets tilbud til familier" in html
    assert 'id="sprog" lang="en">English</button>' in html


def test_the_switch_turns_the_interface_english_and_back(client):
    response = client.post("/sprog", data={"lang": "en", "next": "/offers/"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/offers/")
    html = text(client.get("/"))
    assert '<html lang="en">' in html
    assert "Civil society's offers for families – all in one place" in html
    assert "Find offers for a family" in html and "Log in" in html
    assert 'id="sprog" lang="da">Dansk</button>' in html
    client.post("/sprog", data={"lang": "da", "next": "/"})
    assert '<html lang="da">' in text(client.get("/"))


def test_the_switch_only_returns_to_this_site(client):
    for target in ("https://evil.example.org/", "//evil.example.org/x", "javascript:alert(1)"):
        response = client.post("/sprog", data={"lang": "en", "next": target})
        assert response.status_code == 303
        assert response.headers["Location"] in ("/", "http://localhost/")
    response = client.post("/sprog", data={"lang": "xx", "next": "/"})
    assert response.status_code == 303
    assert '<html lang="en">' in text(client.get("/"))  # an unknown language changes nothing


def test_dates_and_offer_texts_per_language(client, factory):
    org = factory.org(name="Familiehuset Vejle")
    offer_id = factory.offer(org, title="Lektiecafé i Vejle",
                             description="Frivillige hjælper med lektier hver uge.",
                             areas=["Vejle"], age_min=6, age_max=12, formats=["gruppe"], cost="gratis",
                             tags=["lektiehjælp"])
    from catalog.models import Offer
    from web.extensions import db
    with client.application.app_context():
        db.session.get(Offer, offer_id).assured_at = datetime(2026, 8, 31, 12, 0)
        db.session.commit()
    html = text(client.get(f"/offers/{offer_id}"))
    assert "Bekræftet aktuel 31. august 2026" in html and "6–12 år" in html
    client.post("/sprog", data={"lang": "en", "next": "/"})
    html = text(client.get(f"/offers/{offer_id}"))
    assert "Confirmed current August 31, 2026" in html and "6–12 years" in html
    assert '<h1 lang="da">Lektiecafé i Vejle</h1>' in html               # as the NGO wrote it
    assert '<p class="description" lang="da">Frivillige hjælper med lektier hver uge.</p>' in html
    assert "<dd>group</dd>" in html and "About the offer" in html


def test_every_message_has_an_english_translation():
    with PO.open("rb") as f:
        catalog = read_po(f)
    messages = [m for m in catalog if m.id]
    assert len(messages) > 150
    assert [m.id for m in messages if not m.string] == []
    assert [m.id for m in messages if m.fuzzy] == []
