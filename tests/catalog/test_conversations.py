"""Conversation storage: ownership, expiry, purge, shortlist grouping, redaction of everything stored."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from catalog import conversations as conv_service
from catalog.db import utcnow
from catalog.models import Conversation, ConversationMessage, ShortlistItem

CPR = "070761-4285"


@pytest.fixture
def people(factory):
    org = factory.org()
    offers = [factory.offer(org, title=f"Tilbud {i}") for i in range(3)]
    hidden = factory.offer(org, status="draft", title="Kladde")
    alice, _ = factory.user()
    bob, _ = factory.user()
    return {"offers": offers, "hidden": hidden, "alice": alice, "bob": bob}


def test_a_conversation_belongs_to_its_user(session, people):
    conv = conv_service.create_conversation(session, user_id=people["alice"])
    session.commit()
    assert conv_service.is_uuid(conv.id)
    assert conv_service.get_conversation(session, conv.id, user_id=people["alice"]) is conv
    assert conv_service.get_conversation(session, conv.id, user_id=people["bob"]) is None
    assert conv_service.get_conversation(session, conv.id, token_id=1) is None
    assert conv_service.get_conversation(session, "not-a-uuid", user_id=people["alice"]) is None
    # the other user's look did not delete it
    assert session.get(Conversation, conv.id) is not None


def test_a_conversation_belongs_to_its_token(session, people, factory):
    from catalog.models import ApiToken

    factory.token(scopes=["conversations"])
    factory.token(scopes=["conversations"])
    first, second = session.scalars(select(ApiToken.id).order_by(ApiToken.id)).all()
    conv = conv_service.create_conversation(session, token_id=first)
    assert conv_service.get_conversation(session, conv.id, token_id=first) is conv
    assert conv_service.get_conversation(session, conv.id, token_id=second) is None
    assert conv_service.get_conversation(session, conv.id, user_id=people["alice"]) is None


def test_exactly_one_owner(session, people):
    with pytest.raises(ValueError):
        conv_service.create_conversation(session)
    with pytest.raises(ValueError):
        conv_service.create_conversation(session, user_id=people["alice"], token_id=1)


def test_an_expired_conversation_is_gone_on_access(session, people):
    start = utcnow() - timedelta(hours=30)
    conv = conv_service.create_conversation(session, user_id=people["alice"], retention_hours=24, now=start)
    conv_service.add_history(session, conv, [("user", "Behov: Netværk og ensomhed hos forældre")], now=start)
    conv_service.add_to_shortlist(session, conv, people["offers"][0], need="Netværk", note="ring i morgen")
    session.commit()
    conv_id = conv.id
    assert conv_service.get_conversation(session, conv_id, user_id=people["alice"]) is None
    session.commit()
    assert session.get(Conversation, conv_id) is None
    assert session.scalar(select(func.count()).select_from(ConversationMessage)) == 0
    assert session.scalar(select(func.count()).select_from(ShortlistItem)) == 0


def test_retention_is_configurable(session, people):
    now = utcnow()
    conv = conv_service.create_conversation(session, user_id=people["alice"], retention_hours=2, now=now)
    assert conv.expires_at == now + timedelta(hours=2)
    assert conv_service.get_conversation(session, conv.id, user_id=people["alice"],
                                         now=now + timedelta(hours=1)) is conv
    assert conv_service.get_conversation(session, conv.id, user_id=people["alice"],
                                         now=now + timedelta(hours=3)) is None


def test_purge_counts_and_deletes_only_the_expired(session, people):
    now = utcnow()
    old = [conv_service.create_conversation(session, user_id=people["alice"], now=now - timedelta(hours=25))
           for _ in range(3)]
    for conv in old:
        conv_service.add_history(session, conv, [("user", "Behov: Alkohol og misbrug i familien")])
        conv_service.add_to_shortlist(session, conv, people["offers"][0])
    fresh = conv_service.create_conversation(session, user_id=people["bob"], now=now)
    conv_service.add_history(session, fresh, [("user", "Behov: Netværk og ensomhed hos forældre")])
    session.commit()
    assert conv_service.purge_expired(session, now) == 3
    session.commit()
    assert session.scalars(select(Conversation.id)).all() == [fresh.id]
    assert session.scalar(select(func.count()).select_from(ConversationMessage)) == 1
    assert session.scalar(select(func.count()).select_from(ShortlistItem)) == 0
    assert conv_service.purge_expired(session, now) == 0


def test_purge_command_reports_the_count(app, runner, people):
    from web.extensions import db

    with app.app_context():
        conv_service.create_conversation(db.session, user_id=people["alice"], now=utcnow() - timedelta(days=2))
        db.session.commit()
    from web.cli import purge_cmd

    result = runner.invoke(purge_cmd)
    assert result.exit_code == 0
    assert "1 udløbne samtaler slettet" in result.output


def test_notes_are_redacted_and_capped(session, people):
    conv = conv_service.create_conversation(session, user_id=people["alice"])
    item = conv_service.add_to_shortlist(session, conv, people["offers"][0], need="Økonomi",
                                         note="Mor hedder Anne Hansen, ring på 20 30 40 50")
    session.commit()
    stored = repr((conv.state, item.note, item.need))
    for secret in ("Anne Hansen", "20 30 40 50", "20304050"):
        assert secret not in stored
    assert item.note == "Mor hedder [navn], ring på [telefonnummer]"
    conv_service.set_note(session, conv, people["offers"][0], f"nyt cpr {CPR}")
    assert CPR not in item.note
    with pytest.raises(conv_service.ShortlistError) as exc:
        conv_service.set_note(session, conv, people["offers"][0], "x" * (conv_service.NOTE_MAX + 1))
    assert exc.value.errors == {"note": [f"Noten må højst være {conv_service.NOTE_MAX} tegn."]}


def test_the_state_keeps_only_the_services_vocabulary():
    known = {"sorg", "sorggruppe", "mor", "gæld", "er", "og"}
    state = conv_service.SearchState.from_dict({
        "municipality": "Odense", "child_ages": [9],
        "concepts": [{"key": "sorg", "label": "Sorg og tab", "words": ["sorg", "Oliver", "jannie sorg"],
                      "weight": 1.0},
                     {"key": "gaeld", "label": "Økonomi og gæld", "words": ["Mohammed"], "weight": 0.5}],
        "term_weights": {"sorg": 1.0, "oliv": 1.0, "jannie": 1.0, "gæld": 0.5, "gaeld": 0.5},
    })
    scrubbed = state.scrubbed(known.__contains__, lambda t: t if t in known else ("gæld" if t == "gaeld" else None))
    assert scrubbed.concepts[0]["words"] == ["sorg"]
    assert scrubbed.concepts[1]["words"] == ["økonomi og gæld"]  # nothing known: the label stands in
    assert scrubbed.term_weights == {"sorg": 1.0, "gæld": 0.5}  # unknown terms dropped or mapped to known ones
    assert scrubbed.municipality == "Odense" and scrubbed.child_ages == [9]
    assert "Oliver" not in repr(scrubbed) and "jannie" not in repr(scrubbed) and "Mohammed" not in repr(scrubbed)


def test_a_name_is_not_vocabulary_even_when_an_offer_mentions_it():
    # "karen" might occur in an offer ("Karen Blixen"), yet it is never kept from a family's text
    assert not conv_service.vocabulary_word("Karen", lambda w: True)
    assert conv_service.vocabulary_word("sommer", lambda w: True)  # a name that is an everyday word


def test_the_purge_schedule_is_due_at_most_once_per_interval():
    clock = [1000.0]
    schedule = conv_service.PurgeSchedule(interval=300, clock=lambda: clock[0])
    assert schedule.due()          # the first request after start
    assert not schedule.due()
    clock[0] += 299
    assert not schedule.due()
    clock[0] += 2
    assert schedule.due()


def test_shortlist_grouped_by_need_with_notes(session, people):
    conv = conv_service.create_conversation(session, user_id=people["alice"])
    a, b, c = people["offers"]
    conv_service.add_to_shortlist(session, conv, a, need="Økonomi og gæld", note="Første møde tirsdag")
    conv_service.add_to_shortlist(session, conv, b, need="Netværk", note="")
    conv_service.add_to_shortlist(session, conv, c, need="Økonomi og gæld")
    session.commit()
    groups = conv_service.shortlist_groups(conv)
    assert [(need, [i.offer_id for i in items]) for need, items in groups] == \
        [("Økonomi og gæld", [a, c]), ("Netværk", [b])]
    assert groups[0][1][0].note == "Første møde tirsdag"
    # adding again updates instead of duplicating
    conv_service.add_to_shortlist(session, conv, b, need="Økonomi og gæld", note="alligevel økonomi")
    groups = dict(conv_service.shortlist_groups(conv))
    assert [i.offer_id for i in groups["Økonomi og gæld"]] == [a, b, c] or \
        sorted(i.offer_id for i in groups["Økonomi og gæld"]) == sorted([a, b, c])
    assert "Netværk" not in groups
    assert conv_service.remove_from_shortlist(session, conv, a) is True
    assert conv_service.remove_from_shortlist(session, conv, a) is False
    assert [i.offer_id for i in dict(conv_service.shortlist_groups(conv))["Økonomi og gæld"]] == [b, c]


def test_items_without_a_need_come_last_under_andet(session, people):
    conv = conv_service.create_conversation(session, user_id=people["alice"])
    a, b, _ = people["offers"]
    conv_service.add_to_shortlist(session, conv, a)
    conv_service.add_to_shortlist(session, conv, b, need="Netværk")
    assert [need for need, _ in conv_service.shortlist_groups(conv)] == ["Netværk", "Andet"]


def test_shortlist_refuses_unknown_and_unpublished_offers(session, people):
    conv = conv_service.create_conversation(session, user_id=people["alice"])
    for bad in (999999, "abc", people["hidden"], None):
        with pytest.raises(conv_service.ShortlistError) as exc:
            conv_service.add_to_shortlist(session, conv, bad)
        assert exc.value.errors == {"offer_id": ["Tilbuddet findes ikke."]}
    with pytest.raises(conv_service.ShortlistError) as exc:
        conv_service.add_to_shortlist(session, conv, people["offers"][0], note="x" * 5000)
    assert "note" in exc.value.errors
    assert conv.shortlist == []


def test_plan_reasons_keep_the_offer_side_only():
    reasons = ["Matcher behovet 'Økonomi og gæld': 'store økonomiske problemer' ↔ 'gæld'",
               "Fælles ord: 'økonomi'", "Dækker Vejle", "Passer til 4 år (tilbuddet: 0–6 år)", "Gratis",
               "Landsdækkende", "Foregår som ønsket: gruppe"]
    assert conv_service.plan_reasons(reasons) == ["Matcher behovet 'Økonomi og gæld'", "Gratis", "Landsdækkende",
                                                  "Foregår som ønsket: gruppe"]


def test_export_plan(session, people):
    conv = conv_service.create_conversation(session, user_id=people["alice"])
    a, b, _ = people["offers"]
    conv_service.add_to_shortlist(session, conv, a, need="Lektier", note="Start efter ferien",
                                  reasons=["Matcher behovet 'Lektier og skole': 'lektier' ↔ 'lektier'", "Gratis"])
    session.commit()
    plan = conv_service.export_plan(conv)
    assert plan["conversation_id"] == conv.id
    assert plan["created"] == utcnow().date().isoformat()
    [group] = plan["needs"]
    assert group["need"] == "Lektier"
    [entry] = group["offers"]
    assert entry["note"] == "Start efter ferien"
    assert entry["why"] == ["Matcher behovet 'Lektier og skole'", "Gratis"]
    assert entry["offer"]["title"] == "Tilbud 0"
    assert entry["offer"]["contact"]["email"] == "lektier@example.org"
    assert entry["offer"]["organisation"] == "Familiehuset Vejle"


def test_delete_conversation_erases_everything(session, people):
    conv = conv_service.create_conversation(session, user_id=people["alice"])
    conv_service.add_history(session, conv, [("user", "Behov: Netværk og ensomhed hos forældre")])
    conv_service.add_to_shortlist(session, conv, people["offers"][0])
    session.commit()
    conv_service.delete_conversation(session, conv)
    session.commit()
    for model in (Conversation, ConversationMessage, ShortlistItem):
        assert session.scalar(select(func.count()).select_from(model)) == 0
