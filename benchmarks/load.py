"""Load and fault test against the running service: gunicorn on loopback, many concurrent clients.

    python benchmarks/load.py                         # 10,000 offers, 50 clients, 60 s, SQLite
    python benchmarks/load.py --seconds 10 --offers 2000 --clients 20      # the short run CI does
    python benchmarks/load.py --fault                 # own throw-away PostgreSQL, stopped and started mid-load
    python benchmarks/load.py --probe --offers 100000 # the heaviest single requests, one at a time
    python benchmarks/load.py --clone 100000 big.json # only write a cloned catalogue (for `civilmatch import-offers`)

The mix: mostly `POST /api/v1/match` with a caseworker token; NGO edits (`PATCH /api/v1/offers/{id}` with the
version read, so concurrent edits get 409, which is correct behaviour, not an error); anonymous HSDS pages.
Prints throughput, latency percentiles per kind and a count of every status. An error is a 5xx, a 4xx other
than 409, or a failed connection; in fault mode a 503 (with Retry-After) while the database is down is the
expected answer and is counted apart from other failures.

Only public tools: gunicorn, the `civilmatch` command, PostgreSQL's initdb/pg_ctl, the requests library.
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CATALOGUE = ROOT.parent / "shared" / "eval" / "dev" / "catalogue.json"
BIN = Path(sys.executable).parent

QUERIES = [
    "Enlig mor på 19 med en baby på 4 mdr, virker trist og isoleret, bor i Vejle",
    "Far sidder i fængsel, drengen på 9 er ked af det. Bor i Aarhus.",
    "Pige på 12 har mistet sin mor og har brug for en sorggruppe i København",
    "Familien har svært ved at få økonomien til at hænge sammen, to børn på 4 og 7, Odense",
    "Dreng på 15 mistrives i skolen og har brug for lektiehjælp, Aalborg",
    "Mor med fødselsdepression søger netværk med andre mødre i Esbjerg",
    "Skilsmisse, to børn på 6 og 10 har brug for nogen at tale med, Randers",
    "Nyankommen familie, arabisk, har brug for hjælp til at forstå det danske system, Vejle",
]


# --- the catalogue ---------------------------------------------------------------------------------------

def clone_catalogue(source: Path, n: int) -> dict:
    """`n` offers cloned from the source catalogue in the exchange format; copies get their own external id
    and other municipalities, so the index sees a realistic spread."""
    data = json.loads(source.read_text(encoding="utf-8"))
    sys.path.insert(0, str(ROOT))
    from catalog.municipalities import all_municipalities

    munis = sorted(m.name for m in all_municipalities())
    base = data["offers"]
    offers = []
    for i in range(n):
        offer = dict(base[i % len(base)])
        copy_no = i // len(base)
        offer["external_id"] = f"load-{i}"
        offer["status"] = "published"
        if copy_no and offer.get("areas") != ["Hele landet"]:
            k = len(offer.get("areas") or [1])
            offer["areas"] = sorted({munis[(copy_no * 7 + j * 13 + i) % len(munis)] for j in range(k)})
        offers.append(offer)
    return {"organisations": data["organisations"], "offers": offers}


def civilmatch(env: dict, *args: str) -> str:
    done = subprocess.run([str(BIN / "civilmatch"), *args], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"civilmatch {args[0]} failed: {done.stderr.strip()[-2000:]}")
    return done.stdout


def prepare(env: dict, workdir: Path, catalogue: Path, n: int) -> dict:
    """Migrate, import `n` offers, create a caseworker token and an NGO editor token per organisation."""
    civilmatch(env, "db", "upgrade")
    path = workdir / "catalogue.json"
    path.write_text(json.dumps(clone_catalogue(catalogue, n), ensure_ascii=False), encoding="utf-8")
    civilmatch(env, "import-offers", str(path))
    caseworker = civilmatch(env, "create-token", "--role", "caseworker", "--name", "load",
                            "--scope", "match").strip().splitlines()[-1]
    data = json.loads(path.read_text(encoding="utf-8"))
    org_ref = data["offers"][0]["organisation"]
    editor = civilmatch(env, "create-token", "--role", "ngo_editor", "--name", "load editor",
                        "--organisation", str(org_ref), "--scope", "offers:write").strip().splitlines()[-1]
    own = [o["external_id"] for o in data["offers"] if o["organisation"] == org_ref][:20]
    return {"caseworker": caseworker, "editor": editor, "own_external_ids": own}


# --- a throw-away PostgreSQL --------------------------------------------------------------------------

def postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ThrowAwayPostgres:
    """A PostgreSQL cluster in its own folder on its own port, gone when stopped."""

    def __init__(self, folder: Path, port: int | None = None):
        self.bin = postgres_bin()
        if self.bin is None:
            raise RuntimeError("PostgreSQL's initdb/pg_ctl are not installed (/usr/lib/postgresql/*/bin)")
        self.folder, self.port = folder, port or free_port()
        self.data = folder / "data"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        cmd = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root; use the postgres account when we are root
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {done.stderr.strip()[-1000:]}")

    def init(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--no-sync", "--locale=C.UTF-8")

    def start(self) -> None:
        opts = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", opts, "-l", str(self.folder / "log"), "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def destroy(self) -> None:
        try:
            self.stop()
        except Exception:  # noqa: BLE001 - already stopped
            pass
        shutil.rmtree(self.folder, ignore_errors=True)


# --- the server -------------------------------------------------------------------------------------

def start_gunicorn(env: dict, port: int, workers: int, log: Path) -> subprocess.Popen:
    # The server's log goes to a file: a pipe nobody reads would fill up and stall the workers.
    with open(log, "ab") as out:
        proc = subprocess.Popen([str(BIN / "gunicorn"), "-w", str(workers), "--threads", "4", "-b",
                                 f"127.0.0.1:{port}", "--timeout", "30", "--graceful-timeout", "5", "wsgi:app"],
                                cwd=str(ROOT), env=env, stdout=out, stderr=out, start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/readyz", timeout=60).status_code == 200:
                return proc
        except requests.RequestException:
            pass
        if proc.poll() is not None:
            raise SystemExit("gunicorn stopped: " + log.read_text(errors="replace")[-2000:])
        time.sleep(0.5)
    raise SystemExit("gunicorn did not get ready within 120 s")


def stop_process(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


# --- the clients -----------------------------------------------------------------------------------------

class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.status: Counter = Counter()
        self.by_kind: dict[str, Counter] = defaultdict(Counter)
        self.missing_retry_after = 0
        self.db_down = threading.Event()
        self.during_outage: Counter = Counter()
        self.started = time.time()
        self.timeline: dict[int, Counter] = defaultdict(Counter)   # 5-second bucket -> statuses

    def record(self, kind: str, status: str, seconds: float, retry_after: bool = True) -> None:
        with self.lock:
            self.latency[kind].append(seconds)
            self.status[status] += 1
            self.by_kind[kind][status] += 1
            if status in ("429", "503") and not retry_after:
                self.missing_retry_after += 1
            if self.db_down.is_set():
                self.during_outage[status] += 1
            self.timeline[int((time.time() - self.started) // 5)][status] += 1


def client_loop(base: str, tokens: dict, offer_ids: list[int], stop_at: float, stats: Stats, seed: int,
                edit_share: float = 0.05, hsds_share: float = 0.2) -> None:
    rnd = random.Random(seed)
    http = requests.Session()
    match_headers = {"Authorization": f"Bearer {tokens['caseworker']}"}
    edit_headers = {"Authorization": f"Bearer {tokens['editor']}"}
    while time.time() < stop_at:
        roll = rnd.random()
        t0 = time.perf_counter()
        try:
            if roll < edit_share and offer_ids:
                kind = "ngo edit"
                offer_id = rnd.choice(offer_ids)
                current = http.get(f"{base}/api/v1/offers/{offer_id}", headers=edit_headers, timeout=30)
                if current.status_code == 200:
                    body = {"version": current.json().get("version"),
                            "schedule": f"Tirsdage kl. {rnd.randint(10, 20)}"}
                    response = http.patch(f"{base}/api/v1/offers/{offer_id}", json=body, headers=edit_headers,
                                          timeout=30)
                else:
                    response = current
            elif roll < edit_share + hsds_share:
                kind = "hsds page"
                page = rnd.randint(1, 20)
                response = http.get(f"{base}/hsds/services?page={page}&per_page=25", timeout=30)
            else:
                kind = "match"
                response = http.post(f"{base}/api/v1/match", json={"text": rnd.choice(QUERIES), "limit": 10},
                                     headers=match_headers, timeout=30)
            status = str(response.status_code)
            retry = "Retry-After" in response.headers
        except requests.RequestException as exc:
            kind = locals().get("kind", "?")
            status, retry = f"connection error ({type(exc).__name__})", True
        stats.record(kind, status, time.perf_counter() - t0, retry)


def editable_offers(base: str, tokens: dict) -> list[int]:
    """Ids of offers the editor token's organisation owns (what the NGO edits touch)."""
    headers = {"Authorization": f"Bearer {tokens['editor']}"}
    ids = []
    for external_id in tokens["own_external_ids"]:
        r = requests.get(f"{base}/api/v1/offers/external/{external_id}", headers=headers, timeout=60)
        if r.ok:
            ids.append(r.json()["id"])
    return ids


