/* pcmh-kg explorer: the evidence-and-gap map (Campbell Collaboration / EPPI-Mapper style).
   Rows: the ten lessons grouped by theme. Columns: scope, UK region or nation, country, theme, or
   the narrower tags of one top tag. Each cell is a button: a bubble sized by its number of cases,
   split by the origin of the lesson links, or a gap mark. It is a real <table>, so a screen reader
   reads it as a table; arrow keys move between cells. A cell lists its cases with the one-line
   reason, source and public contact, and gives the library query (evidence-map-cell) that returns
   the same cases from the graph. */
window.PCMHModules = window.PCMHModules || {};
window.PCMHModules.egm = function (P) {
  "use strict";
  var D = P.D, el = P.el, fmt = P.fmt, $ = function (id) { return document.getElementById(id); };
  var LIST_MAX = 100, ORIGIN_COLOUR = { curated: "#1D4ED8", guide: "#F59E0B" };
  var origin = new Map();  /* "case lesson" -> origin */
  Object.keys(D.cases).forEach(function (id) { (D.cases[id].evidence || []).forEach(function (e) { origin.set(id + " " + e.lesson, e.origin); }); });

  function placeCol(p) { return { key: p, label: (D.places[p] || {}).label || p, iri: D.meta.base + p }; }
  function placesWithCases() { var s = new Set(); P.ofType.case.forEach(function (n) { ((D.cases[n.id] || {}).within || []).forEach(function (p) { s.add(p); }); }); return s; }
  function colsets() {
    var used = placesWithCases(), sets = [];
    var within = function (n) { return (D.cases[n.id] || {}).within || []; };
    sets.push({ key: "scope", label: "Scope: " + Object.keys(P.SCOPES).map(function (s) { return P.SCOPES[s]; }).join(", "), of: function (n) { return [(D.cases[n.id] || {}).scope]; },
                cols: Object.keys(P.SCOPES).map(function (s) { return { key: s, label: P.SCOPES[s], iri: D.meta.scopeIris[s] }; }) });
    var uk = Object.keys(D.places).filter(function (p) { return D.places[p].iso === "GB"; })[0];
    var nations = Object.keys(D.places).filter(function (p) { return D.places[p].type === "nation" && D.places[p].parent === uk; });
    var regionCols = [];
    nations.sort(function (a, b) { return P.cmp(D.places[a].label, D.places[b].label); }).forEach(function (nat) {
      var regs = Object.keys(D.places).filter(function (p) { return D.places[p].type === "region" && D.places[p].parent === nat; });
      if (regs.length) regs.sort(function (a, b) { return P.cmp(D.places[a].label, D.places[b].label); }).forEach(function (r) { regionCols.push(placeCol(r)); });
      else regionCols.push(placeCol(nat));
    });
    sets.push({ key: "region", label: "UK region or nation", of: within, cols: regionCols });
    sets.push({ key: "country", label: "Country", of: within, cols: Object.keys(D.places).filter(function (p) { return D.places[p].type === "country" && used.has(p); })
      .sort(function (a, b) { return P.cmp(D.places[a].label, D.places[b].label); }).map(placeCol) });
    sets.push({ key: "theme", label: "Theme (cases also evidencing a lesson of the theme)", of: function (n) { return P.caseThemes.get(n.id) || []; },
                cols: P.ofType.theme.map(function (t) { return { key: t.id, label: t.label, iri: D.meta.base + t.id }; }) });
    Object.keys(D.tags).filter(function (t) { return !D.tags[t].broader; }).sort().forEach(function (top) {
      var kids = Object.keys(D.tags).filter(function (t) { return D.tags[t].broader === top; })
        .sort(function (a, b) { return P.cmp(D.tags[a].label, D.tags[b].label); });
      if (kids.length) sets.push({ key: top, label: "Tags: " + D.tags[top].label, of: function (n) { return P.tagWithin.get(n.id) || []; },
                                   cols: kids.map(function (t) { return { key: t, label: D.tags[t].label, iri: D.meta.base + t }; }) });
    });
    return sets;
  }
  var SETS = colsets(), cur = SETS[0], cell = null, grid = null, focus = [0, 0];

  function compute() {
    var colIx = new Map(), lessons = P.ofType.lesson, lessonIx = new Map();
    cur.cols.forEach(function (c, i) { colIx.set(c.key, i); });
    lessons.forEach(function (l, i) { lessonIx.set(l.id, i); });
    var cells = lessons.map(function () { return cur.cols.map(function () { return { ids: [], guide: 0, curated: 0 }; }); });
    var outside = 0;
    P.filtered().forEach(function (n) {
      var ks = cur.of(n).map(function (k) { return colIx.get(k); }).filter(function (i) { return i !== undefined; });
      if (!ks.length) { outside++; return; }
      (P.caseLessons.get(n.id) || []).forEach(function (l) {
        var row = cells[lessonIx.get(l)], o = origin.get(n.id + " " + l) === "guide" ? "guide" : "curated";
        ks.forEach(function (k) { row[k].ids.push(n.id); row[k][o]++; });
      });
    });
    var max = 1;
    cells.forEach(function (r) { r.forEach(function (c) { max = Math.max(max, c.ids.length); }); });
    return { cells: cells, max: max, outside: outside };
  }
  function bubble(c, max) {
    var n = c.ids.length, NS = "http://www.w3.org/2000/svg", size = 40;
    var svg = document.createElementNS(NS, "svg");
    svg.setAttribute("viewBox", "0 0 40 40"); svg.setAttribute("width", size); svg.setAttribute("height", size); svg.setAttribute("aria-hidden", "true");
    if (!n) {
      var g = document.createElementNS(NS, "path");
      g.setAttribute("d", "M14 14L26 26M26 14L14 26"); g.setAttribute("class", "gapmark");
      svg.append(g); return svg;
    }
    var r = 5 + 14 * Math.sqrt(n / max);
    var circle = document.createElementNS(NS, "circle");
    circle.setAttribute("cx", 20); circle.setAttribute("cy", 20); circle.setAttribute("r", r.toFixed(1));
    circle.setAttribute("fill", c.curated ? ORIGIN_COLOUR.curated : ORIGIN_COLOUR.guide);
    svg.append(circle);
    if (c.guide && c.curated) {  /* the guide's share as a wedge from twelve o'clock */
      var a = 2 * Math.PI * c.guide / n, x = 20 + r * Math.sin(a), y = 20 - r * Math.cos(a);
      var w = document.createElementNS(NS, "path");
      w.setAttribute("d", "M20 20L20 " + (20 - r).toFixed(1) + "A" + r.toFixed(1) + " " + r.toFixed(1) + " 0 " + (a > Math.PI ? 1 : 0) + " 1 " + x.toFixed(1) + " " + y.toFixed(1) + "Z");
      w.setAttribute("fill", ORIGIN_COLOUR.guide); svg.append(w);
    }
    return svg;
  }
  function cellLabel(li, ci, c) {
    var l = P.ofType.lesson[li], n = c.ids.length;
    return "Lesson " + l.order + " × " + cur.cols[ci].label + ": " + (n ? fmt(n) + (n === 1 ? " case" : " cases") + " (" + fmt(c.curated) + " curated here, " + fmt(c.guide) + " stated in the guide)" : "no case, a gap");
  }
  function render() {
    grid = compute();
    var table = $("egm-grid"), head = el("tr", null, el("th", { scope: "col", class: "corner", text: "Lesson" }));
    cur.cols.forEach(function (c) { head.append(el("th", { scope: "col", text: c.label })); });
    var tbody = el("tbody");
    P.ofType.theme.forEach(function (t) {
      tbody.append(el("tr", { class: "theme-row" }, el("th", { scope: "rowgroup", colspan: String(cur.cols.length + 1) }, el("span", { text: t.label }))));
      P.ofType.lesson.forEach(function (l, li) {
        if (D.lessonThemes[l.id] !== t.id) return;
        var tr = el("tr", null, el("th", { scope: "row", text: l.label }));
        grid.cells[li].forEach(function (c, ci) {
          var b = el("button", { type: "button", class: "cell" + (c.ids.length ? "" : " gap"), "data-lesson": l.id, "data-col": cur.cols[ci].key,
                                 "data-count": String(c.ids.length), "aria-label": cellLabel(li, ci, c), tabindex: "-1" },
                     bubble(c, grid.max), el("span", { class: "n", text: c.ids.length ? fmt(c.ids.length) : "gap" }));
          b.addEventListener("click", function () { openCell(l.id, cur.cols[ci].key); });
          b.addEventListener("keydown", keys);
          tr.append(el("td", null, b));
        });
        tbody.append(tr);
      });
    });
    $("egm-caption").textContent = "Rows: the ten lessons by theme. Columns: " + cur.label + ". Each cell counts the case studies matching the filters that evidence the lesson and fall in the column.";
    table.replaceChildren(el("thead", null, head), tbody);
    var gaps = table.querySelectorAll(".cell.gap").length;
    $("egm-note").textContent = fmt(P.filtered().length) + " case studies match the filters; " + fmt(gaps) + " of " + fmt(P.ofType.lesson.length * cur.cols.length) +
      " cells are gaps." + (grid.outside ? " " + fmt(grid.outside) + " matching cases fall in no column (for example placed at England or UK level)." : "");
    var first = table.querySelector(".cell");
    var want = table.querySelector(".cell[data-lesson='" + (cell ? cell[0] : "") + "'][data-col='" + (cell ? cell[1] : "") + "']") || first;
    if (want) want.tabIndex = 0;
    if (cell) showCell(); else $("egm-cell").replaceChildren();
    scrollCue();
  }
  /* On a narrow screen the grid scrolls sideways inside its box (the lesson names stay put): say
     how many columns are out of sight and on which side, and shade the edge they are behind. */
  function scrollCue() {
    var wrap = document.querySelector(".egm-wrap"), box = wrap.parentNode, cue = $("egm-more");
    if (!wrap.clientWidth) return;  /* hidden: the cue is worked out when the view shows */
    var edge = wrap.getBoundingClientRect(), first = wrap.querySelector("tbody th[scope=row]");
    var left = first ? first.getBoundingClientRect().right : edge.left, right = 0, before = 0;
    box.style.setProperty("--stick", (left - edge.left) + "px");  /* the names' width: shade and scroll-padding */
    wrap.querySelectorAll("thead th:not(.corner)").forEach(function (th) {
      var r = th.getBoundingClientRect();
      if (r.right > edge.right + 1) right++; else if (r.left < left - 1) before++;
    });
    box.dataset.more = right ? "right" : ""; box.dataset.less = before ? "left" : "";
    cue.hidden = !(right || before);
    var cols = function (n, side) { return fmt(n) + " more " + (n === 1 ? "column" : "columns") + (side ? " to the " + side : ""); };
    cue.textContent = "Scroll sideways: " + [before ? "← " + cols(before, "left") : "",
      right ? cols(right, before ? "" : "right") + " →" : ""].filter(Boolean).join(" · ");
  }
  document.querySelector(".egm-wrap").addEventListener("scroll", scrollCue, { passive: true });
  window.addEventListener("resize", function () { if (P.state.view === "egm") scrollCue(); });
  function keys(e) {
    var b = e.currentTarget, td = b.parentNode, tr = td.parentNode, col = Array.prototype.indexOf.call(tr.children, td), next = null;
    var rows = Array.prototype.filter.call(tr.parentNode.children, function (r) { return r.querySelector(".cell"); }), ri = rows.indexOf(tr);
    if (e.key === "ArrowRight") next = tr.children[col + 1];
    else if (e.key === "ArrowLeft") next = col > 1 ? tr.children[col - 1] : null;
    else if (e.key === "ArrowDown") next = rows[ri + 1] && rows[ri + 1].children[col];
    else if (e.key === "ArrowUp") next = rows[ri - 1] && rows[ri - 1].children[col];
    else if (e.key === "Home") next = tr.children[1];
    else if (e.key === "End") next = tr.children[tr.children.length - 1];
    else return;
    e.preventDefault();
    if (next && next.querySelector(".cell")) { b.tabIndex = -1; var nb = next.querySelector(".cell"); nb.tabIndex = 0; nb.focus(); }
  }
  function colOf(key) { return cur.cols.filter(function (c) { return c.key === key; })[0]; }
  function openCell(lesson, col) { cell = [lesson, col]; showCell(); P.url.write(); $("egm-cell").scrollIntoView({ block: "nearest" }); }
  function cellCases() {
    var li = P.ofType.lesson.map(function (l) { return l.id; }).indexOf(cell[0]);
    var ci = cur.cols.map(function (c) { return c.key; }).indexOf(cell[1]);
    return li < 0 || ci < 0 ? null : grid.cells[li][ci].ids.map(function (id) { return P.byId.get(id); }).sort(P.caseRank);
  }
  var CELL_HEAD = ["Case study", "Lesson", "Reason for the link", "Origin", "Source", "Place", "Scope", "Contact organisation", "Contact role", "Contact page", "Web address"];
  function cellRows(cases) {
    return cases.map(function (n) {
      var c = D.cases[n.id] || {}, ev = (c.evidence || []).filter(function (e) { return e.lesson === cell[0]; })[0] || {}, ct = c.contact || {};
      return [n.label, P.byId.get(cell[0]).order, ev.reason || "", P.ORIGINS[ev.origin] || ev.origin || "", ev.source || "",
              (P.casePlaces.get(n.id) || []).map(P.labelOf).join(", "), P.SCOPES[c.scope] || "", ct.organisation || "", ct.role || "", ct.url || "", D.meta.base + n.id];
    });
  }
  function queryText(lesson, col) {
    return D.queries.cell.text.replace(D.queries.cell.lesson, "<" + D.meta.base + lesson + ">").replace(D.queries.cell.group, "<" + col.iri + ">");
  }
  function showCell() {
    var box = $("egm-cell"), cases = cellCases(), col = colOf(cell[1]), lesson = P.byId.get(cell[0]);
    box.replaceChildren();
    if (!cases || !col || !lesson) { cell = null; return; }
    var title = "Lesson " + lesson.order + " × " + col.label + ": " + fmt(cases.length) + (cases.length === 1 ? " case study" : " case studies");
    box.append(el("h3", { id: "egm-cell-title", text: title }), el("p", { class: "hint", text: lesson.label }));
    var on = P.activeFilters();
    if (on.length) box.append(el("p", { class: "hint", text: "Counted under the filters: " + on.join(" + ") + ". The query below gives the cell without them." }));
    var bar = el("p", { class: "actions" });
    [["csv", "Download this cell (CSV)"], ["xlsx", "Download this cell (Excel)"]].forEach(function (k) {
      var b = el("button", { type: "button", class: "small", "data-export": "cell-" + k[0], text: k[1] });
      b.addEventListener("click", function () { P.lastExport = window.PCMHExport.download("evidence map " + title.split(":")[0], k[0], CELL_HEAD, cellRows(cases), "Cell"); });
      bar.append(b);
    });
    box.append(bar);
    if (!cases.length) box.append(el("p", { class: "gapnote", text: "A gap: no case study in this data evidences this lesson here." }));
    var ul = el("ul", { class: "plist cell-cases" });
    cellRows(cases.slice(0, LIST_MAX)).forEach(function (r, i) {
      var n = cases[i], li = el("li", { "data-id": n.id }, P.nodeButton(n.id), el("p", { class: "reason", text: r[2] }));
      var meta = el("p", { class: "meta", text: r[3] + (r[5] ? " · " + r[5] : "") });
      if (r[4]) { meta.append(" · "); meta.append(P.link(r[4], "source")); }
      li.append(meta);
      if (r[7] || r[8] || r[9]) {
        var cp = el("p", { class: "meta", text: "Contact: " + [r[7], r[8]].filter(Boolean).join(", ") });
        if (r[9]) { cp.append(" · "); cp.append(P.link(r[9], "contact page")); }
        li.append(cp);
      }
      ul.append(li);
    });
    box.append(ul);
    if (cases.length > LIST_MAX) box.append(el("p", { class: "hint", text: "The first " + LIST_MAX + " of " + fmt(cases.length) + "; download the cell for all of them." }));
    var cmd = "pcmh-kg query " + D.queries.cell.name + " --param lesson=" + lesson.order + " --param group=" + col.iri;
    box.append(el("details", { class: "query" }, el("summary", { text: "The same cases from the graph: library query " + D.queries.cell.name }),
                  el("p", { class: "hint", text: "Run it with: " }, el("code", { text: cmd })),
                  el("pre", { id: "egm-query", text: queryText(lesson.id, col) })));
  }
  function gridExport(kind) {
    var head = ["Theme", "Lesson"].concat(cur.cols.map(function (c) { return c.label; }));
    var rows = P.ofType.lesson.map(function (l, li) {
      return [P.labelOf(D.lessonThemes[l.id]), l.label].concat(grid.cells[li].map(function (c) { return c.ids.length; }));
    });
    P.lastExport = window.PCMHExport.download("evidence map " + cur.key, kind, head, rows, "Evidence map");
  }
  function setup() {
    var sel = $("egm-cols");
    SETS.forEach(function (s) { sel.append(el("option", { value: s.key, text: s.label })); });
    sel.addEventListener("change", function () { cur = SETS.filter(function (s) { return s.key === sel.value; })[0] || SETS[0]; cell = null; render(); P.url.write(); });
    $("egm-csv").addEventListener("click", function () { gridExport("csv"); });
    $("egm-xlsx").addEventListener("click", function () { gridExport("xlsx"); });
  }
  setup();
  P.views.egm = {
    render: render,
    shown: scrollCue,
    reset: function () { cell = null; },
    urlState: function () { return { cols: cur.key === "scope" ? "" : cur.key, cell: cell ? cell[0] + "~" + cell[1] : "" }; },
    restore: function (x) {
      cur = SETS.filter(function (k) { return k.key === x["egm.cols"]; })[0] || SETS[0];
      $("egm-cols").value = cur.key;
      var p = (x["egm.cell"] || "").split("~");
      cell = P.byId.get(p[0]) && colOf(p[1]) ? p : null;
    },
    current: function () { return { cols: cur, grid: grid, cell: cell }; }
  };
};
