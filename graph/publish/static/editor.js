/* The SPARQL editor at /sparql: YASGUI, bundled, kept to this server.
 *
 * - the only endpoint is this server's /sparql; the endpoint box is hidden;
 * - prefix completion uses YASGUI's bundled list (prefixCcApi stays null: no call to prefix.cc),
 *   and the class/property completers, which ask Linked Open Vocabularies, are not enabled;
 * - the query lives in the address (#query=...), so every query has a URL to share;
 * - IRIs in the result table show their label when the graph has one, and IRIs of this graph
 *   link to this server's own pages;
 * - CSV, TSV and JSON of the same query are links to /sparql?format=..., made by the server.
 */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("editor-config").textContent);
  var endpoint = location.origin + "/sparql";
  var prologue = Object.keys(cfg.prefixes).map(function (p) { return "PREFIX " + p + ": <" + cfg.prefixes[p] + ">"; }).join("\n");
  var starter = prologue + "\n\nSELECT ?case ?title WHERE {\n  ?case a pcmh:CaseStudy ; dcterms:title ?title .\n}\nORDER BY ?title\nLIMIT 20\n";
  var labels = {};

  function fromHash() {
    var m = /(?:^#|&)query=([^&]*)/.exec(location.hash);
    return m ? decodeURIComponent(m[1].replace(/\+/g, " ")) : null;
  }

  var yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST", acceptHeaderSelect: "application/sparql-results+json" },
    copyEndpointOnNewTab: true,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; }, keys: [] },
    persistenceId: null,
    populateFromUrl: false,
    yasqe: { autocompleters: ["prefixes", "variables"], prefixCcApi: null, value: starter, resizeable: true,
             editorHeight: "320px", showQueryButton: true },
    yasr: { prefixes: cfg.prefixes, defaultPlugin: "table", pluginOrder: ["table", "response"] }
  });
  var tab = yasgui.getTab();
  var yasqe = tab.getYasqe();
  var shared = fromHash();
  if (shared) { yasqe.setValue(shared); }

  function serverLink(fmt) {
    return "/sparql?" + new URLSearchParams({ query: yasqe.getValue(), format: fmt }).toString();
  }
  function share() {
    history.replaceState(null, "", "#query=" + encodeURIComponent(yasqe.getValue()));
    ["csv", "tsv", "json", "html"].forEach(function (f) { document.getElementById("dl-" + f).href = serverLink(f); });
    document.getElementById("downloads").hidden = false;
  }
  yasqe.on("change", function () { history.replaceState(null, "", "#query=" + encodeURIComponent(yasqe.getValue())); });
  yasgui.on("query", share);

  document.getElementById("examples").addEventListener("change", function (ev) {
    var e = cfg.examples[+ev.target.value];
    if (e) { yasqe.setValue(e.text); share(); }
  });

  /* ------------------------------------------------------------- labels in the table */
  function relabel(root) {
    root.querySelectorAll("a.iri:not([data-labelled])").forEach(function (a) {
      var iri = a.getAttribute("href");
      if (!(iri in labels)) return;
      a.setAttribute("data-labelled", "1");
      a.title = iri;
      if (labels[iri]) a.textContent = labels[iri];
      if (iri.indexOf(cfg.base) === 0) { a.href = "/" + iri.slice(cfg.base.length); a.removeAttribute("target"); }
    });
  }
  function fetchLabels(iris) {
    var wanted = iris.filter(function (i) { return !(i in labels) && !/[<>"\s{}|\\^`]/.test(i); }).slice(0, 1000);
    if (!wanted.length) return Promise.resolve();
    var q = "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\nSELECT ?x ?l WHERE { VALUES ?x { " +
      wanted.map(function (i) { return "<" + i + ">"; }).join(" ") + " } ?x rdfs:label ?l }";
    return fetch(endpoint, { method: "POST", body: new URLSearchParams({ query: q }),
                             headers: { Accept: "application/sparql-results+json" } })
      .then(function (r) { return r.ok ? r.json() : { results: { bindings: [] } }; })
      .then(function (doc) {
        wanted.forEach(function (i) { labels[i] = ""; });
        doc.results.bindings.forEach(function (b) { if (!labels[b.x.value]) labels[b.x.value] = b.l.value; });
      });
  }
  var results = document.querySelector("#yasgui");
  new MutationObserver(function () { relabel(results); }).observe(results, { childList: true, subtree: true });
  var yasr = tab.getYasr();
  yasr.on("drawn", function () {
    var bindings = (yasr.results && yasr.results.getBindings && yasr.results.getBindings()) || [];
    var iris = [];
    bindings.forEach(function (b) {
      Object.keys(b).forEach(function (k) { if (b[k] && b[k].type === "uri") iris.push(b[k].value); });
    });
    fetchLabels(iris).then(function () { relabel(results); });
  });
  window.pcmhEditor = { yasgui: yasgui, yasqe: yasqe, labels: labels };
}());
