"""Sign-up never tells whether an e-mail address has an account: the same answer either way, a mail to the
address, a pending account that the mailed link activates, and pending sign-ups that expire and are purged."""
from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import func, select

from catalog import signup as signups
from catalog.db import utcnow
from catalog.models import ConfirmLink, OutboxMessage, Organisation, User
from tests.helpers import DEMO_PASSWORD, confirm_signup, mails_to, signup_link

SIGNUP = {
    "org_name": "Familiehuset Kolding", "org_cvr": "", "org_website": "", "org_email": "", "org_phone": "",
    "org_description": "", "user_name": "Ane Frivillig", "user_email": "ane@familiehuset.example.org",
    "password": DEMO_PASSWORD, "password2": DEMO_PASSWORD,
}
LOGIN_FAILED_START = "Forkert e-mailadresse eller adgangskode."
PENDING_TEXT = "Du skal bekræfte din e-mailadresse, før du kan logge ind."


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def counts(app) -> tuple[int, int, int, int]:
    from web.extensions import db

    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(model))
                     for model in (Organisation, User, ConfirmLink, OutboxMessage))


def _page_without_tokens(response, email: str) -> str:
    """The page as a reader sees it, apart from the address they typed and the form's CSRF token."""
    page = response.get_data(as_text=True).replace(email, "EMAIL")
    return re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token"', page)


def _logged_in(client) -> bool:
    with client.session_transaction() as session:
        return "_user_id" in session


def _age(app, email: str, hours: float) -> None:
    """Move a sign-up `hours` into the past: its account, organisation and links."""
    from web.extensions import db

    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        shift = timedelta(hours=hours)
        user.pending_until -= shift
        if user.organisation is not None and user.organisation.pending_until is not None:
            user.organisation.pending_until -= shift
        for link in db.session.scalars(select(ConfirmLink).where(ConfirmLink.user_id == user.id)):
            link.created_at -= shift
            link.expires_at -= shift
        db.session.commit()


# --- the same answer whether or not the address is known ---------------------------------------------------

def test_a_known_and_a_new_address_get_the_same_answer_and_neither_is_logged_in(app, factory):
    factory.user("caseworker", email="kendt@example.org")
    known_client, new_client = app.test_client(), app.test_client()
    known = known_client.post("/ngo/signup", data={**SIGNUP, "user_email": "kendt@example.org"})
    new = new_client.post("/ngo/signup", data={**SIGNUP, "user_email": "ny@example.org",
                                                "org_name": "Familiehuset Kolding"})
    assert known.status_code == new.status_code == 200
    assert "Tjek din e-mail" in text(new)
    assert _page_without_tokens(known, "kendt@example.org") == _page_without_tokens(new, "ny@example.org")
    assert known.headers.get("Location") is new.headers.get("Location") is None
    for client in (known_client, new_client):
        assert not _logged_in(client)
        assert client.get("/ngo/").status_code == 302  # to the login page


def test_a_known_address_gets_a_mail_saying_someone_tried_and_nothing_is_created(app, client, factory):
    factory.user("ngo_editor", email="kendt@example.org", org_id=factory.org("Børnenes Hus"))
    before = counts(app)
    client.post("/ngo/signup", data={**SIGNUP, "user_email": "kendt@example.org"})
    (subject, body), = mails_to(app, "kendt@example.org")
    assert subject == "Forsøg på at oprette en konto i civilmatch"
    assert "har forsøgt at oprette en organisation" in body and "/login" in body
    assert "glemt din adgangskode" in body
    assert "/ngo/aktiver/" not in body
    orgs, users, links, outbox = counts(app)
    assert (orgs, users, links, outbox) == (before[0], before[1], before[2], before[3] + 1)


def test_both_answers_cost_one_password_hash_and_one_mail(app, monkeypatch, factory):
    """The two paths must not differ measurably: the same work, whichever the address is."""
    from catalog import mail, services

    factory.user("caseworker", email="kendt@example.org")
    calls: list[str] = []
    real_hash, real_send = services.hash_password, mail.send
    monkeypatch.setattr(services, "hash_password", lambda pw: calls.append("hash") or real_hash(pw))
    monkeypatch.setattr(mail, "send", lambda *a, **kw: calls.append("mail") or real_send(*a, **kw))
    per_path = {}
    for email in ("kendt@example.org", "ny@example.org"):
        calls.clear()
        app.test_client().post("/ngo/signup", data={**SIGNUP, "user_email": email, "org_name": f"Hus {email[:3]}"})
        per_path[email] = sorted(calls)
    assert per_path == {"kendt@example.org": ["hash", "mail"], "ny@example.org": ["hash", "mail"]}


