"""HTML pages of the server: entities, query results, the catalogue, the ontology documentation.

Every text that comes from the data, a query or a request goes through `esc` before it reaches
the page, and only http(s) IRIs become links, so no data value can add markup or script. IRIs
under the graph's base link to this server's own page for them, so a person can browse the graph
locally exactly as a machine dereferences it.
"""

from __future__ import annotations

import html
import urllib.parse
from collections import defaultdict

import pyoxigraph as ox

from pcmh_kg.model.vocab import OWL, PCMH, PREFIXES, RDF, RDFS, SKOS

esc = html.escape
RDF_TYPE = RDF + "type"

STYLE = """
body{font-family:system-ui,sans-serif;max-width:70rem;margin:0 auto;padding:0 1rem 3rem;color:#222;line-height:1.45}
nav{padding:.6rem 0;border-bottom:1px solid #ccc;margin-bottom:1rem}nav a{margin-right:1rem}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f4f4f4}code,pre{background:#f6f6f6}pre{padding:.6rem;overflow:auto;white-space:pre-wrap}
.iri{color:#666;font-size:.85em;word-break:break-all}.dt{color:#888;font-size:.8em}textarea{width:100%;font-family:monospace}
"""


class Linker:
    """Turns IRIs into hrefs and display names: local paths for the graph's own IRIs."""

    def __init__(self, base: str, labels: dict[str, str] | None = None):
        self.base = base
        self.labels = labels or {}

    def href(self, value: str) -> str | None:
        if value.startswith(self.base):
            return "/" + value[len(self.base):]
        if value.startswith(PCMH):
            return "/ontology#" + value[len(PCMH):]
        if value.startswith(("http://", "https://")):
            return value
        return None

    def short(self, value: str) -> str:
        if value.startswith(self.base):
            return value[len(self.base):]
        for prefix, ns in sorted(PREFIXES.items(), key=lambda x: -len(x[1])):
            if value.startswith(ns) and len(value) > len(ns):
                return f"{prefix}:{value[len(ns):]}"
        return value

    def name(self, value: str) -> str:
        return self.labels.get(value) or self.short(value)

    def link(self, value: str, text: str | None = None) -> str:
        label = esc(text if text is not None else self.name(value))
        href = self.href(value)
        if href is None:
            return f'<span title="{esc(value)}">{label}</span>'
        return f'<a href="{esc(href)}" title="{esc(value)}">{label}</a>'

    def term(self, t) -> str:
        if t is None:
            return ""
        if isinstance(t, ox.NamedNode):
            return self.link(t.value)
        if isinstance(t, ox.BlankNode):
            return f"_:{esc(t.value)}"
        extra = ""
        if t.language:
            extra = f' <span class="dt">@{esc(t.language)}</span>'
        elif t.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            extra = f' <span class="dt">{esc(self.short(t.datatype.value))}</span>'
        return esc(t.value) + extra


def layout(title: str, body: str, *, alternates: dict[str, str] | None = None) -> bytes:
    links = "".join(f'<link rel="alternate" type="{esc(t)}" href="{esc(h)}">' for t, h in (alternates or {}).items())
    nav = "".join(f'<a href="{h}">{n}</a>' for n, h in (
        ("Home", "/"), ("SPARQL", "/sparql"), ("Queries", "/queries"), ("Ontology", "/ontology"),
        ("VoID", "/void"), ("Dumps", "/dumps"), ("Explorer", "/explorer")))
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1">'
            f"<title>{esc(title)} · pcmh-kg</title>{links}<style>{STYLE}</style></head>"
            f"<body><nav>{nav}</nav><main>{body}</main></body></html>").encode()


def error_page(status: int, message: str) -> bytes:
    return layout(f"{status}", f"<h1>{status}</h1><pre>{esc(message)}</pre>")


def entity_page(iri: str, triples: list, incoming: list, labels: dict[str, str], base: str,
                formats: dict[str, str]) -> bytes:
    """`triples`: about the entity and the nodes it owns (IRIs under it); `incoming`: links to it."""
    ln = Linker(base, labels)
    by_subject: dict[str, list] = defaultdict(list)
    for t in triples:
        by_subject[t.subject.value].append(t)
    title = ln.name(iri)
    parts = [f"<h1>{esc(title)}</h1>", f'<p class="iri">{esc(iri)}</p>']
    types = [t.object for t in by_subject.get(iri, []) if t.predicate.value == RDF_TYPE]
    if types:
        parts.append("<p>a " + ", ".join(ln.term(t) for t in types) + "</p>")
    parts.append("<p>Also as: " + " · ".join(
        f'<a href="{esc(h)}">{esc(n)}</a>' for n, h in formats.items()) + "</p>")
    for subject in [iri] + sorted(s for s in by_subject if s != iri):
        rows = [t for t in by_subject[subject] if not (subject == iri and t.predicate.value == RDF_TYPE)]
        if not rows:
            continue
        if subject != iri:
            parts.append(f'<h2 id="{esc(subject[len(iri) + 1:])}">{ln.link(subject)}</h2>')
        parts.append(property_table(rows, ln))
    if incoming:
        parts.append("<h2>Referred to by</h2>")
        parts.append("<table><tr><th>subject</th><th>property</th></tr>" + "".join(
            f"<tr><td>{ln.term(t.subject)}</td><td>{ln.link(t.predicate.value)}</td></tr>" for t in incoming)
            + "</table>")
    return layout(title, "".join(parts), alternates={m: h for m, h in formats.items() if "/" in m})


