"""/offers: the filtered catalogue, the offer page, and who may see what."""
from __future__ import annotations

import re

import pytest

from catalog.elements import DISCLAIMER, ELEMENTS
from tests.helpers import OFFER_DATA


def page_text(response) -> str:
    return response.get_data(as_text=True)


def card_titles(response) -> list[str]:
    return re.findall(r'<h2 class="offer-title"><a href="/offers/\d+"[^>]*>([^<]+)</a>', page_text(response))


@pytest.fixture
def catalogue(factory):
    org = factory.org("Familiehuset")
    ids = {
        "vejle": factory.offer(org, title="Vejle lektiecafé", areas=["Vejle"], age_min=10, age_max=13,
                               formats=["gruppe"], external_id="ext-vejle", assured_at="2026-03-01",
                               elements={"teori_og_viden": {"level": 3, "evidence": "Vi bygger på forandringsteori."}}),
        "nation": factory.offer(org, title="Landsdækkende telefon", areas=["Hele landet"], age_min=None,
                                age_max=None, formats=["telefon"], cost="gratis"),
        "aarhus": factory.offer(org, title="Aarhus familiecamp", areas=["Aarhus"], age_min=0, age_max=17,
                                formats=["ferie"], cost="500 kr. pr. familie"),
        "draft": factory.offer(org, status="draft", title="Kladde i Vejle", external_id="ext-draft"),
    }
    hidden_org = factory.org("Uverificeret forening", verified=False)
    ids["unverified"] = factory.offer(hidden_org, title="Uverificeret tilbud")
    return {"org": org, "hidden_org": hidden_org, **ids}


def test_anonymous_sees_published_offers_of_verified_organisations(client, catalogue):
    r = client.get("/offers/")
    assert r.status_code == 200
    assert card_titles(r) == ["Aarhus familiecamp", "Landsdækkende telefon", "Vejle lektiecafé"]
    text = page_text(r)
    assert "Familiehuset" in text and "Hele landet" in text and "500 kr. pr. familie" in text
    assert "Bekræftet aktuel 1. marts 2026" in text and "af 11 elementer" in text


def test_filters_narrow_results_and_keep_their_values(client, catalogue):
    r = client.get("/offers/?kommune=Vejle&alder=11&form=gruppe&form=telefon&gratis=1")
    assert card_titles(r) == ["Landsdækkende telefon", "Vejle lektiecafé"]
    text = page_text(r)
    assert '<option value="Vejle" selected>' in text
    assert 'name="alder" type="text" value="11"' in text
    assert 'value="gruppe" checked' in text and 'value="telefon" checked' in text
    assert 'name="gratis" value="1" checked' in text


def test_band_and_text_filters(client, catalogue):
    r = client.get("/offers/?profil=under_udvikling&q=camp")
    assert card_titles(r) == ["Aarhus familiecamp"]
    assert '<option value="under_udvikling" selected>' in page_text(r)


@pytest.mark.parametrize("query,field,message", [
    ("alder=abc", "alder", "Alder skal være et helt tal mellem 0 og 120."),
    ("alder=200", "alder", "Alder skal være et helt tal mellem 0 og 120."),
    ("kommune=Vejel", "kommune", "Ukendt kommune &#39;Vejel&#39; – mente du Vejle?"),
    ("form=svømning", "form", "Ukendt form"),
    ("profil=bedst", "profil", "Ukendt niveau"),
    ("side=nul", "side", "Side skal være et helt tal fra 1."),
])
def test_bad_filter_shows_danish_message_beside_the_field(client, catalogue, query, field, message):
    r = client.get(f"/offers/?{query}")
    assert r.status_code == 200
    text = page_text(r)
    assert message in text
    if field != "side":
        assert f'id="f-{field}-error"' in text  # beside the field, linked by aria-describedby
        assert f'aria-describedby="f-{field}-error' in text
    # the faulty filter is left out, so the page still lists offers
    assert len(card_titles(r)) == 3


def test_bad_age_is_kept_in_the_field(client, catalogue):
    text = page_text(client.get("/offers/?alder=abc&kommune=Aarhus"))
    assert 'value="abc"' in text
    assert '<option value="Aarhus" selected>' in text


def test_pagination_links_keep_the_filters(client, factory):
    org = factory.org("Mange tilbud")
    for i in range(23):
        factory.offer(org, title=f"Tilbud {i:02d}", areas=["Vejle"])
    r = client.get("/offers/?kommune=Vejle&gratis=1&form=gruppe")
    assert len(card_titles(r)) == 20
    text = page_text(r)
    assert "side 1 af 2" in text
    link = re.search(r'<a rel="next" href="([^"]+)"', text).group(1).replace("&amp;", "&")
    assert "kommune=Vejle" in link and "gratis=1" in link and "form=gruppe" in link and "side=2" in link
    second = client.get(link)
    assert card_titles(second) == ["Tilbud 20", "Tilbud 21", "Tilbud 22"]
    assert 'rel="prev"' in page_text(second)


