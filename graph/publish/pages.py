"""HTML pages of the server, rendered from the Jinja2 templates in templates/.

Autoescaping is on for every template, so a text from the data, a query or a request can never
add markup or script; only http(s) IRIs become links. IRIs under the graph's base link to this
server's own page for them, so a person browses the graph exactly as a machine dereferences it.
Pages load only the server's own /static/ files (no inline script: the Content-Security-Policy
allows 'self' alone).
"""

from __future__ import annotations

import urllib.parse
from collections import defaultdict
from pathlib import Path

import jinja2
import pyoxigraph as ox

from pcmh_kg.model import labels as iri_labels
from pcmh_kg.model.vocab import OWL, PCMH, RDF, RDFS, SKOS
from pcmh_kg.sinks import files as published

RDF_TYPE = RDF + "type"
TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = Path(__file__).resolve().parent / "static"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "connect-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")
NAV = (("Home", "/"), ("Lessons", "/lesson/"), ("Case studies", "/case/"), ("Tags", "/tag/"),
       ("Places", "/place/"), ("Organisations", "/organisation/"), ("Explorer", "/explorer"),
       ("Queries", "/queries"), ("SPARQL", "/sparql"), ("Dumps", "/dumps"))

ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                         trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
ENV.globals["nav"] = NAV


class Linker:
    """Turns IRIs into hrefs and names: local paths for the graph's own IRIs, labels where known."""

    def __init__(self, base: str, names=None):
        self.base = base
        self.names = names or {}

    def href(self, value: str | None) -> str | None:
        if not value:
            return None
        if value.startswith(self.base):
            return "/" + value[len(self.base):]
        if value.startswith(PCMH):
            return "/ontology#" + value[len(PCMH):]
        if value.startswith(("http://", "https://")):
            return value
        return None

    def name(self, value: str | None) -> str:
        if not value:
            return ""
        found = self.names(value) if callable(self.names) else self.names.get(value)
        return found if found and found != value else iri_labels.short(value, self.base)

    def cell(self, term) -> dict:
        """How a term shows in a table: a literal as its value, an IRI as a labelled link."""
        if term is None:
            return {"text": "", "href": None, "iri": None}
        if isinstance(term, ox.NamedNode):
            return {"text": self.name(term.value), "href": self.href(term.value), "iri": term.value}
        return {"text": iri_labels.text(term, self.base), "href": None, "iri": None}


def render(template: str, **context) -> bytes:
    return ENV.get_template(template).render(**context).encode("utf-8")


def error_page(status: int, message: str) -> bytes:
    titles = {400: "That request cannot be answered", 404: "Nothing is published here",
              406: "No acceptable format", 500: "Something went wrong on the server"}
    return render("error.html", status=status, title=titles.get(status, f"Error {status}"), message=message)


def triple_groups(iri: str, triples: list, ln: Linker) -> list[dict]:
    """The entity's triples, and those of the nodes it owns, as property tables (raw view)."""
    by_subject: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for t in triples:
        by_subject[t.subject.value][t.predicate.value].append(ln.cell(t.object))
    out = []
    for subject in [iri] + sorted(s for s in by_subject if s != iri):
        props = by_subject.get(subject)
        if not props:
            continue
        rows = [(ln.cell(ox.NamedNode(p)), props[p]) for p in sorted(props, key=lambda v: (v != RDF_TYPE, ln.name(v)))]
        out.append({"subject": ln.cell(ox.NamedNode(subject)), "anchor": subject[len(iri) + 1:] if subject != iri else "",
                    "rows": rows})
    return out


def entity_page(iri: str, triples: list, incoming: list, ln: Linker, formats: list[tuple[str, str]],
                view: tuple[str, dict] | None = None) -> bytes:
    """A directory entity's own page (`view` from views.entity_view), else the generic one; both
    end with the raw triples, folded for the people's pages."""
    raw = {"groups": triple_groups(iri, triples, ln),
           "incoming": [(ln.cell(t.subject), ln.cell(t.predicate)) for t in incoming]}
    title = ln.name(iri)
    types = [ln.cell(t.object) for t in triples if t.subject.value == iri and t.predicate.value == RDF_TYPE]
    template, context = view or ("entity.html", {})
    return render(template, iri=iri, title=title, types=types, formats=formats, raw=raw, ln=ln, **context)


def results_page(r, ln: Linker, query: str, note: str = "", downloads: list[tuple[str, str]] = (),
                 editor: str | None = None) -> bytes:
    """A result table: literals as values, IRIs as labelled links, and the same query as files."""
    if r.kind == "select":
        head, rows = r.variables, [[ln.cell(t) for t in row] for row in r.rows]
    elif r.kind == "graph":
        head = ["subject", "predicate", "object"]
        rows = [[ln.cell(t.subject), ln.cell(t.predicate), ln.cell(t.object)] for t in r.triples]
    else:
        head, rows = [], []
    return render("results.html", kind=r.kind, boolean=r.boolean, head=head, rows=rows, query=query, note=note,
                  downloads=downloads, editor=editor)


def queries_page(queries: list[tuple]) -> bytes:
    """`queries`: (Query, run_href, editor_href or None) for each catalogue query."""
    return render("queries.html", queries=queries)


def dumps_page(files: list[tuple[str, int]]) -> bytes:
    return render("dumps.html", files=[(n, "/dumps/" + urllib.parse.quote(n), size, published.what(n))
                                       for n, size in files])


def ontology_page(triples: list, base: str) -> bytes:
    """Documentation of ontology/pcmh.ttl: every term with its label, definition, domain and range."""
    props: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for t in triples:
        if isinstance(t.subject, ox.NamedNode):
            props[t.subject.value][t.predicate.value].append(t.object)
    names = {s: str(p[RDFS + "label"][0].value) for s, p in props.items() if p.get(RDFS + "label")}
    ln = Linker(base, names)
    onto = next((s for s, p in props.items() if any(o.value == OWL + "Ontology" for o in p.get(RDF_TYPE, []))), None)
    head = None
    if onto:
        p = props[onto]
        head = {"iri": onto, "title": next((o.value for o in p.get("http://purl.org/dc/terms/title", [])), "Ontology"),
                "about": [o.value for o in p.get("http://purl.org/dc/terms/description", [])]}
    sections = []
    for heading, cls in (("Classes", OWL + "Class"), ("Object properties", OWL + "ObjectProperty"),
                         ("Datatype properties", OWL + "DatatypeProperty"),
                         ("Annotation properties", OWL + "AnnotationProperty"), ("Individuals", OWL + "NamedIndividual")):
        members = sorted(s for s, p in props.items() if any(o.value == cls for o in p.get(RDF_TYPE, [])))
        terms = [{"iri": s, "anchor": _anchor(s), "short": iri_labels.short(s), "label": names.get(s, iri_labels.short(s)),
                  "rows": [(name, [ln.cell(o) for o in props[s][pred]]) for name, pred in ONTOLOGY_ROWS if props[s].get(pred)]}
                 for s in members]
        if terms:
            sections.append({"heading": heading, "terms": terms})
    return render("ontology.html", head=head, sections=sections)


ONTOLOGY_ROWS = (("definition", SKOS + "definition"), ("comment", RDFS + "comment"), ("subclass of", RDFS + "subClassOf"),
                 ("domain", RDFS + "domain"), ("range", RDFS + "range"), ("sub-property of", RDFS + "subPropertyOf"),
                 ("type", RDF_TYPE))


def _anchor(iri: str) -> str:
    if iri.startswith(PCMH):
        return iri[len(PCMH):]
    return "".join(c if c.isalnum() else "-" for c in iri)
