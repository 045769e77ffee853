"""The `civilmatch` command line (a Flask CLI group: every command runs inside the app)."""
from __future__ import annotations

import json
import secrets
import sys
from typing import NoReturn
from pathlib import Path

import click
from flask import current_app
from sqlalchemy import select
from werkzeug.serving import run_simple
from flask.cli import FlaskGroup

from catalog import demo
from catalog.db import after_purge, utcnow
from catalog.exchange import ImportFailed, export_catalogue, import_catalogue, read_file
from catalog.conversations import purge_expired
from catalog.models import ROLES, SCOPES, User
from catalog.services import InvalidData, create_token, create_user, find_organisation, revoke_token

from . import create_app
from .extensions import db


def _cli_app():
    # Commands are maintenance (imports, backups): no per-statement limit, unlike web requests. A command is one
    # process, so it may bring the schema up to date itself (a fresh database then just works).
    return create_app({"DB_STATEMENT_TIMEOUT_MS": 0, "AUTO_MIGRATE": True})


@click.group(cls=FlaskGroup, create_app=_cli_app, add_version_option=False)
def main():
    """civilmatch: civilsamfundstilbud til udsatte familier."""


def _fail(message: str) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(1)


@main.command("import-offers")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--unverified", is_flag=True, help="Mark new organisations as not yet verified.")
def import_offers(path: str, unverified: bool):
    """Import offers in the exchange format; all or nothing, upsert by external_id."""
    data = None
    try:
        data = read_file(path)
        total = len(data.get("offers") or []) if isinstance(data, dict) else 0
        session = db.session
        if sys.stdout.isatty() and total:
            with click.progressbar(length=total, label="Importerer tilbud") as bar:
                report = import_catalogue(session, data, progress=bar.update, verify_organisations=not unverified)
        else:
            report = import_catalogue(session, data, verify_organisations=not unverified)
        session.commit()
    except ImportFailed as exc:
        db.session.rollback()
        click.echo(str(exc), err=True)
        for problem in exc.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(1)
    click.echo(report.summary())


@main.command("export-offers")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="File to write (default: standard output).")
def export_offers(output: str | None):
    """Write the whole catalogue in the exchange format."""
    text = json.dumps(export_catalogue(db.session), ensure_ascii=False, indent=1)
    if output:
        Path(output).write_text(text + "\n", encoding="utf-8")
        click.echo(f"Skrev kataloget til {output}", err=True)
    else:
        click.echo(text)


@main.command("create-token")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--name", required=True, help="Who or what uses the token, e.g. the municipal system's name.")
@click.option("--organisation", "org_ref", help="Organisation id or external_id (required for ngo_editor).")
@click.option("--scope", "scopes", multiple=True, type=click.Choice(SCOPES),
              help="Repeat for several; default depends on the role.")
@click.option("--days", type=click.IntRange(1, 3650), help="Expire after this many days.")
def create_token_cmd(role: str, name: str, org_ref: str | None, scopes: tuple[str, ...], days: int | None):
    """Create an API token; the token itself is the last line printed (shown once, stored hashed)."""
    org = None
    if org_ref:
        org = find_organisation(db.session, org_ref)
        if org is None:
            _fail(f"Ukendt organisation '{org_ref}'.")
    try:
        row, plain = create_token(db.session, name=name, role=role, organisation=org,
                                  scopes=list(scopes) if scopes else None, days=days)
    except InvalidData as exc:
        _fail(str(exc))
    db.session.commit()
    click.echo(f"Token {row.id} ({row.prefix}…) for {row.name}: rolle {row.role}, adgange {', '.join(row.scopes)}"
               + (f", udløber {row.expires_at:%Y-%m-%d}" if row.expires_at else ""))
    click.echo(plain)


@main.command("revoke-token")
@click.argument("token_id")
def revoke_token_cmd(token_id: str):
    """Revoke a token by its id or its prefix (cm_…)."""
    row = revoke_token(db.session, token_id)
    if row is None:
        _fail(f"Ukendt token '{token_id}'.")
    db.session.commit()
    click.echo(f"Token {row.id} ({row.name}) er tilbagekaldt.")


