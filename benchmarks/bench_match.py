"""Benchmark matching: index build time, memory and query latency at 130, 10,000 and 100,000 offers.

    .venv/bin/python benchmarks/bench_match.py [catalogue.json] [--sizes 130,10000,100000] [--engine-only]

Offers are cloned from the catalogue (new ids, areas rotated over the 98 municipalities) up to each size.
By default each size is imported into a new SQLite database (`catalog.exchange.import_catalogue`) by one
process; a second, fresh process builds the app and measures
- build s: the first /api/v1/match's index build (MatchIndex.fresh: load all offers from the database + index),
- RSS MB: the process's resident memory after the build,
- p50/p95 ms: POST /api/v1/match through Flask's test client (token check, catalogue-version check, matching,
  loading the result offers, JSON) for 16 generic queries, each 3 times.
`--engine-only` measures the pure MatchEngine instead (no Flask, no database).
``measure(n, query_fn)`` is reusable: give it a function ``query_fn(text) -> object``.
"""
from __future__ import annotations

import argparse
import csv
import gc
import json
import statistics
import sys
import time
from pathlib import Path
from collections.abc import Callable
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from matcher import MatchEngine  # noqa: E402

DEFAULT_CATALOGUE = ROOT / "catalog" / "data" / "demo_catalogue.json"

# Generic caseworker-style queries written for the benchmark.
QUERIES = [
    "Mor på 22 med en baby på 3 mdr, føler sig alene og trist, bor i Aarhus",
    "dreng 12 år i Odense har svært ved matematik og lektier",
    "familie i København med gæld og rykkere, to børn på 4 og 8",
    "pige på 15 er ked af det og har angst, vil gerne tale anonymt med nogen",
    "far sidder i fængsel, søn på 9, Aalborg Kommune",
    "forældrene er gået fra hinanden, datter 10 år, Vejle",
    "flygtningefamilie fra Syrien i Kolding, mor taler kun arabisk, børn 3 og 6",
    "sommerferie for familie med lav indkomst, børn 5 og 11, Esbjerg",
    "ung på 17 mangler en voksen at tale med og en mentor",
    "barn med autisme 7 år, forældrene er slidte, Randers",
    "julehjælp og tøj til børnene, enlig mor, Horsens",
    "mor drikker for meget, pige på 13, Roskilde",
    "vold i hjemmet, mor og to børn på krisecenter, 4 og 9 år",
    "fritidsaktivitet til dreng på 10 der sidder derhjemme, Herning, gratis",
    "gravid 19-årig uden netværk i Silkeborg",
    "mobning i skolen, 11-årig pige, ikke online",
]


def rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def load_records(path: Path) -> list[dict[str, Any]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    orgs = {o.get("external_id"): o.get("name", "") for o in data.get("organisations", [])}
    recs = []
    for i, o in enumerate(data.get("offers", [])):
        r = dict(o)
        r["id"] = i + 1
        r["organisation"] = orgs.get(o.get("organisation"), str(o.get("organisation") or ""))
        r.setdefault("elements_count", 0)
        r.setdefault("assured_at", None)
        recs.append(r)
    return recs


def municipalities() -> list[str]:
    p = ROOT / "catalog" / "data" / "kommuner.csv"
    with p.open(encoding="utf-8") as f:
        return [r["kommune"] for r in csv.DictReader(f)]


def clone(base: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    munis = municipalities()
    out = []
    for i in range(n):
        r = dict(base[i % len(base)])
        r["id"] = i + 1
        copy_no = i // len(base)
        if copy_no and r.get("areas") != ["Hele landet"]:
            k = len(r.get("areas") or [1])
            r["areas"] = [munis[(copy_no * 7 + j * 13 + i) % len(munis)] for j in range(k)]
        out.append(r)
    return out


def percentile(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    k = max(0, min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1)))))
    return xs[k]


def measure(n: int, query_fn: Callable[[str], Any], repeats: int = 3) -> dict[str, float]:
    """Run every benchmark query ``repeats`` times through ``query_fn``; returns p50/p95 ms."""
    for q in QUERIES[:3]:  # warm caches
        query_fn(q)
    times = []
    for _ in range(repeats):
        for q in QUERIES:
            t0 = time.perf_counter()
            query_fn(q)
            times.append((time.perf_counter() - t0) * 1000)
    return {"offers": n, "p50_ms": statistics.median(times), "p95_ms": percentile(times, 95)}


def bench_engine(base: list[dict[str, Any]], n: int) -> dict[str, float]:
    recs = clone(base, n)
    gc.collect()
    t0 = time.perf_counter()
    engine = MatchEngine()
    engine.rebuild(recs)
    build = time.perf_counter() - t0
    res = measure(n, lambda q, match=engine.match: match(q, limit=10))
    res["build_s"] = build
    res["rss_mb"] = rss_mb()
    del engine, recs
    gc.collect()
    return res