def settle(base: str, tokens: dict, offer_ids: list[int], edits: int = 60) -> None:
    """Start from steady state: right after a bulk import every edit makes each worker reload the whole
    catalogue into its match index (the import is still inside the index's look-back window). A few dozen
    edits move it out of the window; /readyz then brings every worker's index up to date."""
    headers = {"Authorization": f"Bearer {tokens['editor']}"}
    for i in range(edits):
        offer_id = offer_ids[i % len(offer_ids)]
        current = requests.get(f"{base}/api/v1/offers/{offer_id}", headers=headers, timeout=60).json()
        requests.patch(f"{base}/api/v1/offers/{offer_id}", headers=headers, timeout=60,
                       json={"version": current["version"], "schedule": f"Opdateret {i}"})
    for _ in range(12):
        requests.get(f"{base}/readyz", timeout=120)


def probe(base: str, tokens: dict) -> None:
    """The heaviest single requests the service takes (largest pages, full expansions, searches that match
    nothing and so read everything), each timed alone; the best and worst of three."""
    sys.path.insert(0, str(ROOT))
    from catalog import hsds

    match = {"Authorization": f"Bearer {tokens['caseworker']}"}
    edit = {"Authorization": f"Bearer {tokens['editor']}"}
    requests_to_time = [
        ("GET", "/hsds/services?per_page=100&full=true", None, {}),
        ("GET", "/hsds/services?per_page=100&page=90", None, {}),
        ("GET", "/hsds/organizations?per_page=100&full=true&full_service=true", None, {}),
        ("GET", "/hsds/taxonomy_terms?per_page=100", None, {}),
        ("GET", "/hsds/services?search=sorg%20familie&per_page=100", None, {}),
        ("GET", "/hsds/services?search=findesikke&per_page=100", None, {}),
        ("GET", f"/hsds/services?taxonomy_id={hsds.NEEDS.id}&per_page=100", None, {}),
        ("GET", f"/hsds/services?taxonomy_term_id={hsds.format_term('gruppe').id}&per_page=100&full=true", None, {}),
        ("POST", "/hsds/services/search", {"text": QUERIES[2], "per_page": 100, "full": True}, {}),
        ("GET", "/offers/?q=lektiehjælp", None, {}),
        ("GET", "/api/v1/offers?per_page=100&q=sorg", None, edit),
        ("POST", "/api/v1/match", {"text": QUERIES[0], "limit": 50}, match),
    ]
    print(f"{'best ms':>8} {'worst ms':>9} {'KB':>7}  request")
    for method, path, body, headers in requests_to_time:
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            r = requests.request(method, base + path, json=body, headers=headers, timeout=120)
            times.append(time.perf_counter() - t0)
        print(f"{min(times) * 1000:>8.0f} {max(times) * 1000:>9.0f} {len(r.content) // 1024:>7}  "
              f"{r.status_code} {method} {path[:80]}")


