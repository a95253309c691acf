/* pcmh-kg evidence explorer. Every text from the data is written with textContent or as a
   vis-network label (drawn on a canvas) or title (shown with innerText): never as HTML. */
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("pcmh-data").textContent);
  var $ = function (id) { return document.getElementById(id); };
  var MULTI = D.meta.multiColour;
  var SCOPES = { london: "London", national: "UK outside London", international: "International" };
  var ORIGINS = { guide: "stated in the guide", curated: "curated here" };
  var FLAGS = { "began-after-guide": "began after the guide", discontinued: "discontinued", pilot: "pilot" };
  var REL_STYLE = {
    evidences: { color: "#1D4ED8", opacity: 0.55, width: 1.6 },
    "in-theme": { color: "#C2410C", opacity: 0.85, width: 3 },
    tagged: { color: "#047857", opacity: 0.18, width: 0.6 },
    located: { color: "#A21CAF", opacity: 0.22, width: 0.6 }
  };

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
  /* what the other modules (filters, search, labels, evidence map, map, URL) share */
  var P = { D: D, el: el, link: link, fmt: fmt, cmp: cmp, truncate: truncate, labelOf: labelOf, caseRank: caseRank,
            byId: byId, ofType: ofType, adj: adj, caseLessons: caseLessons, caseTags: caseTags, casePlaces: casePlaces,
            lessonCases: lessonCases, caseThemes: caseThemes, tagWithin: tagWithin, SCOPES: SCOPES, ORIGINS: ORIGINS };

  /* ---------------------------------------------------------------- vis items */
  function visNode(n) {
    var v = { id: n.id, label: n.label, group: n.group, x: n.x, y: n.y };
    var t = D.types[n.group];
    if (n.group === "case") {
      var multi = n.lessons >= 2;
      delete v.label;  /* case names are drawn by labels.js, collision-aware, in full */
      v.size = 6 + 5 * n.lessons;
      v.color = multi ? { background: MULTI, border: "#92400E", highlight: { background: "#FCD34D", border: "#78350F" }, hover: { background: "#FCD34D", border: "#78350F" } }
                      : { background: t.color, border: "#64748B" };
      v.borderWidth = multi ? 2 : 1;
      v.font = { size: multi ? 13 : 11, color: multi ? "#111827" : "#475569" };
      v.title = n.label + "\nCase study · evidences " + n.lessons + (n.lessons === 1 ? " lesson" : " lessons") +
                (n.themes > 1 ? " across " + n.themes + " themes" : "");
    } else if (n.group === "lesson") {
      v.title = n.label + "\n" + (lessonCases.get(n.id) || []).length + " case studies";
    } else {
      v.title = n.label + "\n" + t.label;
    }
    return v;
  }
  var groups = {
    theme: { shape: "hexagon", size: 30, color: { background: D.types.theme.color, border: "#7C2D12" },
             font: { size: 30, color: "#7C2D12" }, scaling: { label: { drawThreshold: 1 } } },
    lesson: { shape: "box", margin: 10, widthConstraint: { maximum: 230 },
              color: { background: D.types.lesson.color, border: "#1E3A8A", highlight: { background: "#2563EB", border: "#1E3A8A" } },
              font: { color: "#ffffff", size: 21, strokeWidth: 0 }, scaling: { label: { drawThreshold: 1 } } },
    case: { shape: "dot" },
    tag: { shape: "triangle", size: 9, color: { background: D.types.tag.color, border: "#064E3B" }, font: { size: 12, color: "#065F46" } },
    place: { shape: "square", size: 8, color: { background: D.types.place.color, border: "#701A75" }, font: { size: 12, color: "#86198F" } },
    more: { shape: "dot", size: 16, color: { background: "#E5E7EB", border: "#6B7280" }, borderWidth: 1,
            shapeProperties: { borderDashes: [4, 3] }, font: { size: 13, color: "#374151" } }
  };
  function visEdge(e, i) {
    var s = REL_STYLE[e[2]] || { color: "#999", opacity: 0.4, width: 1 };
    return { id: i, from: e[0], to: e[1], rel: e[2], width: s.width,
             color: { color: s.color, opacity: s.opacity, highlight: s.color, hover: s.color },
             title: labelOf(e[0]) + "\n— " + (D.relations[e[2]] || e[2]) + " —\n" + labelOf(e[1]) };
  }

  /* ---------------------------------------------------------------- state */
  var state = { min: 1, theme: "", lesson: "", tag: "", place: "", scope: "", ego: null, view: "network",
                showTags: true, showPlaces: true, pinned: new Set() };
  P.state = state;
  var F = window.PCMHModules.filters(P);
  var matches = F.matches, lastFiltered = null;
  function filtered() { return lastFiltered || (lastFiltered = ofType.case.filter(matches).sort(caseRank)); }
  /* the cases the current view shows: the ego view's, else the filtered ones */
  function currentCases() { return state.ego ? filtered().filter(function (n) { return visibleCase(n.id); }) : filtered(); }
  P.filtered = filtered; P.currentCases = currentCases;
  P.activeFilters = function () { return F.active().map(F.describe); };

  var nodesDS = new vis.DataSet(), edgesDS = new vis.DataSet();
  var network = null, shown = { nodes: 0, edges: 0, cases: 0, matching: 0 };

  function visible() {
    var keep = new Set(), extra = [];
    if (state.ego) {
      keep.add(state.ego);
      (adj.get(state.ego) || []).forEach(function (x) { keep.add(x); });
      var egoCases = 0;
      keep.forEach(function (x) { if (byId.get(x).group === "case") egoCases++; });
      return { keep: keep, extra: extra, cases: egoCases, matching: egoCases, limited: false };
    }
    ofType.theme.concat(ofType.lesson).forEach(function (n) { keep.add(n.id); });
    var cases = filtered(), limit = D.meta.caseLimit, drawn = cases.slice(0, limit);
    state.pinned.forEach(function (id) { if (drawn.indexOf(byId.get(id)) < 0) drawn.push(byId.get(id)); });
    drawn.forEach(function (n) {
      keep.add(n.id);
      if (state.showTags) (caseTags.get(n.id) || []).forEach(function (t) { keep.add(t); });
      if (state.showPlaces) (casePlaces.get(n.id) || []).forEach(function (p) { keep.add(p); });
    });
    if (cases.length > limit) {  /* degrade: group the cases not drawn under their first lesson */
      var rest = new Map();
      cases.slice(limit).forEach(function (n) {
        if (keep.has(n.id)) return;
        var l = (caseLessons.get(n.id) || []).slice().sort()[0];
        if (l) rest.set(l, (rest.get(l) || 0) + 1);
      });
      rest.forEach(function (count, l) {
        var ln = byId.get(l);
        extra.push({ node: { id: "more:" + l, group: "more", label: "+" + fmt(count) + " more",
                             title: fmt(count) + " more matching case studies of " + ln.label + "\nNarrow the filters or use the table to see them",
                             x: ln.x * 0.72, y: ln.y * 0.72 },
                     edge: { id: "more-edge:" + l, from: "more:" + l, to: l, dashes: true, color: { color: "#9CA3AF" } } });
      });
    }
    return { keep: keep, extra: extra, cases: drawn.length, matching: cases.length, limited: cases.length > limit };
  }

  var netStale = false;
  function fillNetwork(v) {
    var nodes = [], edges = [];
    D.nodes.forEach(function (n) { if (v.keep.has(n.id)) nodes.push(visNode(n)); });
    D.edges.forEach(function (e, i) { if (v.keep.has(e[0]) && v.keep.has(e[1])) edges.push(visEdge(e, i)); });
    v.extra.forEach(function (x) { nodes.push(x.node); edges.push(x.edge); });
    nodesDS.clear(); edgesDS.clear();
    nodesDS.add(nodes); edgesDS.add(edges);
    shown = { nodes: nodes.length - v.extra.length, edges: edges.length - v.extra.length, cases: v.cases, matching: v.matching };
    netStale = false;
  }
  function redraw(fit) {
    lastFiltered = null;
    var facets = F.refresh();
    var v = visible();
    if (!network || state.view === "network") fillNetwork(v);
    else netStale = true;  /* a hidden network is rebuilt when its tab is chosen: filters stay fast elsewhere */
    var multi = 0;
    ofType.case.forEach(function (n) { if (v.keep.has(n.id) && n.lessons >= 2) multi++; });
    $("status").replaceChildren("Showing " + fmt(state.view === "network" ? v.cases : v.matching) + " of " + fmt(ofType.case.length) + " case studies (" +
      fmt(multi) + " evidence 2 or more lessons)", el("span", { class: "net-only", text: " · " + fmt(shown.nodes) + " of " + fmt(D.nodes.length) +
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
    } else if (!facets.total) {
      F.emptyNotice(facets, notice);
      notice.hidden = false;
    } else if (v.limited) {
      notice.append("The network draws the " + fmt(D.meta.caseLimit) + " matching case studies with the most lessons; the other " +
                    fmt(v.matching - D.meta.caseLimit) + " are grouped under their lesson as “+N more”. Narrow the filters to see them, or use the table.");
      notice.hidden = false;
    } else notice.hidden = true;
    if (network && fit) network.fit({ animation: false });
    renderTable();
    renderRanked();
    Object.keys(views).forEach(function (k) { views[k].dirty = true; });
    if (views[state.view]) { views[state.view].render(); views[state.view].dirty = false; }
    if (P.url) P.url.write();
  }
  P.redraw = redraw;
  var views = {};
  P.views = views;
  function setFilter(dim, value) {
    state[dim] = dim === "min" ? Number(value) || 1 : value;
    state.ego = null;
    if (dim === "min") { var r = document.querySelector("input[name=min][value='" + state.min + "']"); if (r) r.checked = true; }
    else { var sel = document.querySelector("select[data-filter=" + dim + "]"); if (sel) sel.value = value; }
    redraw(true);
  }
  P.setFilter = setFilter;

  /* ---------------------------------------------------------------- ranked list */
  function renderRanked() {
    var ol = $("ranked-list"), cases = currentCases(), top = cases.slice(0, 10);
    ol.replaceChildren();
    top.forEach(function (n) {
      ol.append(el("li", null, el("span", { class: "rk" + (n.lessons >= 2 ? " multi" : ""), text: String(n.lessons) }),
                   nodeButton(n.id)));
    });
    if (!top.length) ol.append(el("li", { class: "hint", text: "No case study matches the filters." }));
    $("ranked-note").textContent = cases.length > top.length ? "Top " + top.length + " of " + fmt(cases.length) + " matching case studies; the number is how many of the ten lessons each evidences." : "The number is how many of the ten lessons each evidences.";
  }

  /* ---------------------------------------------------------------- filters */
  function fillSelect(sel, allText, items) {
    sel.replaceChildren(el("option", { value: "", text: allText, "data-all": allText }));
    items.forEach(function (it) { sel.append(el("option", { value: it[0], text: it[1], "data-label": it[1] })); });
  }
  function countBy(fn) {
    var m = new Map();
    ofType.case.forEach(function (n) { fn(n).forEach(function (k) { m.set(k, (m.get(k) || 0) + 1); }); });
    return m;
  }
  function setupFilters() {
    fillSelect($("f-theme"), "All themes", ofType.theme.map(function (n) { return [n.id, n.label]; }));
    fillSelect($("f-lesson"), "All lessons", ofType.lesson.map(function (n) { return [n.id, truncate(n.label, 60)]; }));
    var tagCount = countBy(function (n) { return tagWithin.get(n.id) || []; });
    fillSelect($("f-tag"), "All tags", Array.from(tagCount.keys()).sort(function (a, b) { return cmp((D.tags[a] || {}).label || a, (D.tags[b] || {}).label || b); })
      .map(function (t) { return [t, ((D.tags[t] || {}).broader ? "" : "Any ") + ((D.tags[t] || {}).label || labelOf(t))]; }));
    var within = countBy(function (n) { return (D.cases[n.id] || {}).within || []; });
    var places = Array.from(within.keys()).map(function (p) { return [p, (D.places[p] || {}).label || p]; })
      .sort(function (a, b) { return cmp(a[1], b[1]); });
    fillSelect($("f-place"), "All places", places);
    var scopes = countBy(function (n) { return [(D.cases[n.id] || {}).scope]; });
    fillSelect($("f-scope"), "London, UK and international", Object.keys(SCOPES).filter(function (s) { return scopes.has(s); })
      .map(function (s) { return [s, SCOPES[s]]; }));
    document.querySelectorAll("select[data-filter]").forEach(function (sel) {
      sel.addEventListener("change", function () { setFilter(sel.dataset.filter, sel.value); });
    });
    document.querySelectorAll("input[name=min]").forEach(function (r) {
      r.addEventListener("change", function () { setFilter("min", r.value); });
    });
    $("show-tags").addEventListener("change", function (e) { state.showTags = e.target.checked; redraw(false); });
    $("show-places").addEventListener("change", function (e) { state.showPlaces = e.target.checked; redraw(false); });
    $("reset").addEventListener("click", reset);
  }
  function reset() { resetQuiet(); redraw(true); }
  function resetQuiet() {
    Object.assign(state, { min: 1, theme: "", lesson: "", tag: "", place: "", scope: "", ego: null, showTags: true, showPlaces: true });
    state.pinned.clear();
    document.querySelectorAll("select[data-filter]").forEach(function (s) { s.value = ""; });
    document.querySelector("input[name=min][value='1']").checked = true;
    $("show-tags").checked = true; $("show-places").checked = true;
    $("search").value = ""; $("search-results").replaceChildren();
    Object.keys(views).forEach(function (k) { if (views[k].reset) views[k].reset(); });
    closePanel();
  }
  P.resetQuiet = resetQuiet;

  /* ---------------------------------------------------------------- legend */
  function setupLegend() {
    var items = [
      ["theme", D.types.theme.color, "Theme of the guide"],
      ["lesson", D.types.lesson.color, "Lesson for commissioners"],
      ["case multi", MULTI, "Case study evidencing 2+ lessons"],
      ["case", D.types.case.color, "Case study evidencing 1 lesson"],
      ["tag", D.types.tag.color, "Tag"],
      ["place", D.types.place.color, "Place"]
    ];
    var ul = $("legend");
    items.forEach(function (it) {
      var sw = el("span", { class: "sw " + it[0], "aria-hidden": "true" });
      sw.style.setProperty("--c", it[1]);
      ul.append(el("li", null, sw, it[2]));
    });
    Object.keys(REL_STYLE).forEach(function (rel) {
      var sw = el("span", { class: "sw line", "aria-hidden": "true" });
      sw.style.setProperty("--c", REL_STYLE[rel].color);
      sw.style.setProperty("--w", Math.max(1.5, REL_STYLE[rel].width) + "px");
      ul.append(el("li", null, sw, "line: " + (D.relations[rel] || rel)));
    });
  }

  /* ---------------------------------------------------------------- search */
  function go(id) {
    if (!nodesDS.get(id)) {
      if (byId.get(id).group === "case") state.pinned.add(id);
      state.ego = null;
      redraw(false);
      if (!nodesDS.get(id)) {  /* hidden by a filter: clear the filters */
        reset(); state.pinned.add(id); redraw(false);
      }
    }
    if (state.view === "network") {
      network.selectNodes([id]);
      network.focus(id, { scale: Math.max(network.getScale(), 0.9), animation: false });
    }
    openPanel(id);
  }
  P.go = go;

  /* ---------------------------------------------------------------- panel */
  function similar(id, k) {
    var L = new Set(caseLessons.get(id) || []), Tg = new Set(caseTags.get(id) || []), out = [];
    ofType.case.forEach(function (n) {
      if (n.id === id) return;
      var sl = 0, stt = 0;
      (caseLessons.get(n.id) || []).forEach(function (x) { if (L.has(x)) sl++; });
      (caseTags.get(n.id) || []).forEach(function (x) { if (Tg.has(x)) stt++; });
      var score = D.meta.similar.lessonWeight * sl + D.meta.similar.tagWeight * stt;
      if (score > 0) out.push({ id: n.id, label: n.label, score: score, lessons: sl, tags: stt });
    });
    out.sort(function (a, b) { return (b.score - a.score) || cmp(a.label, b.label) || cmp(a.id, b.id); });
    return out.slice(0, k);
  }
  function nodeButton(id, text) {
    var b = el("button", { type: "button", class: "node-link", "data-id": id, text: text || labelOf(id) });
    b.addEventListener("click", function () { go(id); });
    return b;
  }
  function section(title) { var s = el("section", { class: "ps" }, el("h3", { text: title })); return s; }
  function caseList(ids, limit) {
    var ul = el("ul", { class: "plist" });
    ids.map(function (id) { return byId.get(id); }).sort(caseRank).slice(0, limit).forEach(function (n) {
      ul.append(el("li", null, nodeButton(n.id), el("span", { class: "count", text: " · " + n.lessons + (n.lessons === 1 ? " lesson" : " lessons") })));
    });
    if (ids.length > limit) ul.append(el("li", { class: "hint", text: "and " + fmt(ids.length - limit) + " more (see the table)" }));
    return ul;
  }
  function openPanel(id) {
    var n = byId.get(id); if (!n) return;
    var body = $("panel-body");
    body.replaceChildren();
    body.append(el("p", { class: "kind " + n.group, text: D.types[n.group].label }), el("h2", { id: "panel-title", text: n.label }));
    var egoBtn = el("button", { type: "button", id: "ego", class: "wide", text: "Show only this and its neighbours" });
    egoBtn.addEventListener("click", function () { state.ego = id; selectTab("network"); redraw(true); network.selectNodes([id]); });
    if (n.group === "case") casePanel(n, body); else if (n.group === "lesson") lessonPanel(n, body);
    else otherPanel(n, body);
    body.append(egoBtn);
    $("panel").hidden = false;
    $("panel").dataset.node = id;
    $("ranked").hidden = true;
    state.node = id;
    if (P.url) P.url.write();
  }
  P.openPanel = openPanel; P.nodeButton = nodeButton;
  function casePanel(n, body) {
    var c = D.cases[n.id] || {};
    var badges = el("p", { class: "badges" },
      el("span", { class: "badge" + (n.lessons >= 2 ? " multi" : ""), text: n.lessons + (n.lessons === 1 ? " lesson" : " lessons") }),
      n.themes > 1 ? el("span", { class: "badge", text: n.themes + " themes" }) : null,
      c.scope ? el("span", { class: "badge", text: SCOPES[c.scope] || c.scope }) : null);
    (c.flags || []).forEach(function (f) { badges.append(el("span", { class: "badge flag", text: FLAGS[f] || f })); });
    body.append(badges, el("p", { class: "summary", id: "panel-summary", text: c.summary || "" }));
    var dl = el("dl", { class: "facts" });
    var pl = casePlaces.get(n.id) || [];
    if (pl.length) {
      var chain = [];
      pl.forEach(function (p) { var x = p; var seen = 0; while (x && D.places[x] && seen++ < 10) { chain.push(D.places[x].label); x = D.places[x].parent; } });
      dl.append(el("dt", { text: "Place" }), el("dd", null, nodeButton(pl[0]), chain.length > 1 ? " (" + chain.slice(1).join(", ") + ")" : ""));
    }
    if (c.started) dl.append(el("dt", { text: "Started" }), el("dd", { text: String(c.started) }));
    if ((c.orgs || []).length) {
      var dd = el("dd");
      c.orgs.forEach(function (o, i) { if (i) dd.append("; "); dd.append(o.url ? link(o.url, o.name) : o.name); });
      dl.append(el("dt", { text: c.orgs.length > 1 ? "Organisations" : "Organisation" }), dd);
    }
    body.append(dl);
    var ls = section("Lessons it evidences"), ul = el("ul", { class: "plist lessons" });
    (c.evidence || []).forEach(function (e) {
      var li = el("li", null, nodeButton(e.lesson), el("p", { class: "reason", text: e.reason }));
      var meta = el("p", { class: "meta", text: ORIGINS[e.origin] || e.origin || "" });
      if (e.source) { meta.append(" · "); meta.append(link(e.source, "source")); }
      li.append(meta); ul.append(li);
    });
    ls.append(ul); body.append(ls);
    var tags = caseTags.get(n.id) || [];
    if (tags.length) {
      var ts = section("Tags"), tl = el("p", { class: "chips" });
      tags.slice().sort(function (a, b) { return cmp(labelOf(a), labelOf(b)); }).forEach(function (t) { tl.append(nodeButton(t)); });
      ts.append(tl); body.append(ts);
    }
    if ((c.sources || []).length) {
      var ss = section("Sources"), sl = el("ul", { class: "plist" });
      c.sources.forEach(function (s) { sl.append(el("li", null, link(s.url, s.title), s.publisher ? el("span", { class: "meta", text: " · " + s.publisher }) : null)); });
      ss.append(sl); body.append(ss);
    }
    if (c.contact) {
      var cs = section("Public contact"), p = el("p");
      if (c.contact.organisation) p.append(el("strong", { text: c.contact.organisation }));
      if (c.contact.role) p.append(p.childNodes.length ? ", " : "", c.contact.role);
      if (c.contact.url) { p.append(el("br")); p.append(link(c.contact.url, "Contact page")); }
      cs.append(p); body.append(cs);
    }
    var sim = similar(n.id, 5);
    var sims = section("Similar cases"), siml = el("ul", { class: "plist", id: "similar" });
    sim.forEach(function (s) {
      siml.append(el("li", null, nodeButton(s.id), el("span", { class: "count",
        text: " · " + s.lessons + (s.lessons === 1 ? " shared lesson, " : " shared lessons, ") + s.tags + (s.tags === 1 ? " tag" : " tags") })));
    });
    if (!sim.length) siml.append(el("li", { class: "hint", text: "No case shares a lesson or tag." }));
    sims.append(el("p", { class: "hint", text: "By shared lessons (counted twice) and shared tags." }), siml);
    body.append(sims);
  }
  function lessonPanel(n, body) {
    var cases = lessonCases.get(n.id) || [];
    var multi = cases.filter(function (id) { return byId.get(id).lessons >= 2; }).length;
    var theme = D.lessonThemes[n.id];
    body.append(el("p", null, "Theme: ", theme ? nodeButton(theme) : "—"),
                el("p", { class: "badges" }, el("span", { class: "badge", text: fmt(cases.length) + " case studies" }),
                   el("span", { class: "badge multi", text: fmt(multi) + " also evidence other lessons" })));
    var co = new Map();
    cases.forEach(function (c) { (caseLessons.get(c) || []).forEach(function (l) { if (l !== n.id) co.set(l, (co.get(l) || 0) + 1); }); });
    if (co.size) {
      var s = section("Often evidenced together with"), ul = el("ul", { class: "plist" });
      Array.from(co.entries()).sort(function (a, b) { return (b[1] - a[1]) || (byId.get(a[0]).order - byId.get(b[0]).order); }).slice(0, 5)
        .forEach(function (e) { ul.append(el("li", null, nodeButton(e[0]), el("span", { class: "count", text: " · " + e[1] + " shared cases" }))); });
      s.append(ul); body.append(s);
    }
    var cs = section("Case studies, most lessons first");
    cs.append(caseList(cases, 60)); body.append(cs);
  }
  function otherPanel(n, body) {
    if (n.group === "theme") {
      var s = section("Lessons"), ul = el("ul", { class: "plist" });
      ofType.lesson.filter(function (l) { return D.lessonThemes[l.id] === n.id; })
        .forEach(function (l) { ul.append(el("li", null, nodeButton(l.id), el("span", { class: "count", text: " · " + (lessonCases.get(l.id) || []).length + " cases" }))); });
      s.append(ul); body.append(s);
      return;
    }
    var cases;
    if (n.group === "tag") {
      var def = (D.tags[n.id] || {}).definition;
      if (def) body.append(el("p", { class: "summary", text: def }));
      cases = ofType.case.filter(function (c) { return (caseTags.get(c.id) || []).indexOf(n.id) >= 0; }).map(function (c) { return c.id; });
    } else {
      var p = D.places[n.id] || {}, chain = [], x = p.parent, guard = 0;
      while (x && D.places[x] && guard++ < 10) { chain.push(D.places[x].label); x = D.places[x].parent; }
      if (p.type || chain.length) body.append(el("p", { text: (p.type ? p.type[0].toUpperCase() + p.type.slice(1) : "Place") + (chain.length ? " in " + chain.join(", ") : "") }));
      cases = ofType.case.filter(function (c) { return ((D.cases[c.id] || {}).within || []).indexOf(n.id) >= 0; }).map(function (c) { return c.id; });
    }
    var cs = section("Case studies (" + fmt(cases.length) + ")");
    cs.append(caseList(cases, 60)); body.append(cs);
  }
  function closePanel() {
    $("panel").hidden = true; $("ranked").hidden = false; delete $("panel").dataset.node; state.node = null;
    if (network) network.unselectAll();
    if (P.url) P.url.write();
  }

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
    if ($("table-view").hidden) { tableDirty = true; return; }
    tableDirty = false;
    var col = COLS.filter(function (c) { return c.key === sort.key; })[0];
    var rows = currentCases().map(function (n) { return [col.get(n), n]; });
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
          b.addEventListener("click", function () { openPanel(n.id); });
          tr.append(el("th", { scope: "row" }, b));
        } else tr.append(el("td", { class: c.num ? "num" : "", text: v === null ? "" : String(v) }));
      });
      tbody.append(tr);
    });
    var more = $("table-more");
    more.hidden = rows.length <= TABLE_ROWS;
    more.textContent = "Showing the first " + fmt(TABLE_ROWS) + " of " + fmt(rows.length) + " rows; narrow the filters to see the others.";
  }
  var tableDirty = true;
  function visibleCase(id) { return !!nodesDS.get(id); }

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
    if (which === "table" && tableDirty) renderTable();
    if (views[which] && views[which].dirty !== false) { views[which].render(); views[which].dirty = false; }
    if (views[which] && views[which].shown) views[which].shown();
    if (which === "network" && network) {
      if (netStale) { fillNetwork(visible()); network.fit({ animation: false }); }
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
  P.exportRows = exportRows; P.EXPORT_HEAD = EXPORT_HEAD;
  function exportSelection(kind) {
    P.lastExport = window.PCMHExport.download("pcmh-kg case studies", kind, EXPORT_HEAD, exportRows(currentCases()), "Case studies");
  }

  /* ---------------------------------------------------------------- start */
  setupFilters(); setupLegend(); setupTable(); setupTabs();
  var narrow = window.matchMedia("(max-width: 900px)");
  if (narrow.matches) $("filters-box").open = false;  /* a phone sees the view first, the filters one tap away */
  document.querySelector("#filters-box > summary").addEventListener("click", function (e) { if (!narrow.matches) e.preventDefault(); });
  $("export-csv").addEventListener("click", function () { exportSelection("csv"); });
  $("export-xlsx").addEventListener("click", function () { exportSelection("xlsx"); });
  $("generated").textContent = "Generated " + D.meta.generated + " from the pcmh-kg graph.";
  var S = window.PCMHModules.search(P);
  P.search = S;
  $("panel-close").addEventListener("click", closePanel);
  document.addEventListener("keydown", function (e) { if (e.key === "Escape" && !$("panel").hidden) closePanel(); });
  ["egm", "geomap"].forEach(function (m) { if (window.PCMHModules[m]) window.PCMHModules[m](P); });
  P.url = window.PCMHModules.urlstate(P);
  var restored = P.url.read();
  redraw(false);
  var options = Object.assign({}, D.options, { groups: groups });
  network = new vis.Network($("network"), { nodes: nodesDS, edges: edgesDS }, options);
  network.on("click", function (p) {
    if (p.nodes.length) {
      var id = p.nodes[0];
      if (String(id).indexOf("more:") === 0) setFilter("lesson", id.slice(5));
      else openPanel(id);
    }
  });
  P.network = network;
  window.PCMHModules.labels(P);
  window.pcmhExplorer = {
    network: network, nodes: nodesDS, edges: edgesDS, state: state, similar: similar,
    P: P, views: views, exportRows: function () { return exportRows(currentCases()); },
    counts: function () { return { nodes: D.nodes.length, edges: D.edges.length, shownNodes: shown.nodes, shownEdges: shown.edges, cases: ofType.case.length }; },
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
