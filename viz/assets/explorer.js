/* pcmh-kg evidence explorer. Every text from the data is written with textContent or as a
   vis-network label (drawn on a canvas) or title (shown with innerText): never as HTML. */
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("pcmh-data").textContent);
  var $ = function (id) { return document.getElementById(id); };
  var SCOPES = D.scopes;  // key -> name, as the site's pages name them
  var ORIGINS = { guide: "stated in the guide", curated: "curated here" };

  /* ---------------------------------------------------------------- helpers */
  function el(tag, attrs) {
    var e = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) {
      if (k === "text") e.textContent = attrs[k];
      else if (k === "class") e.className = attrs[k];
      else e.setAttribute(k, attrs[k]);
    });
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined) continue;
      e.append(c);  /* strings become text nodes */
    }
    return e;
  }
  function safeUrl(u) { return typeof u === "string" && /^https?:\/\//i.test(u) ? u : null; }
  function link(url, text) {
    var u = safeUrl(url);
    if (!u) return document.createTextNode(text || String(url || ""));
    return el("a", { href: u, target: "_blank", rel: "noopener noreferrer", text: text || u });
  }
  function cmp(a, b) { return a < b ? -1 : a > b ? 1 : 0; }
  function truncate(s, n) { return s.length > n ? s.slice(0, n - 1) + "…" : s; }
  function fmt(n) { return n.toLocaleString("en-GB"); }

  /* ---------------------------------------------------------------- indexes */
  var byId = new Map();
  D.nodes.forEach(function (n) { byId.set(n.id, n); });
  var ofType = { theme: [], lesson: [], case: [], tag: [], place: [] };
  D.nodes.forEach(function (n) { (ofType[n.group] = ofType[n.group] || []).push(n); });
  ofType.theme.sort(function (a, b) { return a.order - b.order; });
  ofType.lesson.sort(function (a, b) { return a.order - b.order; });
  ofType.case.sort(caseRank);  /* once: the filters keep this order, so no view sorts per change */
  var adj = new Map();
  var caseLessons = new Map(), caseTags = new Map(), casePlaces = new Map(), lessonCases = new Map();
  function push(map, k, v) { var a = map.get(k); if (!a) map.set(k, a = []); a.push(v); }
  D.edges.forEach(function (e) {
    push(adj, e[0], e[1]); push(adj, e[1], e[0]);
    if (e[2] === "evidences") { push(caseLessons, e[0], e[1]); push(lessonCases, e[1], e[0]); }
    else if (e[2] === "tagged") push(caseTags, e[0], e[1]);
    else if (e[2] === "located") push(casePlaces, e[0], e[1]);
  });
  function labelOf(id) { var n = byId.get(id); return n ? n.label : id; }
  function caseRank(a, b) { return (b.lessons - a.lessons) || cmp(a.label, b.label) || cmp(a.id, b.id); }
  function tagUp(t) { var out = [], x = t, guard = 0; while (x && guard++ < 20) { out.push(x); x = (D.tags[x] || {}).broader; } return out; }
  var caseThemes = new Map(), tagWithin = new Map();
  ofType.case.forEach(function (n) {
    var th = new Set(), tg = new Set();
    (caseLessons.get(n.id) || []).forEach(function (l) { if (D.lessonThemes[l]) th.add(D.lessonThemes[l]); });
    (caseTags.get(n.id) || []).forEach(function (t) { tagUp(t).forEach(function (x) { tg.add(x); }); });
    caseThemes.set(n.id, Array.from(th)); tagWithin.set(n.id, Array.from(tg));
  });
  /* what the other modules (network, controls, panel, table, filters, search, labels, evidence map, map, URL) share */
  var P = { D: D, el: el, link: link, fmt: fmt, cmp: cmp, truncate: truncate, labelOf: labelOf, caseRank: caseRank,
            byId: byId, ofType: ofType, adj: adj, caseLessons: caseLessons, caseTags: caseTags, casePlaces: casePlaces,
            lessonCases: lessonCases, caseThemes: caseThemes, tagWithin: tagWithin, SCOPES: SCOPES, ORIGINS: ORIGINS };

  /* ---------------------------------------------------------------- state */
  var state = { min: 1, theme: "", lesson: "", tag: "", place: "", scope: "", ego: null, view: "network",
                showTags: true, showPlaces: true, pinned: new Set() };
  P.state = state;
  var F = window.PCMHModules.filters(P);
  var lastFacets = null;
  function facets() { return lastFacets || (lastFacets = F.refresh()); }
  function filtered() { return facets().matching; }
  /* the cases the current view shows: the ego view's, else the filtered ones */
  function currentCases() { return state.ego ? filtered().filter(function (n) { return N.has(n.id); }) : filtered(); }
  P.filtered = filtered; P.currentCases = currentCases;
  P.activeFilters = function () { return F.active().map(F.describe); };

  var views = {};
  P.views = views;
  var N = P.net = window.PCMHModules.network(P);
  var network = null, netStale = false;

  function redraw(fit) {
    lastFacets = null;
    var f = facets();
    var onNet = !network || state.view === "network";
    /* a hidden network is worked out and rebuilt when its tab is chosen: filters stay fast elsewhere */
    var v = onNet || state.ego ? N.visible() : { cases: f.total, matching: f.total, multi: f.multi, limited: false };
    if (onNet) { N.fill(v); netStale = false; } else netStale = true;
    var shown = N.shown();
    $("status").replaceChildren("Showing " + fmt(state.view === "network" ? v.cases : v.matching) + " of " + fmt(ofType.case.length) + " case studies (" +
      fmt(state.view === "network" || state.ego ? v.multi : f.multi) + " evidence 2 or more lessons)", el("span", { class: "net-only", text: " · " + fmt(shown.nodes) + " of " + fmt(D.nodes.length) +
      " nodes · " + fmt(shown.edges) + " of " + fmt(D.edges.length) + " links in the network" }));
    var st = $("status").dataset;
    st.nodes = shown.nodes; st.edges = shown.edges; st.totalNodes = D.nodes.length; st.totalEdges = D.edges.length;
    st.cases = v.cases;
    var notice = $("notice");
    notice.replaceChildren();
    if (state.ego) {
      notice.append("Showing ", el("strong", { text: labelOf(state.ego) }), " and its neighbours. ",
                    el("button", { type: "button", id: "ego-exit", text: "Back to all" }));
      $("ego-exit").addEventListener("click", function () { state.ego = null; redraw(true); });
      notice.hidden = false;
    } else if (!f.total) {
      F.emptyNotice(f, notice);
      notice.hidden = false;
    } else if (v.limited) {
      notice.append("The network draws the " + fmt(D.meta.caseLimit) + " matching case studies with the most lessons; the other " +
                    fmt(v.matching - D.meta.caseLimit) + " are grouped under their lesson as “+N more”. Narrow the filters to see them, or use the table.");
      notice.hidden = false;
    } else notice.hidden = true;
    if (network && fit) network.fit({ animation: false });
    P.renderRanked();
    Object.keys(views).forEach(function (k) { views[k].dirty = true; });
    if (views[state.view]) { views[state.view].render(); views[state.view].dirty = false; }
    if (P.url) P.url.write();
  }
  P.redraw = redraw;
  function setFilter(dim, value) {
    state[dim] = dim === "min" ? Number(value) || 1 : value;
    state.ego = null;
    if (dim === "min") { var r = document.querySelector("input[name=min][value='" + state.min + "']"); if (r) r.checked = true; }
    else { var sel = document.querySelector("select[data-filter=" + dim + "]"); if (sel) sel.value = value; }
    redraw(true);
  }
  P.setFilter = setFilter;

  /* ---------------------------------------------------------------- tabs */
  var TABS = ["network", "egm", "map", "table"];
  function selectTab(which) {
    if (TABS.indexOf(which) < 0) which = "network";
    state.view = which;
    TABS.forEach(function (t) {
      var on = t === which;
      $(t + "-tab").setAttribute("aria-selected", String(on));
      $(t + "-tab").tabIndex = on ? 0 : -1;
      $(t + "-view").hidden = !on;
    });
    if (views[which] && views[which].dirty !== false) { views[which].render(); views[which].dirty = false; }
    if (views[which] && views[which].shown) views[which].shown();
    if (which === "network" && network) {
      if (netStale) redraw(true);  /* the network, its counts and its notice, as the filters left them */
      network.redraw();
    }
    if (P.url) P.url.write();
  }
  P.selectTab = selectTab;
  function setupTabs() {
    TABS.forEach(function (t, i) {
      $(t + "-tab").addEventListener("click", function () { selectTab(t); });
      $(t + "-tab").addEventListener("keydown", function (e) {
        var d = e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0;
        if (!d) return;
        var other = TABS[(i + d + TABS.length) % TABS.length];
        selectTab(other); $(other + "-tab").focus(); e.preventDefault();
      });
    });
    document.querySelector(".skip").addEventListener("click", function (e) { e.preventDefault(); selectTab("table"); $("table-tab").focus(); });
  }

  /* ---------------------------------------------------------------- start */
  ["controls", "panel", "table"].forEach(function (m) { window.PCMHModules[m](P); });
  setupTabs();
  var narrow = window.matchMedia("(max-width: 900px)");
  if (narrow.matches) $("filters-box").open = false;  /* a phone sees the view first, the filters one tap away */
  document.querySelector("#filters-box > summary").addEventListener("click", function (e) { if (!narrow.matches) e.preventDefault(); });
  $("generated").textContent = "Generated " + D.meta.generated + " from the pcmh-kg graph.";
  var S = window.PCMHModules.search(P);
  P.search = S;
  ["egm", "geomap"].forEach(function (m) { if (window.PCMHModules[m]) window.PCMHModules[m](P); });
  P.url = window.PCMHModules.urlstate(P);
  var restored = P.url.read();
  redraw(false);
  var options = Object.assign({}, D.options, { groups: N.groups });
  network = new vis.Network($("network"), { nodes: N.nodes, edges: N.edges }, options);
  network.on("click", function (p) {
    if (p.nodes.length) {
      var id = p.nodes[0];
      if (String(id).indexOf("more:") === 0) setFilter("lesson", id.slice(5));
      else P.openPanel(id);
    }
  });
  P.network = network;
  window.PCMHModules.labels(P);
  window.pcmhExplorer = {
    network: network, nodes: N.nodes, edges: N.edges, state: state, similar: P.similar,
    P: P, views: views, exportRows: function () { return P.exportRows(currentCases()); },
    filterPasses: function () { return F.stats.passes; },
    counts: function () { var shown = N.shown(); return { nodes: D.nodes.length, edges: D.edges.length, shownNodes: shown.nodes, shownEdges: shown.edges, cases: ofType.case.length }; },
    readyAt: null
  };
  function ready() {
    if (document.body.dataset.ready) return;
    window.pcmhExplorer.readyAt = performance.now();
    document.body.dataset.ready = "1";
  }
  network.once("afterDrawing", ready);
  network.fit({ animation: false });
  P.url.apply(restored);
  if (state.view !== "network") ready();  /* a hidden network does not draw */
})();
