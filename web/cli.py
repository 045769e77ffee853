"""The `civilmatch` command line (a Flask CLI group: every command runs inside the app)."""
from __future__ import annotations

import json
import secrets
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup

from catalog import demo
from catalog.db import utcnow
from catalog.exchange import ImportFailed, export_catalogue, import_catalogue, read_file
from catalog.models import ROLES, SCOPES
from catalog.services import InvalidData, create_token, create_user, find_organisation, revoke_token

from . import create_app
from .extensions import db


@click.group(cls=FlaskGroup, create_app=lambda: create_app(), add_version_option=False)
def main():
    """civilmatch: civilsamfundstilbud til udsatte familier."""


def _fail(message: str) -> None:
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
    passwords = _demo_passwords()
    if not no_demo and demo.is_empty(db.session):
        demo.load_demo(db.session, passwords)
        db.session.commit()
        click.echo("Demokataloget er indlæst.")
    from catalog.models import User
    from sqlalchemy import select

    existing = {u.email: u.role for u in db.session.scalars(select(User).where(User.email.in_(list(passwords))))}
    if existing:
        _print_logins([(existing[e], e, p) for e, p in passwords.items() if e in existing])
    click.echo(f"civilmatch kører på http://{host}:{port}/  (stop med Ctrl+C)")
    from werkzeug.serving import run_simple

    app = current_app._get_current_object()
    db.session.close()
    # Flask's app.run() refuses to start inside a CLI command; werkzeug's server is what it would run.
    run_simple(host, port, app, threaded=True, use_reloader=False)


@main.command("purge")
def purge_cmd():
    """Delete conversations past their retention period."""
    from catalog.conversations import purge_expired

    from catalog.db import after_purge

    n = purge_expired(db.session, utcnow())
    db.session.commit()
    db.session.close()
    after_purge(db.engine())
    click.echo(f"{n} udløbne samtaler slettet.")

from .hsds.cli import register as _register_hsds  # noqa: E402
_register_hsds(main)