def test_offer_page_shows_fields_contact_profile_and_disclaimer(client, catalogue):
    r = client.get(f"/offers/{catalogue['vejle']}")
    assert r.status_code == 200
    text = page_text(r)
    assert "Vejle lektiecafé" in text and OFFER_DATA["schedule"] in text
    assert OFFER_DATA["contact"]["email"] in text and OFFER_DATA["contact"]["phone"] in text
    assert DISCLAIMER in text
    for element in ELEMENTS:
        assert element.name in text
    assert "Vi bygger på forandringsteori." in text
    assert "<strong>3 af 3</strong>" in text


def test_offer_page_shows_the_reviewers_level_and_note_beside_the_ngos(client, app, catalogue):
    from catalog import services
    from catalog.models import Offer, User
    from web.extensions import db

    with app.app_context():
        admin = services.create_user(db.session, {"email": "rev@example.org", "password": "x" * 12,
                                                  "role": "admin"})
        offer = db.session.get(Offer, catalogue["vejle"])
        services.review_element(db.session, offer, "teori_og_viden", 1, "Ingen skriftlig forandringsteori.",
                                db.session.get(User, admin.id))
        db.session.commit()
    text = page_text(client.get(f"/offers/{catalogue['vejle']}"))
    assert "Organisationens eget niveau: 3. Justeret til 1" in text
    assert "Ingen skriftlig forandringsteori." in text


def test_by_external_id_redirects_to_the_offer_page(client, catalogue):
    r = client.get("/offers/by-external-id/ext-vejle")
    assert r.status_code == 302
    assert r.headers["Location"].endswith(f"/offers/{catalogue['vejle']}")
    assert client.get("/offers/by-external-id/findes-ikke").status_code == 404


def test_verifying_an_organisation_makes_its_offers_appear(client, factory, login, catalogue):
    assert "Uverificeret tilbud" not in card_titles(client.get("/offers/"))
    _, email = factory.user("admin")
    login(email)
    r = client.post(f"/admin/organisations/{catalogue['hidden_org']}/verified", data={"verified": "1"})
    assert r.status_code == 302
    assert "Uverificeret tilbud" in card_titles(client.get("/offers/"))
    client.post(f"/admin/organisations/{catalogue['hidden_org']}/verified", data={"verified": "0"})
    assert "Uverificeret tilbud" not in card_titles(client.get("/offers/"))


# --- rights ------------------------------------------------------------------------------------------------

def _as(role, factory, login, client, org_id=None):
    if role == "anonymous":
        return
    _, email = factory.user(role, org_id=org_id)
    login(email)


@pytest.mark.parametrize("role", ["anonymous", "caseworker", "ngo_editor", "admin"])
def test_everyone_may_browse_and_open_visible_offers(client, factory, login, catalogue, role):
    _as(role, factory, login, client, org_id=factory.org("Anden forening"))
    assert client.get("/offers/").status_code == 200
    assert client.get(f"/offers/{catalogue['vejle']}").status_code == 200
    assert client.get("/offers/by-external-id/ext-vejle").status_code == 302


@pytest.mark.parametrize("role,expected", [
    ("anonymous", 404), ("caseworker", 404), ("other_editor", 404), ("owner_editor", 200), ("admin", 200)])
def test_hidden_offers_are_404_except_for_owner_and_admin(client, factory, login, catalogue, role, expected):
    if role == "owner_editor":
        _as("ngo_editor", factory, login, client, org_id=catalogue["org"])
    elif role == "other_editor":
        _as("ngo_editor", factory, login, client, org_id=catalogue["hidden_org"])
    else:
        _as(role, factory, login, client)
    assert client.get(f"/offers/{catalogue['draft']}").status_code == expected
    redirect = client.get("/offers/by-external-id/ext-draft")
    assert redirect.status_code == (302 if expected == 200 else 404)


def test_unverified_organisations_offer_is_visible_to_its_own_editor_only(client, factory, login, catalogue):
    assert client.get(f"/offers/{catalogue['unverified']}").status_code == 404
    _as("ngo_editor", factory, login, client, org_id=catalogue["hidden_org"])
    r = client.get(f"/offers/{catalogue['unverified']}")
    assert r.status_code == 200
    assert "Organisationen er ikke verificeret" in page_text(r)


def test_unknown_offer_is_404(client):
    assert client.get("/offers/999999").status_code == 404


def test_everyday_municipality_name_selects_the_canonical_option(client, catalogue):
    r = client.get("/offers/?kommune=vejle+kommune")
    assert '<option value="Vejle" selected>' in page_text(r)
    assert card_titles(r) == ["Landsdækkende telefon", "Vejle lektiecafé"]
