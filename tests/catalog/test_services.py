"""Catalogue rules: validation in Danish, optimistic locking, element profile, tokens, passwords, change tracking."""
import pytest
from sqlalchemy import select

from catalog import services
from catalog.elements import ELEMENT_KEYS, band, count_present
from catalog.models import Offer, current_catalog_version
from catalog.municipalities import UnknownMunicipality, canonical_area, suggest
from tests.helpers import OFFER_DATA


@pytest.fixture
def org(session):
    org = services.create_organisation(session, {"name": "Familiehuset Vejle"}, verified=True)
    session.commit()
    return org


def test_municipality_names_are_canonical_and_typos_get_a_suggestion():
    assert canonical_area("Københavns Kommune") == "København"
    assert canonical_area("høje-taastrup") == "Høje-Taastrup"
    assert canonical_area("hele landet") == "Hele landet"
    with pytest.raises(UnknownMunicipality) as err:
        canonical_area("Vejel")
    assert str(err.value) == "Ukendt kommune 'Vejel' – mente du Vejle?"
    assert suggest("Kobenhavn") == "København"
    assert suggest("xyzzy") is None


def test_element_bands():
    assert [band(n) for n in (0, 4, 5, 7, 8, 11)] == ["Under udvikling", "Under udvikling", "Lovende træk",
                                                         "Lovende træk", "Mange lovende træk", "Mange lovende træk"]
    assert count_present({k: 2 for k in ELEMENT_KEYS[:6]} | {ELEMENT_KEYS[6]: 1}) == 6


def test_invalid_offer_names_each_field_in_danish_and_writes_nothing(session, org):
    bad = {**OFFER_DATA, "title": "", "areas": ["Vejel"], "age_min": 12, "age_max": 3,
           "contact": {"email": "ikke-en-mail"}}
    with pytest.raises(services.InvalidData) as err:
        services.create_offer(session, org, bad)
    session.rollback()
    assert err.value.errors["title"] == ["Skal være mellem 3 og 200 tegn."]
    assert err.value.errors["areas.0"] == ["Ukendt kommune 'Vejel' – mente du Vejle?"]
    assert err.value.errors["contact.email"] == ["Ugyldig e-mailadresse."]
    assert session.scalar(select(Offer.id)) is None


def test_stale_version_is_a_conflict_and_nothing_is_overwritten(session, org):
    offer = services.create_offer(session, org, OFFER_DATA)
    session.commit()
    services.update_offer(session, offer, {**OFFER_DATA, "title": "Første ændring"}, expected_version=1)
    session.commit()
    assert offer.version == 2
    with pytest.raises(services.VersionConflict) as err:
        services.update_offer(session, offer, {**OFFER_DATA, "title": "Forældet ændring"}, expected_version=1)
    session.rollback()
    assert err.value.current_version == 2
    assert session.get(Offer, offer.id).title == "Første ændring"


def test_reviewer_level_is_kept_beside_the_ngos_own_and_counts(session, org):
    offer = services.create_offer(session, org, {**OFFER_DATA, "elements": {k: {"level": 2, "evidence": "x"}
                                                                            for k in ELEMENT_KEYS[:5]}})
    reviewer = services.create_user(session, {"email": "admin@example.org", "password": "lang-adgangskode",
                                              "role": "admin"})
    session.commit()
    assert offer.elements_count == 5
    with pytest.raises(services.InvalidData) as err:
        services.review_element(session, offer, ELEMENT_KEYS[0], 1, "", reviewer)
    assert "note" in err.value.errors
    services.review_element(session, offer, ELEMENT_KEYS[0], 1, "Ingen skriftlig forandringsteori endnu", reviewer)
    session.commit()
    row = offer.element(ELEMENT_KEYS[0])
    assert (row.level, row.reviewed_level, row.effective_level) == (2, 1, 1)
    assert offer.elements_count == 4


def test_every_offer_change_bumps_the_catalogue_version(session, org):
    v0 = current_catalog_version(session)
    offer = services.create_offer(session, org, OFFER_DATA)
    session.commit()
    v1 = current_catalog_version(session)
    assert v1 > v0 and offer.change_seq == v1
    services.set_status(session, offer, "archived")
    session.commit()
    assert current_catalog_version(session) > v1
    v2 = current_catalog_version(session)
    services.set_verified(session, org, False)  # hides every offer of the organisation
    session.commit()
    assert current_catalog_version(session) > v2
    assert session.scalar(select(Offer.change_seq).where(Offer.id == offer.id)) == current_catalog_version(session)


def test_publishing_sets_assured_at_and_assure_keeps_updated_at(session, org):
    offer = services.create_offer(session, org, OFFER_DATA)
    session.commit()
    assert offer.assured_at is None
    services.set_status(session, offer, "published")
    session.commit()
    assert offer.assured_at is not None
    updated = offer.updated_at
    services.assure(session, offer)
    session.commit()
    assert session.get(Offer, offer.id).updated_at == updated


def test_passwords_are_hashed_and_checked(session):
    user = services.create_user(session, {"email": "Sagsbehandler@Example.org", "password": "korrekt-hest-1",
                                          "role": "caseworker", "home_municipality": "aarhus"})
    session.commit()
    assert user.password_hash.startswith("$argon2id$") and "korrekt" not in user.password_hash
    assert user.home_municipality == "Aarhus"
    assert services.authenticate(session, "sagsbehandler@example.org", "korrekt-hest-1") == user
    assert services.authenticate(session, "sagsbehandler@example.org", "forkert") is None
    with pytest.raises(services.InvalidData) as err:
        services.create_user(session, {"email": "x@example.org", "password": "kort", "role": "caseworker"})
    assert err.value.errors["password"] == ["Skal være mellem 10 og 200 tegn."]


def test_tokens_are_stored_hashed_scoped_expiring_and_revocable(session, org):
    row, plain = services.create_token(session, name="Vejle sagssystem", role="caseworker")
    session.commit()
    assert plain.startswith("cm_") and row.token_hash != plain and plain not in row.token_hash
    assert services.find_token(session, plain).scopes == ("match", "conversations")
    assert services.find_token(session, plain + "x") is None
    services.revoke_token(session, str(row.id))
    session.commit()
    assert services.find_token(session, plain) is None
    _, expired = services.create_token(session, name="gammel", role="admin", days=1)
    from datetime import timedelta

    from catalog.db import utcnow
    from catalog.models import ApiToken
    session.scalar(select(ApiToken).where(ApiToken.name == "gammel")).expires_at = utcnow() - timedelta(seconds=1)
    session.commit()
    assert services.find_token(session, expired) is None
    with pytest.raises(services.InvalidData) as err:
        services.create_token(session, name="ngo", role="ngo_editor")
    assert "organisation" in err.value.errors
    with pytest.raises(services.InvalidData) as err:
        services.create_token(session, name="x", role="caseworker", scopes=["alt"])
    assert "scopes" in err.value.errors
