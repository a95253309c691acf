/* pcmh-kg explorer: the filters every view shares, and facet counts that follow the other filters.
   One pass over the cases counts, for each filter, the cases that pass every *other* filter, so
   "London (12)" under "Lesson 6" says how many London cases evidence lesson 6. */
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
  function pass(n, dim) {
    if (dim === "min") return n.lessons >= state.min;
    var want = state[dim];
    return !want || vals(n, dim).indexOf(want) >= 0;
  }
  function matches(n) {
    for (var i = 0; i < DIMS.length; i++) if (!pass(n, DIMS[i])) return false;
    return true;
  }
  /* counts[dim] : Map value -> cases passing every filter but dim; allBut[dim]: their number */
  function facets() {
    var counts = {}, allBut = {}, total = 0;
    DIMS.forEach(function (d) { counts[d] = new Map(); allBut[d] = 0; });
    function add(n, d) {
      allBut[d]++;
      var m = counts[d];
      if (d === "min") { for (var k = 1; k <= Math.min(n.lessons, 3); k++) m.set(k, (m.get(k) || 0) + 1); return; }
      vals(n, d).forEach(function (v) { m.set(v, (m.get(v) || 0) + 1); });
    }
    P.ofType.case.forEach(function (n) {
      var failed = null, fails = 0;
      for (var i = 0; i < DIMS.length && fails < 2; i++) if (!pass(n, DIMS[i])) { failed = DIMS[i]; fails++; }
      if (fails === 0) { total++; DIMS.forEach(function (d) { add(n, d); }); }
      else if (fails === 1) add(n, failed);
    });
    return { counts: counts, allBut: allBut, total: total };
  }
  function active() { return DIMS.filter(function (d) { return d === "min" ? state.min > 1 : !!state[d]; }); }
  function describe(d) {
    if (d === "min") return state.min + "+ lessons";
    if (d === "scope") return P.SCOPES[state.scope] || state.scope;
    if (d === "place") return (D.places[state.place] || {}).label || state.place;
    if (d === "tag") return (D.tags[state.tag] || {}).label || P.labelOf(state.tag);
    return P.labelOf(state[d]);
  }
  /* Rewrite each select's option texts with the counts; returns the facets for the caller. */
  function refresh() {
    var f = facets();
    document.querySelectorAll("select[data-filter]").forEach(function (sel) {
      var m = f.counts[sel.dataset.filter];
      Array.prototype.forEach.call(sel.options, function (o) {
        if (!o.value) { o.textContent = o.dataset.all + " (" + P.fmt(f.allBut[sel.dataset.filter]) + ")"; return; }
        o.textContent = o.dataset.label + " (" + P.fmt(m.get(o.value) || 0) + ")";
      });
    });
    document.querySelectorAll("input[name=min]").forEach(function (r) {
      r.parentNode.querySelector(".n").textContent = " (" + P.fmt(f.counts.min.get(Number(r.value)) || 0) + ")";
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
  return { DIMS: DIMS, matches: matches, facets: facets, refresh: refresh, active: active, describe: describe, emptyNotice: emptyNotice };
};
