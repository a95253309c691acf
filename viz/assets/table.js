/* pcmh-kg explorer: the table view (sortable from the keyboard: its headings are buttons) and the
   download of the cases shown, as CSV or Excel. */
window.PCMHModules = window.PCMHModules || {};
window.PCMHModules.table = function (P) {
  "use strict";
  var D = P.D, el = P.el, fmt = P.fmt, cmp = P.cmp, byId = P.byId, labelOf = P.labelOf;
  var caseLessons = P.caseLessons, casePlaces = P.casePlaces, SCOPES = P.SCOPES, $ = function (id) { return document.getElementById(id); };
  /* ---------------------------------------------------------------- table */
  var COLS = [
    { key: "title", label: "Case study", get: function (n) { return n.label; } },
    { key: "lessons", label: "Lessons", num: true, get: function (n) { return n.lessons; } },
    { key: "which", label: "Lesson numbers", get: function (n) {
      return (caseLessons.get(n.id) || []).map(function (l) { return byId.get(l).order; }).sort(function (a, b) { return a - b; }).join(", "); } },
    { key: "themes", label: "Themes", num: true, get: function (n) { return n.themes; } },
    { key: "place", label: "Place", get: function (n) { return (casePlaces.get(n.id) || []).map(labelOf).join(", "); } },
    { key: "scope", label: "Scope", get: function (n) { return SCOPES[(D.cases[n.id] || {}).scope] || ""; } },
    { key: "started", label: "Started", num: true, get: function (n) { var s = (D.cases[n.id] || {}).started; return s ? Number(s) : null; } }
  ];
  var sort = { key: "lessons", dir: -1 }, TABLE_ROWS = 500;
  function setupTable() {
    var tr = document.querySelector("#case-table thead tr");
    COLS.forEach(function (col) {
      var b = el("button", { type: "button", "data-key": col.key, text: col.label });
      b.addEventListener("click", function () {
        sort = { key: col.key, dir: sort.key === col.key ? -sort.dir : (col.num ? -1 : 1) };
        renderTable();
      });
      tr.append(el("th", { scope: "col", "data-key": col.key }, b));
    });
  }
  function renderTable() {
    var col = COLS.filter(function (c) { return c.key === sort.key; })[0];
    var rows = P.currentCases().map(function (n) { return [col.get(n), n]; });
    rows.sort(function (a, b) {
      var x = a[0], y = b[0];
      if (x === null || x === "") return 1; if (y === null || y === "") return -1;
      return sort.dir * (col.num ? x - y : cmp(String(x).toLowerCase(), String(y).toLowerCase())) || cmp(a[1].label, b[1].label);
    });
    document.querySelectorAll("#case-table th").forEach(function (th) {
      th.setAttribute("aria-sort", th.dataset.key === sort.key ? (sort.dir > 0 ? "ascending" : "descending") : "none");
    });
    var tbody = document.querySelector("#case-table tbody");
    tbody.replaceChildren();
    rows.slice(0, TABLE_ROWS).forEach(function (r) {
      var n = r[1], tr = el("tr", { class: n.lessons >= 2 ? "multi" : "" });
      COLS.forEach(function (c, i) {
        var v = c.get(n);
        if (i === 0) {
          var b = el("button", { type: "button", class: "node-link", "data-id": n.id, text: n.label });
          b.addEventListener("click", function () { P.openPanel(n.id); });
          tr.append(el("th", { scope: "row" }, b));
        } else tr.append(el("td", { class: c.num ? "num" : "", text: v === null ? "" : String(v) }));
      });
      tbody.append(tr);
    });
    var more = $("table-more");
    more.hidden = rows.length <= TABLE_ROWS;
    more.textContent = "Showing the first " + fmt(TABLE_ROWS) + " of " + fmt(rows.length) + " rows; narrow the filters to see the others.";
  }

  /* ---------------------------------------------------------------- export */
  var EXPORT_HEAD = ["Case study", "Lessons evidenced", "Lesson numbers", "Themes", "Place", "Scope", "Started",
                     "Organisations", "Contact organisation", "Contact role", "Contact page", "Sources", "Web address"];
  function exportRows(cases) {
    return cases.map(function (n) {
      var c = D.cases[n.id] || {}, ct = c.contact || {};
      return [n.label, n.lessons, COLS[2].get(n), n.themes, COLS[4].get(n), SCOPES[c.scope] || "", c.started ? Number(c.started) : "",
              (c.orgs || []).map(function (o) { return o.name; }).join("; "), ct.organisation || "", ct.role || "", ct.url || "",
              (c.sources || []).map(function (x) { return x.url; }).join(" "), D.meta.base + n.id];
    });
  }
  function exportSelection(kind) {
    P.lastExport = window.PCMHExport.download("pcmh-kg case studies", kind, EXPORT_HEAD, exportRows(P.currentCases()), "Case studies");
  }
  setupTable();
  $("export-csv").addEventListener("click", function () { exportSelection("csv"); });
  $("export-xlsx").addEventListener("click", function () { exportSelection("xlsx"); });
  P.exportRows = exportRows; P.EXPORT_HEAD = EXPORT_HEAD;
  P.views.table = { render: renderTable };
};