def property_table(triples: list, ln: Linker) -> str:
    grouped: dict[str, list] = defaultdict(list)
    for t in triples:
        grouped[t.predicate.value].append(t.object)
    rows = []
    for p in sorted(grouped, key=lambda v: (v != RDF_TYPE, ln.name(v))):
        values = "<br>".join(ln.term(o) for o in grouped[p])
        rows.append(f"<tr><th>{ln.link(p)}</th><td>{values}</td></tr>")
    return "<table>" + "".join(rows) + "</table>"


def results_page(r, base: str, query: str, labels: dict[str, str] | None = None, note: str = "") -> bytes:
    ln = Linker(base, labels)
    parts = ["<h1>Query results</h1>", f"<details><summary>query</summary><pre>{esc(query)}</pre></details>"]
    if note:
        parts.append(f"<p><strong>{esc(note)}</strong></p>")
    if r.kind == "ask":
        parts.append(f"<p>{'yes' if r.boolean else 'no'}</p>")
    elif r.kind == "select":
        head = "".join(f"<th>{esc(v)}</th>" for v in r.variables)
        body = "".join("<tr>" + "".join(f"<td>{ln.term(t)}</td>" for t in row) + "</tr>" for row in r.rows)
        parts.append(f"<p>{len(r.rows)} row(s)</p><table><tr>{head}</tr>{body}</table>")
    else:
        body = "".join(f"<tr><td>{ln.term(t.subject)}</td><td>{ln.term(t.predicate)}</td><td>{ln.term(t.object)}</td></tr>"
                       for t in r.triples)
        parts.append(f"<p>{len(r.triples)} triple(s)</p><table>{body}</table>")
    return layout("Query results", "".join(parts))


def sparql_form(example: str, timeout: float, max_rows: int, service: bool) -> bytes:
    body = (
        "<h1>SPARQL endpoint</h1>"
        "<p>SPARQL 1.1 Protocol: GET or POST <code>query=</code> (form or <code>application/sparql-query</code>). "
        "SELECT and ASK as JSON, XML, CSV or TSV; CONSTRUCT and DESCRIBE as Turtle, N-Triples or JSON-LD, chosen "
        "by the Accept header (or <code>format=json|xml|csv|tsv|turtle|ntriples|jsonld|html</code>). "
        f"Read-only; queries stop after {timeout:g} s; at most {max_rows} rows are returned "
        "(header <code>X-Result-Truncated: true</code> when cut); "
        + ("SERVICE is allowed." if service else "SERVICE (federation) is refused.") + "</p>"
        '<form method="get" action="/sparql"><textarea name="query" rows="14">'
        f"{esc(example)}</textarea><input type=hidden name=format value=html>"
        "<p><button type=submit>Run</button></p></form>")
    return layout("SPARQL", body)


def queries_page(queries: list[tuple], ) -> bytes:
    """`queries`: (Query, run_href, sparql_href or None) for each catalogue query."""
    parts = ["<h1>Query catalogue</h1>", "<p>Each query runs over this server's graph; parameters are "
             "bound as typed RDF terms. Change them in the form, or call "
             "<code>/queries/NAME?param=value</code> with an Accept header for JSON, CSV, TSV or XML.</p>"]
    for q, run_href, sparql_href in queries:
        inputs = "".join(
            f'<label>{esc(p.name)} <input name="{esc(p.name)}" value="{esc(p.default or "")}" '
            f'title="{esc(p.type)}: {esc(p.description)}"></label> ' for p in q.params)
        parts.append(
            f'<section id="{esc(q.name)}"><h2>{esc(q.title)}</h2><p>{esc(q.description)}</p>'
            f'<p><a class="run" href="{esc(run_href)}">run</a>'
            + (f' · <a href="{esc(sparql_href)}">open in /sparql</a>' if sparql_href else "") + "</p>"
            + (f'<form method="get" action="/queries/{esc(q.name)}">{inputs}'
               '<input type=hidden name=format value=html><button>run with these</button></form>' if q.params else "")
            + f"<details><summary>SPARQL</summary><pre>{esc(q.text)}</pre></details></section>")
    return layout("Query catalogue", "".join(parts))


