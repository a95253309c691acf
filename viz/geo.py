"""Boundaries for the explorer's map of places: no tiles, no network, nothing fetched.

The boundary files ship in viz/assets (see the LICENSE-*.txt next to them): London boroughs from
vega-datasets (OGL v3), countries from Natural Earth via world-atlas (public domain; 1:110m for the world, 1:50m
for the UK outline). They are
decoded here, projected (our own few lines: Equal Earth for the world, a latitude-scaled plate
carrée for the UK and London) and written as SVG path strings rounded to whole units of a
1000-wide view box, so the page carries small paths and needs no projection library.

Areas join to the graph's places by code: countries by ISO 3166-1 (world-atlas ids are numeric,
data/places carry alpha-2, joined through geo-iso3166-numeric.tsv), boroughs by ONS GSS code; the
borough file has names only, so its names go through a name -> GSS table read from the graph's
places. No boundary file with a licence we could ship covers UK nations and English regions, so
the UK map draws them as circles at their representative points over the UK outline.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

ASSETS = Path(__file__).resolve().parent / "assets"
WIDTH = 1000.0
PAD = 12.0
UK_CONTEXT = {"826": "United Kingdom", "372": "Ireland"}  # drawn on the UK map (Ireland for context)
NO_WORLD = {"010"}  # Antarctica: takes a quarter of the map, holds no place


def _arcs(topo: dict) -> list[list[tuple[float, float]]]:
    """A TopoJSON file's arcs, delta-decoded and unquantised to (lon, lat)."""
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for dx, dy in arc:
            x += dx
            y += dy
            pts.append((x * sx + tx, y * sy + ty))
        arcs.append(pts)
    return arcs


def _rings(arcs: list, geom: dict) -> list[list[tuple[float, float]]]:
    """The rings of one TopoJSON polygon or multipolygon as (lon, lat) lists."""
    def ring(indexes):
        out: list[tuple[float, float]] = []
        for i in indexes:
            pts = arcs[i] if i >= 0 else arcs[~i][::-1]
            out.extend(pts[1:] if out else pts)
        return out

    polys = [geom["arcs"]] if geom["type"] == "Polygon" else geom["arcs"] if geom["type"] == "MultiPolygon" else []
    return [ring(r) for poly in polys for r in poly]


def equal_earth(lon: float, lat: float) -> tuple[float, float]:
    """Equal Earth projection (Šavrič, Patterson, Jenny 2018), y pointing down."""
    a1, a2, a3, a4 = 1.340264, -0.081106, 0.000893, 0.003796
    m = math.sqrt(3) / 2
    p = math.asin(m * math.sin(math.radians(lat)))
    p2 = p * p
    p6 = p2 * p2 * p2
    x = math.radians(lon) * math.cos(p) / (m * (a1 + 3 * a2 * p2 + p6 * (7 * a3 + 9 * a4 * p2)))
    y = p * (a1 + a2 * p2 + p6 * (a3 + a4 * p2))
    return x, -y


def plate(lat0: float):
    """Plate carrée scaled by cos(lat0): near-true shapes for an area as small as the UK."""
    k = math.cos(math.radians(lat0))
    return lambda lon, lat: (lon * k, -lat)


class Frame:
    """Fits projected points into a WIDTH-wide view box."""

    def __init__(self, project, rings):
        self.project = project
        pts = [project(*p) for r in rings for p in r]
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        self.x0, self.y0 = min(xs), min(ys)
        self.k = (WIDTH - 2 * PAD) / (max(xs) - self.x0)
        self.height = round((max(ys) - self.y0) * self.k + 2 * PAD)

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        x, y = self.project(lon, lat)
        return round((x - self.x0) * self.k + PAD, 1), round((y - self.y0) * self.k + PAD, 1)

    def path(self, rings) -> str:
        """SVG path data, points rounded to whole units and repeated points dropped (the quantising)."""
        parts = []
        for r in rings:
            pts = []
            for lon, lat in r:
                x, y = self.xy(lon, lat)
                p = (round(x), round(y))
                if not pts or p != pts[-1]:
                    pts.append(p)
            if len(pts) >= 3:
                parts.append("M" + "L".join(f"{x} {y}" for x, y in pts) + "Z")
        return "".join(parts)


def _load(name: str) -> dict:
    return json.loads((ASSETS / name).read_text(encoding="utf-8"))


def iso_numeric() -> dict[str, str]:
    rows = (line.split("\t") for line in (ASSETS / "geo-iso3166-numeric.tsv").read_text().splitlines()
            if line and not line.startswith("#"))
    return {num.strip(): alpha for alpha, num in rows}


