"""Integrity checks for the gazetteer data file matcher/data/places.csv (data only, no matcher import)."""
import csv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PLACES = ROOT / "matcher" / "data" / "places.csv"
KOMMUNER = ROOT / "catalog" / "data" / "kommuner.csv"
KINDS = {"kommune", "alias", "postdistrikt", "by", "bydel"}


def _rows():
    with PLACES.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _canonical():
    with KOMMUNER.open(encoding="utf-8", newline="") as f:
        return {r["kommune"] for r in csv.DictReader(f)}


def _munis(row):
    return row["municipalities"].split("|")


def _find(name, kind=None):
    hits = [r for r in _rows() if r["name"] == name and (kind is None or r["kind"] == kind)]
    assert hits, f"no row for {name!r} ({kind})"
    return hits


def test_header_is_exact():
    with PLACES.open(encoding="utf-8", newline="") as f:
        assert next(csv.reader(f)) == ["name", "municipalities", "kind", "postcode"]


def test_every_municipality_entry_is_canonical():
    canonical = _canonical()
    assert len(canonical) == 98
    bad = [(r["name"], m) for r in _rows() for m in _munis(r) if m not in canonical]
    assert not bad, bad[:20]


def test_rows_are_well_formed():
    for r in _rows():
        assert r["name"] and r["name"] == r["name"].strip(), r
        assert r["kind"] in KINDS, r
        munis = _munis(r)
        assert len(munis) == len(set(munis)), r


def test_every_municipality_has_a_kommune_row():
    kommune_rows = {r["name"]: r for r in _rows() if r["kind"] == "kommune"}
    assert set(kommune_rows) == _canonical()
    for name, r in kommune_rows.items():
        assert r["municipalities"] == name
        assert r["postcode"] == ""


def test_postcodes_are_four_digits_or_empty():
    for r in _rows():
        pc = r["postcode"]
        assert pc == "" or (len(pc) == 4 and pc.isdigit()), r
        if r["kind"] == "postdistrikt":
            assert pc, r


def test_no_conflicting_duplicates():
    seen = {}
    for r in _rows():
        key = (r["name"].casefold(), r["kind"])
        assert seen.setdefault(key, r["municipalities"]) == r["municipalities"], (key, seen[key], r)


def test_postcodes_are_unique_per_postal_district():
    seen = {}
    for r in _rows():
        if r["kind"] == "postdistrikt":
            assert r["postcode"] not in seen, (r, seen.get(r["postcode"]))
            seen[r["postcode"]] = r["name"]
    assert len(seen) > 550


def test_size():
    assert len(_rows()) >= 1000


def test_spot_checks():
    assert _munis(_find("Hurup", "by")[0]) == ["Thisted"]
    assert _munis(_find("Nørresundby", "postdistrikt")[0]) == ["Aalborg"]
    assert _munis(_find("Valby", "bydel")[0]) == ["København"]
    assert _munis(_find("Valby", "postdistrikt")[0])[0] == "København"
    aarhus_c = _find("Aarhus C", "postdistrikt")[0]
    assert aarhus_c["postcode"] == "8000" and _munis(aarhus_c) == ["Aarhus"]
    assert _munis(_find("Vollsmose", "bydel")[0]) == ["Odense"]
    assert _munis(_find("Hurup Thy", "postdistrikt")[0])[0] == "Thisted"
    assert _munis(_find("Århus", "alias")[0]) == ["Aarhus"]
    assert _munis(_find("Gellerup", "bydel")[0]) == ["Aarhus"]
    assert _find("Frederiksberg C", "postdistrikt")[0]["municipalities"].startswith("Frederiksberg")