def test_an_invalid_form_writes_and_sends_nothing_whether_or_not_the_address_is_known(app, factory):
    factory.user("caseworker", email="kendt@example.org")
    before = counts(app)
    pages = []
    for email in ("kendt@example.org", "ny@example.org"):
        r = app.test_client().post("/ngo/signup", data={**SIGNUP, "user_email": email, "org_cvr": "12"})
        assert r.status_code == 422
        assert "CVR-nummer skal være 8 cifre." in text(r)
        assert "Der findes allerede" not in text(r)
        pages.append(_page_without_tokens(r, email))
    assert pages[0] == pages[1]
    assert counts(app) == before


# --- pending until the link is followed --------------------------------------------------------------------

def test_a_pending_account_cannot_log_in_and_only_the_right_password_hears_why(app, client):
    client.post("/ngo/signup", data=SIGNUP)
    right = client.post("/login", data={"email": SIGNUP["user_email"], "password": DEMO_PASSWORD})
    assert right.status_code == 422 and PENDING_TEXT in text(right)
    assert not _logged_in(client)
    wrong = client.post("/login", data={"email": SIGNUP["user_email"], "password": "forkert-forkert"})
    unknown = client.post("/login", data={"email": "ukendt@example.org", "password": "forkert-forkert"})
    assert wrong.status_code == unknown.status_code == 422
    assert LOGIN_FAILED_START in text(wrong) and PENDING_TEXT not in text(wrong)
    assert _page_without_tokens(wrong, SIGNUP["user_email"]) == _page_without_tokens(unknown, "ukendt@example.org")


def test_the_link_shows_a_button_first_then_activates_and_logs_in(app, client):
    client.post("/ngo/signup", data=SIGNUP)
    (subject, body), = mails_to(app, SIGNUP["user_email"])
    assert subject == "Bekræft din e-mailadresse til civilmatch" and "48 timer" in body
    path = signup_link(app, SIGNUP["user_email"])
    page = client.get(path)
    assert page.status_code == 200 and "Bekræft og log ind" in text(page)
    assert client.get(path).status_code == 200  # opening it (as a mail scanner does) spends nothing
    r = client.post(path)
    assert r.status_code == 302 and r.headers["Location"].endswith("/ngo/")
    assert _logged_in(client) and client.get("/ngo/").status_code == 200
    client.post("/logout")
    assert client.post("/login", data={"email": SIGNUP["user_email"], "password": DEMO_PASSWORD}).status_code == 302


def test_a_spent_link_is_refused_with_410(app, client):
    client.post("/ngo/signup", data=SIGNUP)
    path = signup_link(app, SIGNUP["user_email"])
    client.post(path)
    other = app.test_client()
    for response in (other.get(path), other.post(path)):
        assert response.status_code == 410
        assert "Linket er allerede brugt, og kontoen er aktiveret." in text(response)
    assert not _logged_in(other)


def test_an_expired_link_is_refused_with_410_and_a_forged_one_with_404(app, client, monkeypatch):
    client.post("/ngo/signup", data=SIGNUP)
    path = signup_link(app, SIGNUP["user_email"])
    _age(app, SIGNUP["user_email"], 49)  # the stored expiry has passed
    r = client.post(path)
    assert r.status_code == 410 and "Linket er udløbet." in text(r) and "48 timer" in text(r)
    assert not _logged_in(client)

    fresh = app.test_client()
    fresh.post("/ngo/signup", data={**SIGNUP, "user_email": "ole@example.org", "org_name": "Oles Forening"})
    path = signup_link(app, "ole@example.org")
    real_timestamp = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: real_timestamp(self) + 49 * 3600)
    assert fresh.get(path).status_code == 410  # the signature's own age is checked too
    monkeypatch.undo()

    assert fresh.get(path[:-3] + "xyz").status_code == 404
    assert fresh.get("/ngo/aktiver/ikke-et-link").status_code == 404
    reminder_style = path.replace("/ngo/aktiver/", "/ngo/bekraeft/")  # a sign-up link confirms no offer
    assert fresh.get(reminder_style).status_code == 404


