"""The matcher at national scale, on catalogues of distinct generated offers (benchmarks/generate.py).

    .venv/bin/python benchmarks/bench_scale.py [--sizes 10000,100000,300000] [--http 10000] [--http-seconds 20]
                                               [--no-reference] [--seed 7]

Per size, in a fresh process:
- build s: MatchEngine.rebuild over the generated records (loaded first, as from the database; a large catalogue
  is analysed by one worker process per CPU),
- peak / steady MB: the process's peak RSS during the build, and its RSS after it (records included),
- worker +MB: a child forked after the build (as gunicorn --preload forks its workers) answers every query;
  the memory it does not share with its parent (USS) is what a second worker costs,
- first ms: the child's first match (no build, no warm-up),
- short / story p50 p95 ms: MatchEngine.match for one-line caseworker descriptions and ~150-word letters,
- edit ms: upsert of one new offer plus the next match that must find it,
- tantivy / bm25s p50 ms: the same queries through tantivy (Danish Snowball stemmer) and bm25s (PyStemmer
  Danish) over the same texts, and x = our short-query p50 / tantivy's short-query p50.
With --http N: N offers are imported into SQLite, gunicorn (gunicorn.conf.py: 2 workers of 2 threads, keep-alive,
preload, loopback) serves them, and 4 client threads POST /api/v1/match for --http-seconds over kept-alive
connections (a new one every 25 requests), reading every answer in full; the table gives start-up, matches/s,
errors (anything but a complete 200), p50/p95, worker memory, and how fast an edit shows in every worker (also
after a bulk import). --sizes '' runs only the HTTP part.
The reference engines need the `bench` extra (`pip install -e '.[bench]'`); without them their columns are '-'.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from collections.abc import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import generate  # noqa: E402

N_SHORT, N_STORIES = 24, 12


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def trim() -> None:
    """Give freed memory back to the system (glibc keeps it otherwise), so RSS shows what is held."""
    gc.collect()
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except OSError:
        pass


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[max(0, min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1)))))]


def timed(fn: Callable[[str], Any], texts: list[str], repeats: int = 3) -> tuple[float, float]:
    for t in texts[:2]:
        fn(t)
    ms = []
    for _ in range(repeats):
        for t in texts:
            t0 = time.perf_counter()
            fn(t)
            ms.append((time.perf_counter() - t0) * 1000)
    return statistics.median(ms), pct(ms, 95)


# ---------- in-process ---------------------------------------------------------------------------------------

def bench_engine(n: int, seed: int, reference: bool) -> dict[str, Any]:
    from matcher import MatchEngine

    short, stories = generate.short_queries(N_SHORT), generate.stories(N_STORIES)
    records = list(generate.records(n, seed))   # as the service loads them from its database, before the build
    trim()
    before = rss_mb()
    t0 = time.perf_counter()
    engine = MatchEngine()
    engine.rebuild(records)
    del records
    out: dict[str, Any] = {"offers": n, "build_s": time.perf_counter() - t0, "peak_mb": peak_mb()}
    trim()
    out["steady_mb"] = rss_mb()
    out["base_mb"] = before
    out.update(_worker(engine, short + stories))
    out["short"] = timed(lambda q: engine.match(q), short)
    out["story"] = timed(lambda q: engine.match(q), stories)
    out["edit_ms"] = _edit(engine, n)
    if reference:
        texts = [_text(r) for r in generate.records(n, seed)]
        del engine
        trim()
        for name, ref in (("tantivy", _tantivy), ("bm25s", _bm25s)):
            try:
                search = ref(texts)
            except ImportError:
                continue
            out[name] = (timed(search, short)[0], timed(search, stories)[0])
    return out


def _worker(engine, texts: list[str]) -> dict[str, float]:
    """A forked child as a preloaded gunicorn worker: first match, and memory not shared with the parent."""
    import psutil

    engine.match("Mor på 30 med en dreng på 8 i Aarhus har brug for lektiehjælp")  # as gunicorn.conf.py does
    gc.collect()
    gc.freeze()
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(r)
        t0 = time.perf_counter()
        engine.match(texts[0])
        first = (time.perf_counter() - t0) * 1000
        for t in texts:
            engine.match(t)
        uss = psutil.Process().memory_full_info().uss / 2 ** 20
        os.write(w, json.dumps({"first_ms": first, "worker_mb": uss}).encode())
        os._exit(0)
    os.close(w)
    data = b""
    while chunk := os.read(r, 4096):
        data += chunk
    os.waitpid(pid, 0)
    return json.loads(data)


def _edit(engine, n: int) -> float:
    rec = next(generate.records(1, seed=99))
    rec.update(id=n + 10, title="Kajakklub for søskende til børn med handicap", areas=["Hele landet"],
               description="Søskende mødes og padler kajak sammen med frivillige fra kajakklubben.")
    t0 = time.perf_counter()
    engine.upsert(rec)
    res = engine.match("kajakklub for søskende")
    ms = (time.perf_counter() - t0) * 1000
    assert res.results and res.results[0].offer_id == rec["id"]
    engine.remove(rec["id"])
    return ms


def _text(r: dict[str, Any]) -> str:
    return " ".join([r["title"], " ".join(r["tags"]), r["target_group"], r["description"]])


def _words(text: str) -> str:
    import re

    return " ".join(re.findall(r"\w+", text.lower()))


def _tantivy(texts: list[str]) -> Callable[[str], Any]:
    import tantivy

    analyzer = (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple()).filter(tantivy.Filter.lowercase())
                .filter(tantivy.Filter.stemmer("danish")).build())
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("body", stored=False, tokenizer_name="da")
    index = tantivy.Index(sb.build())
    index.register_tokenizer("da", analyzer)
    writer = index.writer(heap_size=200_000_000, num_threads=1)
    for t in texts:
        writer.add_document(tantivy.Document(body=t))
    writer.commit()
    index.reload()
    searcher = index.searcher()
    return lambda q: searcher.search(index.parse_query(_words(q), ["body"]), 10).hits


def _bm25s(texts: list[str]) -> Callable[[str], Any]:
    import bm25s
    import Stemmer

    stemmer = Stemmer.Stemmer("danish")
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(texts, stemmer=stemmer, show_progress=False), show_progress=False)
    return lambda q: retriever.retrieve(bm25s.tokenize([q], stemmer=stemmer, show_progress=False), k=10,
                                        show_progress=False)


# ---------- over HTTP ----------------------------------------------------------------------------------------

def _prepare(tmp: Path, n: int, seed: int) -> str:
    os.environ["CIVILMATCH_INSTANCE_PATH"] = str(tmp)
    os.environ["CIVILMATCH_DATABASE_URL"] = f"sqlite:///{tmp / 'bench.db'}"
    from catalog import services
    from catalog.exchange import import_catalogue
    from web import create_app
    from web.extensions import db

    app = create_app({"AUTO_MIGRATE": True})  # the deploy step (`civilmatch db upgrade`) of a fresh database
    with app.app_context():
        import_catalogue(db.session, generate.exchange(n, seed))
        _, token = services.create_token(db.session, name="bench", role="admin",
                                         scopes=["match", "offers:write"])
        db.session.commit()
        from catalog.models import Organisation

        (tmp / "org").write_text(str(db.session.query(Organisation.id).order_by(Organisation.id).first()[0]))
    return token


def bench_http(n: int, seconds: float, seed: int, threads: int = 4) -> dict[str, Any]:
    import tempfile

    import psutil

    tmp = Path(tempfile.mkdtemp(prefix="civilmatch-bench-http-"))
    subprocess.run([sys.executable, __file__, "--prepare", str(n), str(tmp), "--seed", str(seed)], check=True)
    token = (tmp / "token").read_text().strip()
    port = 18000 + os.getpid() % 1000
    env = {**os.environ, "CIVILMATCH_INSTANCE_PATH": str(tmp), "CIVILMATCH_DATABASE_URL": f"sqlite:///{tmp}/bench.db",
           "CIVILMATCH_RATELIMIT_ENABLED": "0", "CIVILMATCH_BIND": f"127.0.0.1:{port}", "CIVILMATCH_WORKERS": "2"}
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    t0 = time.perf_counter()
    proc = subprocess.Popen([gunicorn, "-c", str(ROOT / "gunicorn.conf.py"), "wsgi:app"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = _Client(port, token, (tmp / "org").read_text().strip())
    out: dict[str, Any] = {"offers": n}
    try:
        master = psutil.Process(proc.pid)
        deadline = time.perf_counter() + 900
        while len(master.children()) < 2 and time.perf_counter() < deadline:   # the master builds, then forks
            time.sleep(0.1)
        out["first_ms"] = client.wait_ready(deadline)
        out["start_s"] = time.perf_counter() - t0
        short = generate.short_queries(N_SHORT) + generate.stories(N_STORIES)[:4]
        # one client at a time: what a caseworker waits for, per kind of text
        for kind, texts in (("short", generate.short_queries(N_SHORT)), ("story", generate.stories(N_STORIES))):
            out[f"one_{kind}_p50"], out[f"one_{kind}_p95"] = client.latency(texts, rounds=3)
        out.update(client.load(short, seconds, threads))
        workers = psutil.Process(proc.pid).children()
        out["worker_mb"] = [round(w.memory_full_info().uss / 2 ** 20) for w in workers]
        out["master_mb"] = round(psutil.Process(proc.pid).memory_info().rss / 2 ** 20)
        out["edit_ms"] = client.edit_visible("Kajakklub for søskende", "kajakklub for søskende")
        out["bulk_s"], out["edit_after_bulk_ms"] = _bulk_then_edit(tmp, client, n, seed)
    finally:
        proc.terminate()
        proc.wait(30)
    return out


def _bulk_then_edit(tmp: Path, client: _Client, n: int, seed: int) -> tuple[float, float]:
    """Import 10 % more offers while serving; how long until every worker's matches see them; then one edit."""
    extra = max(100, n // 10)
    subprocess.run([sys.executable, __file__, "--import-more", str(extra), str(tmp), "--seed", str(seed + 1)],
                   check=True)
    t0 = time.perf_counter()
    deadline = t0 + 300
    seen = 0
    while time.perf_counter() < deadline and seen < 8:   # 8 answers in a row (both workers) see the import
        seen = seen + 1 if client.total("lektiehjælp til dreng på 10") >= client.baseline_total * 1.05 else 0
        time.sleep(0.05)
    bulk_s = time.perf_counter() - t0
    return bulk_s, client.edit_visible("Kanoklub for søskende", "kanoklub for søskende")


class _Client:
    def __init__(self, port: int, token: str, org: str) -> None:
        self.port, self.token, self.org = port, token, org
        self.baseline_total = 0

    def _conn(self):
        import http.client

        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)

    def post(self, conn, path: str, body: dict, method: str = "POST") -> tuple[int, dict]:
        conn.request(method, path, body=json.dumps(body),
                     headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.token}"})
        r = conn.getresponse()
        return r.status, json.loads(r.read() or b"{}")

    def wait_ready(self, deadline: float) -> float:
        while time.perf_counter() < deadline:
            try:
                conn = self._conn()
                t0 = time.perf_counter()
                status, body = self.post(conn, "/api/v1/match", {"text": "lektiehjælp til dreng på 10"})
                if status == 200:
                    self.baseline_total = self.total("lektiehjælp til dreng på 10")
                    return (time.perf_counter() - t0) * 1000
            except OSError:
                time.sleep(0.2)
        raise TimeoutError("gunicorn did not answer")

    def total(self, text: str) -> int:
        return self.post(self._conn(), "/api/v1/match", {"text": text, "limit": 1})[1].get("total_eligible", 0)

    def latency(self, texts: list[str], rounds: int) -> tuple[float, float]:
        """p50 and p95 ms of POST /api/v1/match, one request at a time."""
        conn, lat = self._conn(), []
        for _ in range(rounds):
            for text in texts:
                t0 = time.perf_counter()
                status, _body = self.post(conn, "/api/v1/match", {"text": text, "limit": 10})
                if status == 200:
                    lat.append((time.perf_counter() - t0) * 1000)
        return statistics.median(lat), pct(lat, 95)

    def load(self, texts: list[str], seconds: float, threads: int) -> dict[str, Any]:
        """Client threads POST /api/v1/match as fast as answers come back. The client shares the server's two
        cores, so it is lean: request bytes made once per text, one connection per thread kept open while the
        server allows (reopened when it closes), and each answer read in full (status line, headers,
        Content-Length bytes of body) but not parsed as JSON. Anything but a complete 200 is an error."""
        import threading

        requests = [self._request(text) for text in texts]
        lat: list[float] = []
        errors = [0]
        stop = time.perf_counter() + seconds

        def run(k: int) -> None:
            conn = _RawConnection(self.port)
            i = k
            while time.perf_counter() < stop:
                t0 = time.perf_counter()
                try:
                    status = conn.exchange(requests[i % len(requests)])
                except (OSError, ValueError):
                    status = 0
                    conn.close()
                if status == 200:
                    lat.append((time.perf_counter() - t0) * 1000)
                else:
                    errors[0] += 1
                i += threads
            conn.close()

        ts = [threading.Thread(target=run, args=(k,)) for k in range(threads)]
        t0 = time.perf_counter()
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        wall = time.perf_counter() - t0
        return {"rps": len(lat) / wall, "errors": errors[0], "p50": statistics.median(lat), "p95": pct(lat, 95)}

    def _request(self, text: str, limit: int = 10) -> bytes:
        body = json.dumps({"text": text, "limit": limit}).encode()
        return (f"POST /api/v1/match HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
                f"Authorization: Bearer {self.token}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode() + body

    def edit_visible(self, title: str, query: str) -> float:
        """Create an offer through the API, then ask 8 times (both workers answer some): the slowest
        answer that finds it, in ms (every answer must find it)."""
        conn = self._conn()
        status, offer = self.post(conn, "/api/v1/offers", {
            "organisation": self.org, "title": title, "status": "published", "areas": ["Hele landet"],
            "description": "Søskende til børn med handicap mødes og padler sammen med frivillige.",
            "target_group": "Søskende", "formats": ["aktivitet"], "cost": "gratis", "tags": ["søskende"],
            "audience": ["børn"], "schedule": "", "age_min": 6, "age_max": 17})
        assert status == 201, offer
        worst = 0.0
        for _ in range(8):
            c = self._conn()
            t0 = time.perf_counter()
            _, body = self.post(c, "/api/v1/match", {"text": query, "limit": 3})
            worst = max(worst, (time.perf_counter() - t0) * 1000)
            assert body["results"] and body["results"][0]["offer"]["id"] == offer["id"], "edit not visible"
        return worst


class _RawConnection:
    """HTTP/1.1 over one socket, for the load loop: sends a prepared request and reads the whole answer.

    After ``per_connection`` requests it opens a new connection, as the many clients behind a proxy would:
    gunicorn's threaded workers keep a connection with the worker that accepted it, and four connections that
    all landed on one worker would leave the other idle for the whole run."""

    def __init__(self, port: int, per_connection: int = 25) -> None:
        self.port, self.per_connection = port, per_connection
        self.sock: Any = None
        self.buf = b""
        self.sent = 0

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
        self.sock, self.buf = None, b""

    def exchange(self, request: bytes) -> int:
        """Send ``request``, read the answer to its last byte; returns the status (0: incomplete answer)."""
        import socket

        if self.sock is None:
            self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=30)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.sent = 0
        self.sock.sendall(request)
        self.sent += 1
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ValueError("connection closed before the headers")
            self.buf += chunk
        head, _, rest = self.buf.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
        if b"content-length" not in headers:
            raise ValueError("no Content-Length")
        length = int(headers[b"content-length"])
        while len(rest) < length:
            chunk = self.sock.recv(max(65536, length - len(rest)))
            if not chunk:
                raise ValueError("connection closed within the body")
            rest += chunk
        self.buf = rest[length:]
        if headers.get(b"connection", b"").lower() == b"close" or self.sent >= self.per_connection:
            self.close()
        return status