def is_error(status: str, fault: bool) -> bool:
    if status.startswith(("2", "3")) or status == "409":
        return False
    if fault and status == "503":
        return False
    return True


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def report(stats: Stats, seconds: float, fault: bool) -> int:
    total = sum(stats.status.values())
    print(f"\nrequests {total}  duration {seconds:.1f} s  throughput {total / seconds:.1f} req/s")
    print(f"{'kind':<11} {'n':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}  statuses")
    for kind in sorted(stats.latency):
        lat = stats.latency[kind]
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(stats.by_kind[kind].items()))
        print(f"{kind:<11} {len(lat):>7} {percentile(lat, 50) * 1000:>8.1f} {percentile(lat, 95) * 1000:>8.1f} "
              f"{percentile(lat, 99) * 1000:>8.1f}  {statuses}")
    errors = sum(v for k, v in stats.status.items() if is_error(k, fault))
    if fault:
        print("answers completed per 5 s:")
        for bucket in sorted(stats.timeline):
            counts = ", ".join(f"{k}: {v}" for k, v in sorted(stats.timeline[bucket].items()))
            print(f"  {bucket * 5:>3}-{bucket * 5 + 5:<3} s  {counts}")
        outage = stats.during_outage
        print(f"while the database was down: {sum(outage.values())} requests, "
              f"{outage.get('503', 0)} answered 503 with Retry-After, "
              f"{sum(v for k, v in outage.items() if k != '503' and is_error(k, False))} other failures")
        print(f"503 in total {stats.status.get('503', 0)}; other failures in total {errors}; "
              f"503/429 without Retry-After {stats.missing_retry_after}")
    print(f"errors {errors}")
    return errors


# --- main ------------------------------------------------------------------------------------------------

