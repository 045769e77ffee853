"""`civilmatch import-hsds PATH` and `civilmatch export-hsds [-o FILE]` (Open Referral HSDS 3.0)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from catalog.exchange import ImportFailed
from catalog.hsds import export_hsds, import_hsds, read_documents

from ..extensions import db


def register(main: click.Group) -> None:
    main.add_command(import_hsds_cmd)
    main.add_command(export_hsds_cmd)


@click.command("import-hsds")
@click.argument("path", type=click.Path())
@click.option("--unverified", is_flag=True, help="Mark new organisations as not yet verified.")
@with_appcontext
def import_hsds_cmd(path: str, unverified: bool):
    """Import HSDS 3.0 JSON: a service, an organization or a page of them, our export file, or a folder of
    such files. All or nothing; upsert by the HSDS id. Areas that are not Danish municipalities are dropped;
    a service without any becomes 'Hele landet' (each case is listed as a warning)."""
    try:
        docs = read_documents(path)
        report = import_hsds(db.session, docs, verify_organisations=not unverified)
        db.session.commit()
    except ImportFailed as exc:
        db.session.rollback()
        click.echo(str(exc), err=True)
        for problem in exc.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(1)
    for warning in report.warnings:
        click.echo(f"Advarsel: {warning}", err=True)
    click.echo(report.summary())


@click.command("export-hsds")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="File to write (default: standard output).")
@with_appcontext
def export_hsds_cmd(output: str | None):
    """Write the whole catalogue as HSDS 3.0 JSON: {"version", "organizations": [...], "services": [...]}."""
    from . import concepts_fn

    text = json.dumps(export_hsds(db.session, concepts=concepts_fn()), ensure_ascii=False, indent=1)
    if output:
        Path(output).write_text(text + "\n", encoding="utf-8")
        click.echo(f"Skrev kataloget som HSDS 3.0 til {output}", err=True)
    else:
        click.echo(text)