def ontology_page(triples: list, base: str) -> bytes:
    """Documentation of ontology/pcmh.ttl: every term with its label, definition, domain and range."""
    ln = Linker(base, {})
    props: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for t in triples:
        if isinstance(t.subject, ox.NamedNode):
            props[t.subject.value][t.predicate.value].append(t.object)
    labels = {s: str(p[RDFS + "label"][0].value) for s, p in props.items() if p.get(RDFS + "label")}
    ln.labels = labels
    onto = next((s for s, p in props.items() if any(o.value == OWL + "Ontology" for o in p.get(RDF_TYPE, []))), None)
    sections = [("Classes", OWL + "Class"), ("Object properties", OWL + "ObjectProperty"),
                ("Datatype properties", OWL + "DatatypeProperty"), ("Annotation properties", OWL + "AnnotationProperty"),
                ("Individuals", OWL + "NamedIndividual")]
    parts = []
    if onto:
        p = props[onto]
        title = next((o.value for o in p.get("http://purl.org/dc/terms/title", [])), "Ontology")
        parts.append(f"<h1>{esc(title)}</h1><p class=iri>{esc(onto)}</p>")
        for o in p.get("http://purl.org/dc/terms/description", []):
            parts.append(f"<p>{esc(o.value)}</p>")
        parts.append('<p>Turtle: <a href="/ontology.ttl">ontology.ttl</a></p>')
    toc, body = [], []
    for heading, cls in sections:
        members = sorted(s for s, p in props.items() if any(o.value == cls for o in p.get(RDF_TYPE, [])))
        if not members:
            continue
        body.append(f"<h2>{esc(heading)}</h2>")
        toc.append(f"<h3>{esc(heading)}</h3><p>" + " · ".join(
            f'<a href="#{esc(_anchor(s))}">{esc(ln.short(s))}</a>' for s in members) + "</p>")
        for s in members:
            p = props[s]
            rows = []
            for name, pred in (("definition", SKOS + "definition"), ("comment", RDFS + "comment"),
                               ("subclass of", RDFS + "subClassOf"), ("domain", RDFS + "domain"),
                               ("range", RDFS + "range"), ("sub-property of", RDFS + "subPropertyOf"),
                               ("type", RDF_TYPE)):
                if p.get(pred):
                    rows.append(f"<tr><th>{name}</th><td>{'<br>'.join(ln.term(o) for o in p[pred])}</td></tr>")
            body.append(f'<section id="{esc(_anchor(s))}"><h3>{esc(labels.get(s, ln.short(s)))} '
                        f'<code>{esc(ln.short(s))}</code></h3><p class=iri>{esc(s)}</p><table>{"".join(rows)}</table></section>')
    return layout("Ontology", "".join(parts + toc + body), alternates={"text/turtle": "/ontology.ttl"})


def _anchor(iri: str) -> str:
    if iri.startswith(PCMH):
        return iri[len(PCMH):]
    return "".join(c if c.isalnum() else "-" for c in iri)


def home_page(summary: dict, examples: list[tuple[str, str]], base: str) -> bytes:
    ln = Linker(base)
    items = "".join(f"<li>{ln.link(iri, label)}</li>" for iri, label in examples)
    body = (f"<h1>pcmh-kg</h1><p>A linked-data knowledge graph of primary care mental health practice: "
            f"{esc(str(summary.get('triples', '?')))} triples, {esc(str(summary.get('cases', '?')))} case studies "
            f"(profile {esc(str(summary.get('profile', '?')))}).</p>"
            f"<p>Base IRI <code>{esc(base)}</code>: every IRI under it is served here at the same path, as HTML, "
            "Turtle, JSON-LD or N-Triples by content negotiation.</p><ul>"
            '<li><a href="/sparql">SPARQL endpoint</a></li><li><a href="/queries">query catalogue</a></li>'
            '<li><a href="/ontology">ontology</a></li><li><a href="/void">VoID description</a></li>'
            '<li><a href="/dumps">dumps</a></li><li><a href="/explorer">explorer</a></li></ul>'
            f"<h2>Start from</h2><ul>{items}</ul>")
    return layout("pcmh-kg", body)


def dumps_page(files: list[tuple[str, int]]) -> bytes:
    rows = "".join(f'<tr><td><a href="/dumps/{urllib.parse.quote(n)}">{esc(n)}</a></td><td>{size:,}</td></tr>'
                   for n, size in files)
    return layout("Dumps", f"<h1>Dumps</h1><table><tr><th>file</th><th>bytes</th></tr>{rows}</table>")