def _points(frame: Frame, places: dict[str, dict], keep) -> dict[str, list[float]]:
    return {pid: list(frame.xy(p["long"], p["lat"])) for pid, p in sorted(places.items())
            if p.get("lat") is not None and p.get("long") is not None and keep(pid)}


def _inside(places: dict[str, dict], top: str):
    def keep(pid: str) -> bool:
        seen = set()
        while pid and pid not in seen:
            if pid == top:
                return True
            seen.add(pid)
            pid = (places.get(pid) or {}).get("parent")
        return False
    return keep


def london(places: dict[str, dict], london_id: str) -> dict:
    """London's boroughs joined by GSS code through the graph's own name -> GSS table."""
    topo = _load("geo-london-boroughs.json")
    inside = _inside(places, london_id)
    by_name = {p["label"]: p["gss"] for pid, p in places.items() if p.get("gss") and inside(pid)}
    by_gss = {p["gss"]: pid for pid, p in places.items() if p.get("gss")}
    geoms, arcs = topo["objects"]["boroughs"]["geometries"], _arcs(topo)
    frame = Frame(plate(51.5), [r for g in geoms for r in _rings(arcs, g)])
    areas, unjoined = [], []
    for g in sorted(geoms, key=lambda g: g["id"]):
        gss = by_name.get(g["id"])
        if gss is None:
            unjoined.append(g["id"])
        areas.append({"place": by_gss.get(gss), "code": gss, "name": g["id"], "d": frame.path(_rings(arcs, g))})
    return {"title": "London boroughs", "width": WIDTH, "height": frame.height, "areas": areas,
            "points": _points(frame, places, inside), "unjoined": unjoined}


def _countries(places: dict[str, dict], scale: str, keep=lambda g: True):
    """(geometry, ISO alpha-2, place id, rings) per Natural Earth country; scale '110m' or '50m'."""
    topo = _load(f"geo-countries-{scale}.json")
    arcs = _arcs(topo)
    alpha = iso_numeric()
    by_iso = {p["iso"]: pid for pid, p in places.items() if p.get("iso")}
    for g in topo["objects"]["countries"]["geometries"]:
        if keep(g):
            code = alpha.get(g.get("id", ""))
            yield g, code, by_iso.get(code), _rings(arcs, g)


def world(places: dict[str, dict]) -> dict:
    rows = list(_countries(places, "110m", lambda g: g.get("id") not in NO_WORLD))
    frame = Frame(equal_earth, [ring for r in rows for ring in r[3]])
    areas = [{"place": pid, "code": code, "name": g["properties"]["name"], "d": frame.path(rings)}
             for g, code, pid, rings in sorted(rows, key=lambda r: r[0]["properties"]["name"])]
    return {"title": "Countries", "width": WIDTH, "height": frame.height, "areas": [a for a in areas if a["d"]],
            "points": _points(frame, places, lambda pid: True), "unjoined": []}


def uk(places: dict[str, dict], uk_id: str | None) -> dict:
    """The UK outline (Ireland for context), nations and regions as circles at their points."""
    rows = list(_countries(places, "50m", lambda g: g.get("id") in UK_CONTEXT))
    frame = Frame(plate(54.5), [ring for r in rows if r[0]["id"] == "826" for ring in r[3]])
    areas = [{"place": pid, "code": code, "name": g["properties"]["name"], "d": frame.path(rings)}
             for g, code, pid, rings in sorted(rows, key=lambda r: r[0]["id"])]
    inside = _inside(places, uk_id) if uk_id else (lambda pid: False)
    symbols = [pid for pid, p in sorted(places.items()) if p.get("type") in ("nation", "region") and inside(pid)]
    return {"title": "UK nations and English regions", "width": WIDTH, "height": frame.height, "areas": areas,
            "symbols": symbols, "points": _points(frame, places, inside), "unjoined": []}


LONDON_GSS = "E12000007"  # the London region


def maps(places: dict[str, dict]) -> dict:
    """The three maps the page offers, keyed by view name; the UK and London found by their codes."""
    uk_id = next((pid for pid, p in places.items() if p.get("iso") == "GB"), None)
    london_id = next((pid for pid, p in places.items() if p.get("gss") == LONDON_GSS), None)
    out = {"world": world(places), "uk": uk(places, uk_id)}
    if london_id:
        out = {"london": london(places, london_id), **out}
    return out
