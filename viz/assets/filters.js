/* pcmh-kg explorer: the filters every view shares, and facet counts that follow the other filters.
   One pass over the cases per change counts, for each filter, the cases that pass every *other*
   filter, so "London (12)" under "Lesson 6" says how many London cases evidence lesson 6; the same
   pass gives the matching cases every view draws. */
window.PCMHModules = window.PCMHModules || {};
window.PCMHModules.filters = function (P) {
  "use strict";
  var D = P.D, state = P.state;
  var DIMS = ["min", "theme", "lesson", "tag", "place", "scope"];
  var NAMES = { min: "number of lessons", theme: "theme", lesson: "lesson", tag: "tag", place: "place", scope: "scope" };

  function vals(n, dim) {
    switch (dim) {
      case "theme": return P.caseThemes.get(n.id) || [];
      case "lesson": return P.caseLessons.get(n.id) || [];
      case "tag": return P.tagWithin.get(n.id) || [];
      case "place": return (D.cases[n.id] || {}).within || [];
      case "scope": return [(D.cases[n.id] || {}).scope];
    }
    return [];
  }
  /* each case's values per filter, read once: a change of filters then costs one loop over arrays */
  var table = null;
  function rows() {
    return table || (table = P.ofType.case.map(function (n) { return DIMS.map(function (d) { return d === "min" ? null : vals(n, d); }); }));
  }
  function tally(m, v) { m.set(v, (m.get(v) || 0) + 1); }
  /* counts[dim] : Map value -> cases passing every filter but dim; allBut[dim]: their number;
     matching: the cases passing all of them, in the page's order (most lessons first) */
  var stats = { passes: 0 };  /* full passes over the cases: one per change (the tests read it) */
  function facets() {
    var counts = {}, allBut = {}, total = 0, multi = 0, matching = [], cases = P.ofType.case, R = rows();
    var want = DIMS.map(function (d) { return d === "min" ? state.min : state[d]; });
    stats.passes++;
    DIMS.forEach(function (d) { counts[d] = new Map(); allBut[d] = 0; });
    function add(i, d) {
      allBut[DIMS[d]]++;
      var m = counts[DIMS[d]], n = cases[i];
      if (d === 0) { for (var k = 1; k <= Math.min(n.lessons, 3); k++) tally(m, k); return; }
      var vs = R[i][d];
      for (var j = 0; j < vs.length; j++) tally(m, vs[j]);
    }
    for (var i = 0; i < cases.length; i++) {
      var failed = -1, fails = 0, r = R[i];
      for (var d = 0; d < DIMS.length && fails < 2; d++) {
        var ok = d === 0 ? cases[i].lessons >= want[0] : !want[d] || r[d].indexOf(want[d]) >= 0;
        if (!ok) { failed = d; fails++; }
      }
      if (fails === 0) {
        total++; matching.push(cases[i]); if (cases[i].lessons >= 2) multi++;
        for (d = 0; d < DIMS.length; d++) add(i, d);
      } else if (fails === 1) add(i, failed);
    }
    return { counts: counts, allBut: allBut, total: total, multi: multi, matching: matching };
  }
  function active() { return DIMS.filter(function (d) { return d === "min" ? state.min > 1 : !!state[d]; }); }
  function describe(d) {
    if (d === "min") return state.min + "+ lessons";
    if (d === "scope") return P.SCOPES[state.scope] || state.scope;
    if (d === "place") return (D.places[state.place] || {}).label || state.place;
    if (d === "tag") return (D.tags[state.tag] || {}).label || P.labelOf(state.tag);
    return P.labelOf(state[d]);
  }
  function setText(node, text) { if (node.textContent !== text) node.textContent = text; }
  /* Rewrite each select's option texts with the counts (only those that changed); returns the
     facets, matching cases included, for the caller. */
  function refresh() {
    var f = facets();
    document.querySelectorAll("select[data-filter]").forEach(function (sel) {
      var m = f.counts[sel.dataset.filter];
      Array.prototype.forEach.call(sel.options, function (o) {
        if (!o.value) setText(o, o.dataset.all + " (" + P.fmt(f.allBut[sel.dataset.filter]) + ")");
        else setText(o, o.dataset.label + " (" + P.fmt(m.get(o.value) || 0) + ")");
      });
    });
    document.querySelectorAll("input[name=min]").forEach(function (r) {
      setText(r.parentNode.querySelector(".n"), " (" + P.fmt(f.counts.min.get(Number(r.value)) || 0) + ")");
    });
    return f;
  }
  /* When the filters leave no case: say which filters clash and what removing each would give. */
  function emptyNotice(f, box) {
    var on = active();
    box.append("No case study matches " + on.map(describe).join(" + ") + ". ");
    on.forEach(function (d) {
      var b = P.el("button", { type: "button", "data-drop": d, text: "Drop " + NAMES[d] + " (" + P.fmt(f.allBut[d]) + " cases)" });
      b.addEventListener("click", function () { P.setFilter(d, d === "min" ? 1 : ""); });
      box.append(b);
    });
  }
  return { DIMS: DIMS, stats: stats, facets: facets, refresh: refresh, active: active, describe: describe, emptyNotice: emptyNotice };
};