def _prepare_database(catalogue: Path, n: int, tmp: Path) -> None:
    """Clone the catalogue to n offers and import them (in its own process, so the import's memory
    does not count towards the measured process)."""
    import os

    os.environ["CIVILMATCH_INSTANCE_PATH"] = str(tmp)
    os.environ["CIVILMATCH_DATABASE_URL"] = f"sqlite:///{tmp / 'bench.db'}"
    from catalog import services
    from catalog.exchange import import_catalogue
    from web import create_app
    from web.extensions import db

    data = json.loads(catalogue.read_text(encoding="utf-8"))
    base = data["offers"]
    munis = municipalities()
    offers = []
    for i in range(n):
        o = dict(base[i % len(base)])
        copy_no = i // len(base)
        o["external_id"] = f"bench-{i}"
        o["status"] = "published"
        if copy_no and o.get("areas") != ["Hele landet"]:
            k = len(o.get("areas") or [1])
            o["areas"] = [munis[(copy_no * 7 + j * 13 + i) % len(munis)] for j in range(k)]
        offers.append(o)
    app = create_app({"AUTO_MIGRATE": True})  # the deploy step (`civilmatch db upgrade`) of a fresh database
    with app.app_context():
        import_catalogue(db.session, {"organisations": data["organisations"], "offers": offers})
        _, token = services.create_token(db.session, name="bench", role="caseworker")
        db.session.commit()
    (tmp / "token").write_text(token, encoding="utf-8")


def bench_flask(tmp: Path, n: int) -> dict[str, float]:
    """One size through the whole service, in a process that only serves (RSS is the service's own)."""
    import os

    os.environ["CIVILMATCH_INSTANCE_PATH"] = str(tmp)
    os.environ["CIVILMATCH_DATABASE_URL"] = f"sqlite:///{tmp / 'bench.db'}"
    os.environ["CIVILMATCH_RATELIMIT_ENABLED"] = "0"
    from web import create_app
    from web.extensions import db
    from web.matching import match_index

    token = (tmp / "token").read_text(encoding="utf-8")
    app = create_app()
    with app.app_context():
        t0 = time.perf_counter()
        match_index().fresh(db.session)
        build = time.perf_counter() - t0
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}

    def ask(text: str) -> None:
        r = client.post("/api/v1/match", json={"text": text, "limit": 10}, headers=headers)
        assert r.status_code == 200, r.status_code

    res = measure(n, ask)
    res["build_s"] = build
    res["rss_mb"] = rss_mb()
    return res


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("catalogue", nargs="?", default=str(DEFAULT_CATALOGUE))
    ap.add_argument("--sizes", default="130,10000,100000")
    ap.add_argument("--engine-only", action="store_true", help="the pure MatchEngine, no Flask or database")
    ap.add_argument("--prepare", nargs=2, help=argparse.SUPPRESS)  # internal: N DIR
    ap.add_argument("--one", nargs=2, help=argparse.SUPPRESS)      # internal: N DIR, print JSON
    args = ap.parse_args(argv)
    if args.prepare:
        _prepare_database(Path(args.catalogue), int(args.prepare[0]), Path(args.prepare[1]))
        return
    if args.one:
        print(json.dumps(bench_flask(Path(args.one[1]), int(args.one[0]))))
        return
    what = "MatchEngine.match" if args.engine_only else "POST /api/v1/match via Flask's test client"
    print(f"# {what}; catalogue cloned from {Path(args.catalogue).name}")
    print(f"{'offers':>8} {'build s':>8} {'RSS MB':>8} {'p50 ms':>8} {'p95 ms':>8}")
    base = load_records(Path(args.catalogue)) if args.engine_only else None
    for n in (int(x) for x in args.sizes.split(",")):
        if args.engine_only:
            r = bench_engine(base, n)
        else:
            import subprocess
            import tempfile

            tmp = tempfile.mkdtemp(prefix="civilmatch-bench-")
            subprocess.run([sys.executable, __file__, args.catalogue, "--prepare", str(n), tmp], check=True,
                           capture_output=True, text=True)
            out = subprocess.run([sys.executable, __file__, args.catalogue, "--one", str(n), tmp], check=True,
                                 capture_output=True, text=True).stdout
            r = json.loads(out.strip().splitlines()[-1])
        print(f"{r['offers']:>8} {r['build_s']:>8.2f} {r['rss_mb']:>8.0f} {r['p50_ms']:>8.2f} {r['p95_ms']:>8.2f}",
              flush=True)


if __name__ == "__main__":
    main()
