"""The pages for people, as answers the server's route table can return.

One `People` per served graph: it reads the site's index at start (site.Site), names every IRI
it can (the index's labels first, then the backend's), and turns a request into (status, content
type, body, headers). Bad parameters become HTML error pages with a one-line reason; a page
never shows another dataset than the one served. Static files are the package's own
publish/static/ folder, read once at start, so no path from a request ever reaches the disk.
"""

from __future__ import annotations

import mimetypes
import urllib.parse

from pcmh_kg.model.vocab import PREFIXES
from pcmh_kg.publish import indexes, pages, views
from pcmh_kg.publish.site import Site
from pcmh_kg.sinks import sheet

HTML = "text/html; charset=utf-8"
INDEX_TITLES = {"case": "Case studies", "lesson": "Lessons", "theme": "Themes", "tag": "Tags",
                "place": "Places", "organisation": "Organisations"}


def _static_files() -> dict[str, tuple[str, bytes]]:
    out = {}
    for path in sorted(pages.STATIC.rglob("*")):
        if path.is_file() and (path.suffix in (".css", ".js", ".txt", ".md", ".svg") or path.name == "LICENSE"):
            ctype = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}.get(
                path.suffix) or (mimetypes.guess_type(path.name)[0] or "text/plain") + "; charset=utf-8"
            out[path.relative_to(pages.STATIC).as_posix()] = (ctype, path.read_bytes())
    return out


class People:
    def __init__(self, base: str, select, labels=None):
        """`select(text)`: a SELECT over the served graph; `labels(iris)`: the backend's names."""
        self.base = base
        self.site = Site(base, select)
        self.backend_labels = labels or (lambda iris: {})
        self.static_files = _static_files()

    def headers(self, extra: dict | None = None) -> dict:
        return {"Content-Security-Policy": pages.CSP, **(extra or {})}

    def linker(self, extra: dict[str, str] | None = None) -> pages.Linker:
        site, extra = self.site, extra or {}

        def name(iri: str) -> str | None:
            found = site.label(iri)
            return found if found != iri else extra.get(iri)
        return pages.Linker(self.base, name)

    def html(self, body: bytes, status: int = 200, extra: dict | None = None) -> tuple:
        return status, HTML, body, self.headers(extra)

    def error(self, status: int, message: str, extra: dict | None = None) -> tuple:
        return self.html(pages.error_page(status, message), status, extra)

    def guarded(self, make) -> tuple:
        """Run a page function; a PageError becomes its HTML error page."""
        try:
            return self.html(make())
        except views.PageError as exc:
            return self.error(exc.status, exc.message)

    # ------------------------------------------------------------------ routes
    def home(self, release: dict | None = None) -> tuple:
        return self.html(pages.render("home.html", title="Home", ln=self.linker(), release=release,
                                      **views.home_view(self.site)))

    def index(self, kind: str, params: dict) -> tuple:
        if "csv" in [v.strip() for v in params.get("format", [])]:  # given twice: refused by index_table
            try:
                name, header, rows = indexes.index_table(self.site, kind, params)
            except views.PageError as exc:
                return self.error(exc.status, exc.message)
            return 200, "text/csv; charset=utf-8", sheet.csv_bytes(header, rows), \
                {"Content-Disposition": f'attachment; filename="{name}"'}
        return self.guarded(lambda: pages.render("index.html", title=INDEX_TITLES[kind],
                                                 **indexes.index_view(self.site, kind, params)))

    def search(self, params: dict) -> tuple:
        return self.guarded(lambda: pages.render("search.html", title="Search", ln=self.linker(),
                                                 **views.search_view(self.site, params)))

    def entity(self, iri: str, own: list, incoming: list, formats: list[tuple[str, str, str]]) -> tuple:
        """The HTML page of an IRI: the directory's own layout for its entities, else the triples."""
        known = {x.value for t in own + incoming for x in (t.subject, t.predicate, t.object)
                 if type(x).__name__ == "NamedNode" and self.site.label(x.value) == x.value}
        ln = self.linker(self.backend_labels(known) if known else {})
        return self.html(pages.entity_page(iri, own, incoming, ln, formats, views.entity_view(self.site, iri)))

    def editor(self, catalogue: dict, minter_bind, timeout: float, max_rows: int, service: bool) -> tuple:
        """`minter_bind(query)`: the query's text with its defaults bound, or None if it needs input."""
        examples = [{"title": q.title, "text": text} for q in catalogue.values()
                    if (text := minter_bind(q)) is not None]
        return self.html(pages.render("sparql.html", title="SPARQL editor", examples=examples, prefixes=PREFIXES,
                                      base=self.base, timeout=timeout, max_rows=max_rows, service=service))

    def results(self, r, query_text: str, note: str, here: str, params: dict, labels: dict[str, str]) -> tuple:
        """An HTML result table, with links to the same query as CSV, TSV and JSON."""
        keep = [(k, v) for k, vs in params.items() if k != "format" for v in vs]
        link = lambda fmt: here + "?" + urllib.parse.urlencode(keep + [("format", fmt)])  # noqa: E731
        downloads = [("CSV", link("csv")), ("TSV", link("tsv")), ("JSON", link("json"))] if r.kind != "graph" else \
            [("Turtle", link("turtle")), ("N-Triples", link("ntriples")), ("JSON-LD", link("jsonld"))]
        editor = "/sparql#" + urllib.parse.urlencode({"query": query_text})
        return self.html(pages.results_page(r, self.linker(labels), query_text, note, downloads, editor))

    def static(self, name: str) -> tuple:
        found = self.static_files.get(name)
        if found is None:
            return self.error(404, f"no static file named {name!r}")
        return 200, found[0], found[1], {"Cache-Control": "public, max-age=3600"}
