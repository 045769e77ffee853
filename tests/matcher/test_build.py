"""A build analyses offers in batches, in worker processes for a large catalogue; the index is the same."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from matcher import MatchEngine
from matcher.rank import Index, build_processes
from matcher.workers import Workers

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import generate  # noqa: E402


@pytest.fixture(scope="module")
def recs() -> list[dict]:
    return list(generate.records(1100, 3))


def _same(a: Index, b: Index) -> None:
    for name in ("post", "cpost", "areas"):
        pa, pb = getattr(a, name), getattr(b, name)
        assert pa.names == pb.names, name
        for part in ("indptr", "slots", "vals"):
            assert np.array_equal(getattr(pa, part), getattr(pb, part)), (name, part)
    assert a.df == b.df and a.cdf == b.cdf
    assert a.concepts_of == b.concepts_of and a.langs == b.langs
    assert np.array_equal(a.lens.view(), b.lens.view()) and a.surface_vocab == b.surface_vocab


def test_worker_processes_build_the_same_index_as_one_process(recs):
    from matcher.analysis import analyse_fields

    # this process has met words in another order than a fresh worker will (as in a service that has run a while)
    analyse_fields([r["description"] for r in reversed(recs)])
    _same(Index.build(recs, processes=1), Index.build(recs, processes=2))


def test_worker_processes_keep_the_order_with_an_uneven_last_batch(recs):
    # 3 workers, 1,500 offers in batches of 500 and a duplicate id at the end (it replaces the first)
    more = recs + [dict(recs[0], title="Lektiecafé for store børn")]
    one, three = Index.build(more, processes=1), Index.build(more, processes=3)
    _same(one, three)
    assert three.records[three.slot_of[recs[0]["id"]]]["title"] == "Lektiecafé for store børn"


def test_the_matches_of_a_parallel_build_are_the_ones_of_a_serial_build(recs):
    serial, parallel = MatchEngine(), MatchEngine()
    serial.rebuild(recs)
    parallel._index = Index.build(recs, processes=2)
    for q in ("lektiehjælp til en dreng på 9 i Aarhus", "mor med angst og to små børn, ensomhed"):
        assert [h.offer_id for h in serial.match(q).results] == [h.offer_id for h in parallel.match(q).results]


def test_only_a_large_catalogue_is_built_in_worker_processes():
    assert build_processes([{}] * 100) == 1
    assert build_processes(iter([])) == 1     # a stream of unknown length: in process


def test_a_failing_worker_raises_in_the_caller_instead_of_hanging():
    with Workers(1) as workers, pytest.raises(AttributeError):
        list(workers.map("no_such_function", [[1], [2]], lambda x: x))


def test_a_worker_that_dies_is_reported():
    with Workers(1) as workers:
        workers.procs[0].kill()
        with pytest.raises(RuntimeError, match="build worker stopped"):
            list(workers.map("analyse_batch", [[("a", "", "", "", ())]], lambda x: x))


def test_the_number_of_build_processes_can_be_set(monkeypatch):
    monkeypatch.setenv("CIVILMATCH_BUILD_PROCESSES", "1")
    assert build_processes([{}] * 50_000) == 1
    monkeypatch.setenv("CIVILMATCH_BUILD_PROCESSES", "3")
    assert build_processes([{}] * 50_000) == 3
    monkeypatch.delenv("CIVILMATCH_BUILD_PROCESSES")
    assert build_processes([{}] * 50_000) >= 1


def test_without_an_interpreter_to_start_the_build_runs_in_process(recs, monkeypatch):
    import matcher.workers

    def no_interpreter(*a, **kw):
        raise FileNotFoundError("python")

    monkeypatch.setattr(matcher.workers.subprocess, "Popen", no_interpreter)
    _same(Index.build(recs[:600], processes=1), Index.build(recs[:600], processes=2))


_AWKWARD = [
    "Hjælp\ntil\n\nfamilier, (gratis) kl. 17.15–18.30; børne-ungeliv «tryg» i_dag",
    "Mor drikker ikke. Ingen tegn på misbrug af alkohol, men angst og ensomhed; sorg, skilsmisse, mobning og angst.",
    "Vi taler ikke om vold eller misbrug – kun om lektier, fritid og venner!",
    "Arabisktalende familier: arabisk, somali og tyrkisk - tolk efter aftale",
    "ﬁre ½ år Straße ÆØÅ éü 2.000 kr. tlf. 12 34 56 78",
    "", "  ,,, .. ", "...angst", "Sorg(gruppe)er for børn,unge og forældre",
]


def test_a_build_reads_each_offer_as_an_edit_reads_it(recs):
    """The batch analysis of a build (many fields at once) gives each offer the words, term frequencies, field
    lengths, concepts and languages that the analysis of a single offer (an edit) gives it."""
    from matcher.rank import FIELDS, _analysis_input, analyse_batch, analyse_offer

    odd = [{"id": f"odd{i}", "title": t[:40], "tags": [t[:15], "angst"], "target_group": t[::-1],
            "description": t + " " + _AWKWARD[i - 1], "languages": ["Arabisk"] if i % 2 else []}
           for i, t in enumerate(_AWKWARD)]
    batch_recs = recs[:300] + odd + recs[:5]     # a text twice in one batch
    batch = analyse_batch([_analysis_input(r) for r in batch_recs])
    per_offer: list[dict[str, dict[str, float]]] = [{} for _ in batch_recs]
    for row, k, f, tf in zip(batch.rows, batch.offsets, batch.fields, batch.tfs):
        per_offer[k].setdefault(batch.terms[row], {})[FIELDS[f]] = float(tf)
    words = set()
    for k, rec in enumerate(batch_recs):
        doc = analyse_offer(rec)
        assert per_offer[k] == doc.terms, rec["title"]
        assert batch.lens[k] == tuple(doc.lens[f] for f in FIELDS)
        assert batch.concepts[k] == doc.concepts and batch.langs[k] == doc.langs
        words |= doc.surfaces
    assert batch.words == words
    assert any(batch.concepts[len(recs[:300]) + i] for i in range(len(odd)))


def _pool() -> list[str]:
    from matcher.thesaurus import CONCEPTS
    terms = sorted({raw.rsplit(":", 1)[0].lstrip("=") for c in CONCEPTS for raw in c.terms})
    words = sorted({w for t in terms for w in t.replace("-", " ").split()})
    phrases = [t for t in terms if " " in t]     # a phrase as it is listed
    return words[::7] + phrases[::5] + ["ikke", "ingen", "aldrig", "uden", "tegn", "på", "mor", "drikker", "heller", "og", "eller",
                         "men", "fordi", "i", "har", "med", "17", "børn", "familier", "angst", "vold", "misbrug"]


_PUNCT = [" ", " ", " ", ", ", ". ", "; ", " – ", "\n", " (", ") ", "-", " «", "» ", "/", " 2.5 "]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.tuples(st.sampled_from(_pool()), st.sampled_from(_PUNCT)), max_size=40), min_size=1,
                max_size=6))
def test_many_fields_at_once_read_as_one_field_at_a_time(fields):
    """analyse_fields (a build) and field_analysis (an edit, a query's reasons) agree on any text: its terms,
    length, concept hits and words."""
    from matcher.analysis import analyse_fields, field_analysis

    texts = ["".join(w + p for w, p in words) for words in fields]
    batch = analyse_fields(texts, frozenset({"arabisk", "angst"}))
    for k, text in enumerate(texts):
        one = field_analysis(text)
        terms = {batch.terms[r]: float(tf) for r, tf in
                 zip(batch.rows[batch.ptr[k]:batch.ptr[k + 1]], batch.tfs[batch.ptr[k]:batch.ptr[k + 1]])}
        assert terms == one.terms, text
        assert batch.lengths[k] == one.length and batch.hits[k] == one.hits, text
        assert batch.marked[k] == one.words & {"arabisk", "angst"}
    assert batch.words == frozenset().union(*(field_analysis(t).words for t in texts))