@main.command("create-user")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--name", default="")
@click.option("--organisation", "org_ref", help="Organisation id or external_id (for ngo_editor).")
@click.option("--home-municipality", help="A caseworker's home municipality.")
@click.password_option(help="At least 10 characters.")
def create_user_cmd(email, role, name, org_ref, home_municipality, password):
    """Create a user who can log in on the web."""
    org = find_organisation(db.session, org_ref) if org_ref else None
    if org_ref and org is None:
        _fail(f"Ukendt organisation '{org_ref}'.")
    try:
        user = create_user(db.session, {"email": email, "name": name, "password": password, "role": role,
                                        "home_municipality": home_municipality}, organisation=org)
    except InvalidData as exc:
        _fail(str(exc))
    db.session.commit()
    click.echo(f"Bruger {user.email} oprettet med rollen {user.role}.")


def _demo_passwords() -> dict[str, str]:
    path = Path(current_app.instance_path) / "demo_logins.json"
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    passwords = {email: "demo-" + secrets.token_urlsafe(9) for email, *_ in demo.DEMO_USERS}
    path.write_text(json.dumps(passwords), encoding="utf-8")
    path.chmod(0o600)
    return passwords


@main.command("load-demo")
def load_demo_cmd():
    """Load the demo catalogue and demo users into an empty database."""
    if not demo.is_empty(db.session):
        click.echo("Databasen har allerede tilbud; demodata blev ikke indlæst.")
        return
    logins = demo.load_demo(db.session, _demo_passwords())
    db.session.commit()
    _print_logins(logins)


def _print_logins(logins) -> None:
    click.echo("Demo-logins (rolle, e-mail, adgangskode):")
    for role, email, password in logins:
        click.echo(f"  {role:<11} {email:<36} {password}")


@main.command("serve")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@click.option("--no-demo", is_flag=True, help="Do not load the demo catalogue into an empty database.")
def serve(host: str, port: int, no_demo: bool):
    """Start the service (with the demo catalogue on first start) on http://127.0.0.1:5000."""
    from catalog.db import upgrade

    upgrade(current_app.config["DATABASE_URL"])  # one process: it may migrate itself (production: `db upgrade`)
    if host in ("127.0.0.1", "localhost", "::1"):
        current_app.config["SESSION_COOKIE_SECURE"] = False  # plain HTTP on loopback for development
    passwords = _demo_passwords()
    if not no_demo and demo.is_empty(db.session):
        demo.load_demo(db.session, passwords)
        db.session.commit()
        click.echo("Demokataloget er indlæst.")
    existing = {u.email: u.role for u in db.session.scalars(select(User).where(User.email.in_(list(passwords))))}
    if existing:
        _print_logins([(existing[e], e, p) for e, p in passwords.items() if e in existing])
    click.echo(f"civilmatch kører på http://{host}:{port}/  (stop med Ctrl+C)")
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the app behind the proxy
    db.session.close()
    # Flask's app.run() refuses to start inside a CLI command; werkzeug's server is what it would run.
    run_simple(host, port, app, threaded=True, use_reloader=False)


@main.command("purge")
def purge_cmd():
    """Delete conversations past their retention period and sign-ups nobody confirmed in time."""
    from catalog.signup import purge_pending

    now = utcnow()
    n = purge_expired(db.session, now)
    signups = purge_pending(db.session, now)
    db.session.commit()
    db.session.close()
    after_purge(db.engine())
    click.echo(f"{n} udløbne samtaler slettet. {signups} ubekræftede tilmeldinger slettet.")

from .hsds.cli import register as _register_hsds  # noqa: E402
_register_hsds(main)


@main.command("remind")
@click.option("--dry-run", is_flag=True, help="Only list the offers due for confirmation; send nothing.")
def remind_cmd(dry_run: bool):
    """Ask organisations to confirm offers unconfirmed for a while (cron-friendly; one message each)."""
    from catalog import reminders
    from catalog.mail import MailError

    cfg = current_app.config
    if dry_run:
        for offer in reminders.due_offers(db.session):
            click.echo(f"{offer.organisation.name}: {offer.title}")
        return
    try:
        report = reminders.send_reminders(db.session, secret=cfg["SECRET_KEY"], base_url=cfg["BASE_URL"],
                                          sender=cfg["MAIL_FROM"], smtp_url=cfg.get("SMTP_URL"))
    except MailError as exc:
        db.session.rollback()
        _fail(str(exc))
    click.echo(report.summary())


