"""Denmark's 98 municipalities as SVG paths, projected once per process (no tiles, no CDN, no JavaScript).

Equirectangular with the longitude scaled by cos(56°), north up. Bornholm is drawn in a box north-east of
Zealand, as Danish maps usually do, so the country fits a narrow column beside the data table.
"""
from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path

GEOJSON = Path(__file__).resolve().parents[2] / "catalog" / "data" / "municipalities.geojson"
WIDTH = 600.0
BORNHOLM = "Bornholm"
BORNHOLM_SHIFT = (-2.35, 1.9)   # degrees: into the sea north-east of Zealand
LAT_SCALE = math.cos(math.radians(56.0))


def _rings(geometry: dict):
    polys = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    for poly in polys:
        yield from poly


@lru_cache(maxsize=1)
def shapes() -> tuple[dict, tuple[tuple[str, str], ...], tuple[float, float, float, float]]:
    """(viewBox size, ((municipality, path d), ...), Bornholm's inset box (x, y, w, h))."""
    data = json.loads(GEOJSON.read_text(encoding="utf-8"))
    features = []
    for f in data["features"]:
        name = f["properties"]["kommune"]
        dx, dy = BORNHOLM_SHIFT if name == BORNHOLM else (0.0, 0.0)
        rings = [[((lon + dx) * LAT_SCALE, lat + dy) for lon, lat in ring] for ring in _rings(f["geometry"])]
        features.append((name, rings))
    xs = [x for _, rings in features for ring in rings for x, _ in ring]
    ys = [y for _, rings in features for ring in rings for _, y in ring]
    x0, y1 = min(xs), max(ys)
    scale = WIDTH / (max(xs) - x0)
    height = (y1 - min(ys)) * scale
    pad = 8.0

    def px(x: float, y: float) -> tuple[float, float]:
        return (x - x0) * scale + pad, (y1 - y) * scale + pad

    paths, inset = [], (0.0, 0.0, 0.0, 0.0)
    for name, rings in sorted(features):
        parts = []
        for ring in rings:
            pts = [px(x, y) for x, y in ring]
            parts.append("M" + "L".join(f"{a:.1f},{b:.1f}" for a, b in pts) + "Z")
        paths.append((name, "".join(parts)))
        if name == BORNHOLM:
            bx = [px(x, y)[0] for ring in rings for x, y in ring]
            by = [px(x, y)[1] for ring in rings for x, y in ring]
            inset = (min(bx) - 6, min(by) - 6, max(bx) - min(bx) + 12, max(by) - min(by) + 12)
    return {"width": round(WIDTH + 2 * pad), "height": round(height + 2 * pad)}, tuple(paths), inset