def run(args) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="civilmatch-load-"))
    pg = None
    server = None
    try:
        env = {**os.environ, "CIVILMATCH_INSTANCE_PATH": str(workdir), "CIVILMATCH_SECRET_KEY": "load-test",
               "CIVILMATCH_ENV": "development",
               # one address and one token make all the load: lift the limits so it measures the service
               "CIVILMATCH_RATELIMIT_ANONYMOUS": "1000000 per minute",
               "CIVILMATCH_API_MATCH_RATE_LIMIT": "1000000 per minute"}
        if args.fault:
            pg = ThrowAwayPostgres(Path(tempfile.mkdtemp(prefix="civilmatch-loadpg-")))  # own folder, own port
            pg.init()
            pg.start()
            env["CIVILMATCH_DATABASE_URL"] = pg.url
        else:
            env["CIVILMATCH_DATABASE_URL"] = args.database_url or f"sqlite:///{workdir / 'load.db'}"
        print(f"# preparing {args.offers} offers ({'throw-away PostgreSQL' if pg else env['CIVILMATCH_DATABASE_URL'].split(':')[0]})",
              flush=True)
        tokens = prepare(env, workdir, Path(args.catalogue), args.offers)
        port = free_port()
        server = start_gunicorn(env, port, args.workers, workdir / "gunicorn.log")
        base = f"http://127.0.0.1:{port}"
        if args.probe:
            for _ in range(12):   # every worker's match index loaded before timing anything
                requests.get(f"{base}/readyz", timeout=300)
            probe(base, tokens)
            return 0
        offer_ids = editable_offers(base, tokens)
        if not offer_ids:
            raise SystemExit("no offers for the NGO edits")
        settle(base, tokens, offer_ids)
        print(f"# gunicorn -w {args.workers} on {base}; {args.clients} clients for {args.seconds} s"
              + ("; PostgreSQL stopped and started mid-load" if args.fault else ""), flush=True)
        stats = Stats()
        start = stats.started = time.time()
        stop_at = start + args.seconds
        threads = [threading.Thread(target=client_loop, args=(base, tokens, offer_ids, stop_at, stats, i,
                                                              args.edits, args.hsds), daemon=True)
                   for i in range(args.clients)]
        for t in threads:
            t.start()
        if args.fault:
            time.sleep(args.seconds * 0.3)
            stats.db_down.set()
            pg.stop()
            print(f"# {time.time() - start:5.1f} s: PostgreSQL stopped", flush=True)
            time.sleep(args.seconds * 0.3)
            pg.start()
            stats.db_down.clear()
            print(f"# {time.time() - start:5.1f} s: PostgreSQL started", flush=True)
        for t in threads:
            t.join(timeout=args.seconds + 60)
        errors = report(stats, time.time() - start, args.fault)
        log_lines = (workdir / "gunicorn.log").read_text(errors="replace").splitlines()
        unexpected = [line for line in log_lines if "Unhandled" in line or "Exception on" in line]
        unexpected += [log_lines[i + j] for i, line in enumerate(log_lines) if line.startswith("Traceback")
                       for j in range(1, 40) if i + j < len(log_lines) and not log_lines[i + j].startswith(" ")][:5]
        if unexpected:
            print("server log, unexpected errors:\n  " + "\n  ".join(unexpected[:10]))
        if args.keep_log:
            shutil.copy(workdir / "gunicorn.log", args.keep_log)
        if args.fault:
            try:
                ready = requests.get(f"{base}/readyz", timeout=30).status_code
            except requests.RequestException as exc:
                ready = type(exc).__name__
            print(f"readyz after the database returned: {ready}")
            errors += ready != 200
        return errors
    finally:
        if server is not None:
            stop_process(server)
        if pg is not None:
            pg.destroy()
        shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--catalogue", default=str(DEFAULT_CATALOGUE))
    ap.add_argument("--offers", type=int, default=10_000)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--edits", type=float, default=0.05, help="share of requests that are NGO edits")
    ap.add_argument("--hsds", type=float, default=0.2, help="share of requests that are anonymous HSDS pages")
    ap.add_argument("--database-url", help="run against this database instead of a fresh SQLite file")
    ap.add_argument("--fault", action="store_true", help="own PostgreSQL, stopped and started mid-load")
    ap.add_argument("--probe", action="store_true",
                    help="instead of the load, time the heaviest single requests one by one")
    ap.add_argument("--keep-log", metavar="FILE", help="copy the server's log here")
    ap.add_argument("--clone", nargs=2, metavar=("N", "FILE"), help="only write N cloned offers to FILE")
    args = ap.parse_args(argv)
    if args.clone:
        data = clone_catalogue(Path(args.catalogue), int(args.clone[0]))
        Path(args.clone[1]).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        return
    errors = run(args)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
