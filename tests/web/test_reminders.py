"""`civilmatch remind`: one message per organisation, caught by a real SMTP server on loopback (aiosmtpd), whose
"stadig korrekt" link confirms exactly its offer, once; without SMTP the message waits in the admin's outbox."""
from __future__ import annotations

import re
import socket
from datetime import datetime
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from freezegun import freeze_time

from web.cli import main

LONG_AGO = datetime(2025, 1, 5, 10, 0)
NOW = datetime(2026, 1, 20, 10, 0)


class Sink:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


@pytest.fixture
def smtp_sink():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    yield sink, f"smtp://127.0.0.1:{port}"
    controller.stop()


@pytest.fixture
def due_world(factory):
    with freeze_time(LONG_AGO):
        org = factory.org("Familiehuset Vejle", email="kontakt@familiehuset.example.org")
        first = factory.offer(org, title="Lektiecafé")
        second = factory.offer(org, title="Familiefrokost")
        other = factory.org("Mødrehjælpen Test", email="info@moedre.example.org")
        other_offer = factory.offer(other, title="Mødregruppe")
    with freeze_time(NOW):
        fresh = factory.offer(org, title="Ny sorggruppe")  # confirmed today: not due
    editor_id, editor_email = factory.user("ngo_editor", email="redaktoer@familiehuset.example.org", org_id=org)
    return {"org": org, "first": first, "second": second, "other_offer": other_offer, "fresh": fresh,
            "editor": editor_email}


def _assured(app, offer_id):
    from catalog.models import Offer
    from web.extensions import db

    with app.app_context():
        return db.session.get(Offer, offer_id).assured_at


def test_reminder_reaches_the_smtp_sink_and_its_link_confirms_that_offer_once(app, client, runner, due_world,
                                                                               smtp_sink):
    sink, url = smtp_sink
    app.config.update(SMTP_URL=url, BASE_URL="https://civilmatch.example.dk")
    with freeze_time(NOW):
        result = runner.invoke(main, args=["remind"])
    assert result.exit_code == 0, result.output
    assert "3 tilbud hos 2 organisationer" in result.output

    by_recipient = {tuple(rcpt): msg for rcpt, msg in sink.messages}
    assert set(by_recipient) == {("redaktoer@familiehuset.example.org",), ("info@moedre.example.org",)}
    body = by_recipient[("redaktoer@familiehuset.example.org",)].get_content()
    assert "Lektiecafé" in body and "Familiefrokost" in body and "Ny sorggruppe" not in body
    assert f"/ngo/offers/{due_world['first']}/edit" in body
    links = re.findall(r"Stadig korrekt: https://civilmatch\.example\.dk(/ngo/bekraeft/\S+)", body)
    assert len(links) == 2
    first_link = links[0]  # offers are listed by title: "Familiefrokost" comes first

    # Opening the link shows the offer and one button; nothing is confirmed by merely opening it.
    with freeze_time(datetime(2026, 1, 22, 8, 0)):
        page = client.get(first_link)
        assert page.status_code == 200 and "Familiefrokost" in page.get_data(as_text=True)
        assert _assured(app, due_world["second"]) == LONG_AGO
        done = client.post(first_link)
    assert done.status_code == 200 and "er bekræftet som aktuelt" in done.get_data(as_text=True)
    assert _assured(app, due_world["second"]) == datetime(2026, 1, 22, 8, 0)   # exactly that offer
    assert _assured(app, due_world["first"]) == LONG_AGO                      # not its sibling
    assert _assured(app, due_world["other_offer"]) == LONG_AGO

    with freeze_time(datetime(2026, 1, 23, 8, 0)):
        again = client.post(first_link)
    assert again.status_code == 410 and "allerede brugt" in again.get_data(as_text=True)
    assert _assured(app, due_world["second"]) == datetime(2026, 1, 22, 8, 0)

    tampered = first_link[:-3] + ("aaa" if not first_link.endswith("aaa") else "bbb")
    assert client.post(tampered).status_code == 404
    assert _assured(app, due_world["first"]) == LONG_AGO

    # A second run the next day does not nag again.
    with freeze_time(datetime(2026, 1, 21, 10, 0)):
        assert "0 tilbud" in runner.invoke(main, args=["remind"]).output
    assert len(sink.messages) == 2


def test_link_expires(app, client, runner, due_world, smtp_sink):
    sink, url = smtp_sink
    app.config.update(SMTP_URL=url)
    with freeze_time(NOW):
        runner.invoke(main, args=["remind"])
    link = re.findall(r"(/ngo/bekraeft/\S+)", sink.messages[0][1].get_content())[0]
    with freeze_time(datetime(2026, 3, 1)):
        response = client.post(link)
    assert response.status_code == 410 and "udløbet" in response.get_data(as_text=True)


def test_without_smtp_the_reminder_waits_in_the_admin_outbox(app, client, runner, factory, login, due_world):
    app.config.update(SMTP_URL=None)
    with freeze_time(NOW):
        result = runner.invoke(main, args=["remind"])
    assert result.exit_code == 0 and "0 sendt med SMTP, 2 i udbakken" in result.output
    _, admin_email = factory.user("admin")
    login(admin_email)
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert "redaktoer@familiehuset.example.org" in page and "Er jeres tilbud stadig aktuelle?" in page
    assert "Lektiecafé" in page and "Ikke sendt" in page
    client.post("/logout")
    _, editor_email = factory.user("ngo_editor", org_id=due_world["org"])
    login(editor_email)
    assert client.get("/admin/outbox").status_code == 403