@main.group("db")
def db_group():
    """Database schema."""


@db_group.command("upgrade")
def db_upgrade_cmd():
    """Bring the schema to the newest migration. Run once per deploy, before starting the workers."""
    from catalog.db import upgrade

    upgrade(current_app.config["DATABASE_URL"])
    click.echo("Databasen er opdateret til nyeste version.")


@main.command("list-tokens")
@click.option("--all", "show_all", is_flag=True, help="Include revoked and expired tokens.")
def list_tokens_cmd(show_all: bool):
    """List API tokens (never the tokens themselves: they are stored hashed)."""
    from sqlalchemy import select

    from catalog.models import ApiToken

    now = utcnow()
    rows = db.session.scalars(select(ApiToken).order_by(ApiToken.id)).all()
    click.echo(f"{'id':>4}  {'præfiks':<12} {'rolle':<11} {'status':<12} {'udløber':<10} {'sidst brugt':<16} "
               f"{'adgange':<30} navn")
    for t in rows:
        status = "tilbagekaldt" if t.revoked_at else "udløbet" if t.expires_at and t.expires_at <= now else "gyldig"
        if status != "gyldig" and not show_all:
            continue
        click.echo(f"{t.id:>4}  {t.prefix:<12} {t.role:<11} {status:<12} "
                   f"{t.expires_at.strftime('%Y-%m-%d') if t.expires_at else '-':<10} "
                   f"{t.last_used_at.strftime('%Y-%m-%d %H:%M') if t.last_used_at else '-':<16} "
                   f"{','.join(t.scopes or []):<30} {t.name}")


def _libpq_url(url) -> str:
    """A SQLAlchemy PostgreSQL URL as libpq (pg_dump/pg_restore) understands it."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


@main.command("backup")
@click.argument("path", type=click.Path(dir_okay=False))
def backup_cmd(path: str):
    """Copy the whole database (users, tokens, reviews, verification, conversations) to PATH, while it runs.

    SQLite: SQLite's online backup API. PostgreSQL: pg_dump's custom format."""
    import sqlite3
    import subprocess

    from sqlalchemy.engine import make_url

    url = make_url(current_app.config["DATABASE_URL"])
    target = Path(path)
    if url.get_backend_name() == "sqlite":
        with sqlite3.connect(url.database or ":memory:") as source, sqlite3.connect(target) as copy:
            source.backup(copy)
        target.chmod(0o600)
    elif url.get_backend_name() == "postgresql":
        done = subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--file", str(target), _libpq_url(url)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            _fail("pg_dump fejlede: " + done.stderr.strip()[-500:])
        target.chmod(0o600)
    else:
        _fail(f"Sikkerhedskopi understøttes ikke for {url.get_backend_name()}.")
    click.echo(f"Sikkerhedskopi skrevet til {target}.")


@main.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask: replace the database's contents.")
def restore_cmd(path: str, yes: bool):
    """Replace the whole database with a backup made by `civilmatch backup` (stop the service first)."""
    import sqlite3
    import subprocess

    from sqlalchemy.engine import make_url

    if not yes:
        click.confirm("Det nuværende indhold af databasen erstattes af sikkerhedskopien. Fortsæt?", abort=True)
    url = make_url(current_app.config["DATABASE_URL"])
    db.session.close()
    db.engine().dispose()
    if url.get_backend_name() == "sqlite":
        with sqlite3.connect(path) as source, sqlite3.connect(url.database or ":memory:") as target:
            source.backup(target)
    elif url.get_backend_name() == "postgresql":
        done = subprocess.run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
                               "--dbname", _libpq_url(url), path], capture_output=True, text=True)
        if done.returncode != 0:
            _fail("pg_restore fejlede: " + done.stderr.strip()[-500:])
    else:
        _fail(f"Gendannelse understøttes ikke for {url.get_backend_name()}.")
    from catalog.db import upgrade

    upgrade(current_app.config["DATABASE_URL"])  # a backup from an older version gets today's schema
    click.echo(f"Databasen er gendannet fra {path}.")