def _import_more(tmp: Path, n: int, seed: int) -> None:
    os.environ["CIVILMATCH_INSTANCE_PATH"] = str(tmp)
    os.environ["CIVILMATCH_DATABASE_URL"] = f"sqlite:///{tmp / 'bench.db'}"
    from catalog.exchange import import_catalogue
    from web import create_app
    from web.extensions import db

    data = generate.exchange(n, seed)
    for o in data["offers"]:
        o["external_id"] = "more-" + o["external_id"]
    for o in data["organisations"]:
        o["external_id"] = "more-" + o["external_id"]
    for o in data["offers"]:
        o["organisation"] = "more-" + o["organisation"]
    app = create_app()
    with app.app_context():
        import_catalogue(db.session, data)
        db.session.commit()


# ---------- table --------------------------------------------------------------------------------------------

def _f(x, fmt: str = ".1f") -> str:
    return "-" if x is None else format(x, fmt)


def print_engine_row(r: dict[str, Any]) -> None:
    tv, bm = r.get("tantivy"), r.get("bm25s")
    ratio = r["short"][0] / tv[0] if tv else None
    print(f"{r['offers']:>7} {r['build_s']:>7.1f} {r['peak_mb']:>6.0f} {r['steady_mb']:>7.0f} {r['worker_mb']:>7.0f}"
          f" {r['first_ms']:>6.1f} {r['short'][0]:>6.1f} {r['short'][1]:>6.1f} {r['story'][0]:>6.1f}"
          f" {r['story'][1]:>6.1f} {r['edit_ms']:>6.1f} {_f(tv and tv[0]):>6} {_f(tv and tv[1]):>6}"
          f" {_f(bm and bm[0]):>6} {_f(bm and bm[1]):>6} {_f(ratio):>5}", flush=True)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--http", type=int, default=10000, help="offers for the HTTP run (0: none)")
    ap.add_argument("--http-seconds", type=float, default=20)
    ap.add_argument("--no-reference", action="store_true")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--prepare", nargs=2, help=argparse.SUPPRESS)
    ap.add_argument("--import-more", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.one:
        print(json.dumps(bench_engine(args.one, args.seed, not args.no_reference)))
        return
    if args.prepare:
        (Path(args.prepare[1]) / "token").write_text(_prepare(Path(args.prepare[1]), int(args.prepare[0]),
                                                              args.seed))
        return
    if args.import_more:
        _import_more(Path(args.import_more[1]), int(args.import_more[0]), args.seed)
        return
    sizes = [int(x) for x in args.sizes.split(",") if x.strip()]
    if sizes:
        print("# in-process MatchEngine on distinct generated offers; ms per match; x = short p50 / tantivy p50")
        print(f"{'offers':>7} {'build s':>7} {'peak':>6} {'steady':>7} {'worker':>7} {'first':>6}"
              f" {'short':>6} {'p95':>6} {'story':>6} {'p95':>6} {'edit':>6} {'tantvy':>6} {'story':>6}"
              f" {'bm25s':>6} {'story':>6} {'x':>5}")
        print(f"{'':>7} {'':>7} {'MB':>6} {'MB':>7} {'+MB':>7} {'ms':>6} {'p50':>6} {'':>6} {'p50':>6} {'':>6}"
              f" {'ms':>6} {'p50':>6} {'p50':>6} {'p50':>6} {'p50':>6}")
    for n in sizes:
        cmd = [sys.executable, __file__, "--one", str(n), "--seed", str(args.seed)]
        if args.no_reference:
            cmd.append("--no-reference")
        res = subprocess.run(cmd, capture_output=True, text=True)
        if res.returncode != 0:
            print(f"{n:>7} failed: {res.stderr.strip().splitlines()[-1:]}", flush=True)
            continue
        print_engine_row(json.loads(res.stdout.strip().splitlines()[-1]))
    if args.http:
        r = bench_http(args.http, args.http_seconds, args.seed)
        print(f"\n# HTTP: gunicorn (gunicorn.conf.py: 2 workers x 2 threads, preload) on loopback, SQLite, "
              f"{args.http_seconds:.0f} s of POST /api/v1/match from 4 client threads")
        print(f"{'offers':>7} {'start s':>7} {'first ms':>8} {'match/s':>8} {'errors':>6} {'p50 ms':>7} {'p95 ms':>7}"
              f" {'workers USS MB':>15} {'edit ms':>7} {'bulk s':>6} {'edit ms':>7}")
        print(f"{r['offers']:>7} {r['start_s']:>7.1f} {r['first_ms']:>8.1f} {r['rps']:>8.0f} {r['errors']:>6}"
              f" {r['p50']:>7.1f} {r['p95']:>7.1f} {'/'.join(map(str, r['worker_mb'])):>15} {r['edit_ms']:>7.0f}"
              f" {r['bulk_s']:>6.1f} {r['edit_after_bulk_ms']:>7.0f}", flush=True)
        print("\n# HTTP, one request at a time: POST /api/v1/match, ms")
        print(f"{'offers':>7} {'short p50':>9} {'short p95':>9} {'story p50':>9} {'story p95':>9}")
        print(f"{r['offers']:>7} {r['one_short_p50']:>9.1f} {r['one_short_p95']:>9.1f} {r['one_story_p50']:>9.1f}"
              f" {r['one_story_p95']:>9.1f}", flush=True)


if __name__ == "__main__":
    main()