def test_signing_up_again_while_pending_mails_a_fresh_link_for_the_first_sign_up(app, client):
    client.post("/ngo/signup", data=SIGNUP)
    before = counts(app)
    again = app.test_client().post("/ngo/signup", data={**SIGNUP, "org_name": "Et helt andet navn",
                                                          "password": "andet-kodeord-1", "password2": "andet-kodeord-1"})
    assert again.status_code == 200 and "Tjek din e-mail" in text(again)
    orgs, users, links, outbox = counts(app)
    assert (orgs, users, outbox) == (before[0], before[1], before[3] + 1) and links == before[2] + 1
    (_s1, first), (_s2, second) = mails_to(app, SIGNUP["user_email"])
    assert "Familiehuset Kolding" in second and "venter stadig" in second
    confirm_signup(app, client, SIGNUP["user_email"])
    assert "Familiehuset Kolding" in text(client.get("/ngo/"))  # the first sign-up's data and password
    client.post("/logout")
    assert client.post("/login", data={"email": SIGNUP["user_email"], "password": DEMO_PASSWORD}).status_code == 302
    assert first != second


# --- purge ----------------------------------------------------------------------------------------------------

def _users(app) -> set[str]:
    from web.extensions import db

    with app.app_context():
        return set(db.session.scalars(select(User.email)))


def _orgs(app) -> set[str]:
    from web.extensions import db

    with app.app_context():
        return set(db.session.scalars(select(Organisation.name)))


@pytest.mark.parametrize("how", ["command", "schedule"])
def test_sign_ups_nobody_confirmed_in_time_are_purged(app, runner, factory, how):
    factory.user("caseworker", email="aktiv@example.org")
    app.test_client().post("/ngo/signup", data={**SIGNUP, "user_email": "gammel@example.org", "org_name": "Gammel"})
    app.test_client().post("/ngo/signup", data={**SIGNUP, "user_email": "frisk@example.org", "org_name": "Frisk"})
    confirmed = app.test_client()
    confirmed.post("/ngo/signup", data={**SIGNUP, "user_email": "bekraeftet@example.org", "org_name": "Bekræftet"})
    confirm_signup(app, confirmed, "bekraeftet@example.org")
    _age(app, "gammel@example.org", 49)
    old_link = signup_link(app, "gammel@example.org")

    if how == "command":
        from web.cli import purge_cmd

        result = runner.invoke(purge_cmd)
        assert result.exit_code == 0 and "1 ubekræftede tilmeldinger slettet" in result.output
    else:
        app.extensions["civilmatch.purge_schedule"]._next = 0.0  # due now
        assert app.test_client().get("/healthz").status_code == 200

    assert "gammel@example.org" not in _users(app) and "Gammel" not in _orgs(app)
    assert {"aktiv@example.org", "frisk@example.org", "bekraeftet@example.org"} <= _users(app)
    assert {"Frisk", "Bekræftet"} <= _orgs(app)
    from web.extensions import db

    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ConfirmLink)
                                 .where(ConfirmLink.user_id.is_(None), ConfirmLink.offer_id.is_(None))) == 0
    assert app.test_client().get(old_link).status_code in (404, 410)
    # the address is free again: a new sign-up with it starts over
    again = app.test_client()
    again.post("/ngo/signup", data={**SIGNUP, "user_email": "gammel@example.org", "org_name": "Gammel igen"})
    confirm_signup(app, again, "gammel@example.org")
    assert "Gammel igen" in text(again.get("/ngo/"))


def test_purge_keeps_an_organisation_that_got_a_confirmed_editor(app, session):
    """A pending organisation is only deleted once no account belongs to it."""
    settings = signups.MailSettings(secret="s", base_url="http://x", sender="x@example.org")
    org_clean, user_clean = signups.validate({"name": "Foreningen"}, {"email": "a@example.org", "password": "x" * 12})
    signups.register(session, org_clean, user_clean, settings, now=utcnow() - timedelta(hours=49))
    session.commit()
    org = session.scalar(select(Organisation).where(Organisation.name == "Foreningen"))
    from catalog import services

    services.create_user(session, {"email": "b@example.org", "password": "y" * 12, "role": "ngo_editor"},
                         organisation=org)
    session.commit()
    assert signups.purge_pending(session) == 1
    session.commit()
    assert session.scalar(select(Organisation.id).where(Organisation.name == "Foreningen")) == org.id


# --- administration --------------------------------------------------------------------------------------------

def test_admin_pages_show_pending_sign_ups_as_pending(app, client, factory, login):
    client.post("/ngo/signup", data=SIGNUP)
    _, admin = factory.user("admin")
    login(admin)
    users = text(client.get("/admin/users"))
    row = users[users.index(SIGNUP["user_email"]):]
    assert "Afventer bekræftelse af e-mail" in row[:row.index("</tr>")]
    orgs = text(client.get("/admin/organisations"))
    row = orgs[orgs.index("Familiehuset Kolding"):]
    assert "Afventer bekræftelse af e-mail" in row[:row.index("</tr>")]
    dashboard = text(client.get("/admin/"))
    assert "Familiehuset Kolding" not in dashboard  # not waiting for an admin before the address is confirmed
