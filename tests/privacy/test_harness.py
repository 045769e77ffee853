"""The privacy harness on 300 generated cases in the normal suite: any CPR number, phone number, e-mail,
address or name that reaches a table, the SQLite file or its WAL, or the DEBUG logs fails the build; so does a
name echoed by /api/v1/match's `understood`. (`python tests/privacy/harness.py --cases 3000` prints the table.)"""
from __future__ import annotations

from tests.privacy.harness import KINDS, RESPONSES, STORAGE, Harness, format_report

CASES = 300


def test_no_personal_data_reaches_storage_logs_or_responses(tmp_path, monkeypatch):
    monkeypatch.delenv("CIVILMATCH_DATABASE_URL", raising=False)
    report = Harness(CASES, workdir=tmp_path).run()
    table = format_report(report)
    print(table)
    totals = report["totals"]
    assert all(totals[k] > 0 for k in KINDS), table            # the texts do carry every kind
    assert all(report["responses"][w] > 0 for w in RESPONSES), table   # every entry point was used
    for where in STORAGE:
        assert all(report["table"][where][k] == 0 for k in KINDS), table
    # responses: nothing echoed, except the caseworker's own message in the answer's marked element
    for where in RESPONSES:
        assert all(report["table"][where][k] == 0 for k in KINDS), table
    over = report["over"]
    assert over["case_removed"] / over["case_words"] < 0.01, table
    assert over["demo_removed"] / over["demo_words"] < 0.01, table
