"""The explorer page: one self-contained HTML file that works from disk with no network at all.

pyvis holds the network (nodes, edges, vis-network options) and its Jinja environment renders
our template, not pyvis's own: pyvis's templates fetch vis-network and Bootstrap from CDNs even
with cdn_resources='local' or 'in_line' (pyvis issues #228, #229). vis-network ships in
viz/assets and is inlined. The data travels as JSON in a <script type="application/json"> block
with '<', '>' and '&' escaped, and the page's script writes every data text with textContent.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import tempfile
from pathlib import Path

from pyvis.network import Network

from pcmh_kg.analysis import network as analysis
from pcmh_kg.model.vocab import PCMH, SCOPES
from pcmh_kg.query import catalogue, sparql

from . import data, geo, layout

HERE = Path(__file__).resolve().parent
TEMPLATE = "template.html"
MODULES = ["export.js", "filters.js", "network.js", "controls.js", "panel.js", "table.js", "search.js", "labels.js",
           "egm.js", "geomap.js", "urlstate.js"]  # each defines a PCMHModules entry; explorer.js, last, starts them
CELL_QUERY = "evidence-map-cell"
CASE_LIMIT = 800  # cases drawn at once; beyond this the page groups the rest (see the README)

TYPES = {
    "theme": {"label": "Theme", "color": "#C2410C", "shape": "hexagon"},
    "lesson": {"label": "Lesson", "color": "#1D4ED8", "shape": "box"},
    "case": {"label": "Case study", "color": "#94A3B8", "shape": "dot"},
    "tag": {"label": "Tag", "color": "#047857", "shape": "triangle"},
    "place": {"label": "Place", "color": "#A21CAF", "shape": "square"},
}
MULTI_COLOUR = "#F59E0B"  # cases evidencing two or more lessons

OPTIONS = {
    "autoResize": True,
    "physics": {"enabled": False},
    "layout": {"improvedLayout": False},
    "interaction": {"hover": True, "tooltipDelay": 120, "hideEdgesOnDrag": True, "navigationButtons": False,
                    "keyboard": {"enabled": False}, "multiselect": False},
    "nodes": {"font": {"face": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 14,
                       "color": "#1F2937", "strokeWidth": 3, "strokeColor": "#ffffff"},
              "borderWidth": 1, "scaling": {"label": {"drawThreshold": 9}}},
    "edges": {"smooth": False, "selectionWidth": 2, "hoverWidth": 1.5},
}


def short_id(base: str):
    def short(iri: str) -> str:
        return iri[len(base):] if iri.startswith(base) else iri
    return short


def lesson_label(order: int, label: str) -> str:
    return f"Lesson {order}: {label}"


def build_network(ev: analysis.Evidence, base: str) -> Network:
    """A pyvis Network of the explorer graph, positioned, with vis-network options set."""
    short = short_id(base)
    g = analysis.explorer_graph(ev)
    themes = {short(t): o for t, (o, _) in ev.themes.items()}
    lessons = {short(lesson): (o, short(t)) for lesson, (o, _, t) in ev.lessons.items()}
    case_lessons = {short(c): [short(x) for x in ls] for c, ls in ev.case_lessons.items()}
    case_links = {short(c): [short(x) for x in ev.case_tags[c] | ev.case_places[c]] for c in ev.cases}
    kinds = {short(x): "tag" for x in ev.tags} | {short(x): "place" for x in ev.places}
    pos = layout.compute(themes, lessons, case_lessons, case_links, kinds)

    net = Network(directed=True, cdn_resources="in_line")
    net.set_template_dir(str(HERE), TEMPLATE)
    for iri, attrs in g.nodes(data=True):
        nid, kind = short(iri), attrs["kind"]
        label = lesson_label(attrs["order"], attrs["label"]) if kind == "lesson" else attrs["label"]
        node = {"id": nid, "label": label, "group": kind}
        if kind == "case":
            node["lessons"] = attrs["lessons"]
            node["themes"] = ev.theme_count(iri)
        if kind in ("theme", "lesson"):
            node["order"] = attrs["order"]
        x, y = pos.get(nid, (0.0, 0.0))
        node["x"], node["y"] = x, y
        net.nodes.append(node)  # filled directly: pyvis's add_edge is quadratic (performance notes)
        net.node_ids.append(nid)
    net.edges = [[short(a), short(b), rel] for a, b, rel in g.edges(data="rel")]
    net.options = OPTIONS
    return net


def payload(st, base: str, *, title: str = "Primary care mental health: evidence explorer",
            case_limit: int = CASE_LIMIT) -> tuple[dict, Network]:
    ev = analysis.read_evidence(st)
    net = build_network(ev, base)
    short = short_id(base)
    details = data.read_details(st, short)
    for iri in ev.cases:
        within = {a for p in ev.case_places[iri] for a in data.ancestors(details["places"], short(p))}
        details["cases"][short(iri)]["within"] = sorted(within)
    lesson_themes = {short(lesson): short(t) for lesson, (_, _, t) in ev.lessons.items()}
    return {
        "meta": {"title": title, "generated": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
                 "base": base, "caseLimit": case_limit, "multiColour": MULTI_COLOUR,
                 "scopeIris": {k: PCMH + v for k, v in SCOPES.items()},
                 "similar": {"lessonWeight": analysis.LESSON_WEIGHT, "tagWeight": analysis.TAG_WEIGHT}},
        "types": TYPES,
        "relations": analysis.RELATIONS,
        "options": net.options,
        "nodes": net.nodes,
        "edges": net.edges,
        "lessonThemes": lesson_themes,
        "maps": geo.maps(details["places"]),
        "queries": {"cell": cell_query()},
        **details,
    }, net


def cell_query() -> dict:
    """The library query behind an evidence-map cell, bound with placeholder terms the page swaps
    for the cell's lesson and column (the same VALUES binding `pcmh-kg query` makes)."""
    q = catalogue.load_catalogue()[CELL_QUERY]
    marks = {"lesson": "<urn:pcmh-kg:param:lesson>", "group": "<urn:pcmh-kg:param:group>"}
    return {"name": CELL_QUERY, "text": sparql.with_bindings(q.text, marks), **marks}


def script_json(obj) -> str:
    """JSON safe inside <script type="application/json">: no '<' can close the block."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def render(st, base: str, **kw) -> str:
    body, net = payload(st, base, **kw)
    template = net.templateEnv.get_template(TEMPLATE)
    return template.render(title=body["meta"]["title"], payload=script_json(body), modules=MODULES)


def write(st, base: str, out: Path, **kw) -> dict:
    """Write the page atomically (a reader never sees half a file); return its counts."""
    html = render(st, base, **kw)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=".explorer-", suffix=".html")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(html)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return {"bytes": len(html.encode("utf-8"))}
