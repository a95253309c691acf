/* pcmh-kg explorer: what the network view draws. The filtered cases with the most lessons, up to
   the page's limit (the rest grouped under their lesson as "+N more"), with their tags and places,
   as vis-network items; a change of filters brings the DataSets to it by difference, so a node
   or link still drawn is neither rebuilt nor redrawn from scratch. */
window.PCMHModules = window.PCMHModules || {};
window.PCMHModules.network = function (P) {
  "use strict";
  var D = P.D, state = P.state, byId = P.byId, ofType = P.ofType, adj = P.adj, fmt = P.fmt, labelOf = P.labelOf;
  var caseLessons = P.caseLessons, caseTags = P.caseTags, casePlaces = P.casePlaces, lessonCases = P.lessonCases;
  var MULTI = D.meta.multiColour;
  var REL_STYLE = {
    evidences: { color: "#1D4ED8", opacity: 0.55, width: 1.6 },
    "in-theme": { color: "#C2410C", opacity: 0.85, width: 3 },
    tagged: { color: "#047857", opacity: 0.18, width: 0.6 },
    located: { color: "#A21CAF", opacity: 0.22, width: 0.6 }
  };
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
  function rgba(hex, a) { var n = parseInt(hex.slice(1), 16); return "rgba(" + (n >> 16) + "," + (n >> 8 & 255) + "," + (n & 255) + "," + a + ")"; }
  /* each relation's colours worked out once: vis-network parses a hex colour with an opacity on every drawing */
  var EDGE_COLOUR = {};
  Object.keys(REL_STYLE).concat([""]).forEach(function (rel) {
    var s = REL_STYLE[rel] || { color: "#999999", opacity: 0.4 };
    EDGE_COLOUR[rel] = { color: rgba(s.color, s.opacity), highlight: s.color, hover: s.color };
  });
  function visEdge(e, i) {
    var s = REL_STYLE[e[2]] || { width: 1 };
    return { id: i, from: e[0], to: e[1], rel: e[2], width: s.width, color: EDGE_COLOUR[e[2]] || EDGE_COLOUR[""],
             title: labelOf(e[0]) + "\n— " + (D.relations[e[2]] || e[2]) + " —\n" + labelOf(e[1]) };
  }

  var nodesDS = new vis.DataSet(), edgesDS = new vis.DataSet();
  var shown = { nodes: 0, edges: 0, cases: 0, matching: 0 };

  var first = null;  /* case -> the lesson its "+N more" group is under, worked out once */
  function firstLesson(id) {
    if (!first) { first = new Map(); caseLessons.forEach(function (ls, c) { first.set(c, ls.slice().sort()[0]); }); }
    return first.get(id);
  }
  function visible() {
    var keep = new Set(), extra = [];
    if (state.ego) {
      keep.add(state.ego);
      (adj.get(state.ego) || []).forEach(function (x) { keep.add(x); });
      var egoCases = 0, egoMulti = 0;
      keep.forEach(function (x) { var n = byId.get(x); if (n.group === "case") { egoCases++; if (n.lessons >= 2) egoMulti++; } });
      return { keep: keep, extra: extra, cases: egoCases, matching: egoCases, multi: egoMulti, limited: false };
    }
    ofType.theme.concat(ofType.lesson).forEach(function (n) { keep.add(n.id); });
    var cases = P.filtered(), limit = D.meta.caseLimit, drawn = cases.slice(0, limit);
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
        var l = firstLesson(n.id);
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
    var multi = drawn.filter(function (n) { return n.lessons >= 2; }).length;
    return { keep: keep, extra: extra, cases: drawn.length, matching: cases.length, multi: multi, limited: cases.length > limit };
  }

  /* Bring a DataSet to `want` (id -> item maker): remove what left, add what came, update only the
     items whose maker says they changed; a node or link still drawn is left alone. */
  function sync(ds, want, changed) {
    var gone = [], fresh = [], redo = [], have = new Set(ds.getIds());
    have.forEach(function (id) { if (!want.has(id)) gone.push(id); else if (changed && changed(id)) redo.push(want.get(id)()); });
    want.forEach(function (make, id) { if (!have.has(id)) fresh.push(make()); });
    if (gone.length) ds.remove(gone);
    if (fresh.length) ds.add(fresh);
    if (redo.length) ds.update(redo);
    return want.size;
  }
  function fillNetwork(v) {
    var nodes = new Map(), edges = new Map(), extras = new Map();
    D.nodes.forEach(function (n) { if (v.keep.has(n.id)) nodes.set(n.id, function () { return visNode(n); }); });
    D.edges.forEach(function (e, i) { if (v.keep.has(e[0]) && v.keep.has(e[1])) edges.set(i, function () { return visEdge(e, i); }); });
    v.extra.forEach(function (x) {
      extras.set(x.node.id, x.node.label);
      nodes.set(x.node.id, function () { return x.node; }); edges.set(x.edge.id, function () { return x.edge; });
    });
    var nn = sync(nodesDS, nodes, function (id) { return extras.has(id) && nodesDS.get(id).label !== extras.get(id); });
    var ne = sync(edgesDS, edges);
    shown = { nodes: nn - v.extra.length, edges: ne - v.extra.length, cases: v.cases, matching: v.matching };
  }
  return { REL_STYLE: REL_STYLE, groups: groups, nodes: nodesDS, edges: edgesDS, visible: visible, fill: fillNetwork,
           shown: function () { return shown; }, has: function (id) { return !!nodesDS.get(id); } };
};
