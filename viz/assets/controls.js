/* pcmh-kg explorer: the filter controls (their options, counted once when the page opens), reset,
   and the key to the network's colours and lines. */
window.PCMHModules = window.PCMHModules || {};
window.PCMHModules.controls = function (P) {
  "use strict";
  var D = P.D, state = P.state, el = P.el, cmp = P.cmp, truncate = P.truncate, labelOf = P.labelOf, ofType = P.ofType;
  var tagWithin = P.tagWithin, SCOPES = P.SCOPES, MULTI = D.meta.multiColour, $ = function (id) { return document.getElementById(id); };
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
    fillSelect($("f-scope"), "All scopes", Object.keys(SCOPES).filter(function (s) { return scopes.has(s); })
      .map(function (s) { return [s, SCOPES[s]]; }));
    document.querySelectorAll("select[data-filter]").forEach(function (sel) {
      sel.addEventListener("change", function () { P.setFilter(sel.dataset.filter, sel.value); });
    });
    document.querySelectorAll("input[name=min]").forEach(function (r) {
      r.addEventListener("change", function () { P.setFilter("min", r.value); });
    });
    $("show-tags").addEventListener("change", function (e) { state.showTags = e.target.checked; P.redraw(false); });
    $("show-places").addEventListener("change", function (e) { state.showPlaces = e.target.checked; P.redraw(false); });
    $("reset").addEventListener("click", reset);
  }
  function reset() { resetQuiet(); P.redraw(true); }
  function resetQuiet() {
    Object.assign(state, { min: 1, theme: "", lesson: "", tag: "", place: "", scope: "", ego: null, showTags: true, showPlaces: true });
    state.pinned.clear();
    document.querySelectorAll("select[data-filter]").forEach(function (s) { s.value = ""; });
    document.querySelector("input[name=min][value='1']").checked = true;
    $("show-tags").checked = true; $("show-places").checked = true;
    $("search").value = ""; $("search-results").replaceChildren();
    Object.keys(P.views).forEach(function (k) { if (P.views[k].reset) P.views[k].reset(); });
    P.closePanel();
  }

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
    Object.keys(P.net.REL_STYLE).forEach(function (rel) {
      var sw = el("span", { class: "sw line", "aria-hidden": "true" });
      sw.style.setProperty("--c", P.net.REL_STYLE[rel].color);
      sw.style.setProperty("--w", Math.max(1.5, P.net.REL_STYLE[rel].width) + "px");
      ul.append(el("li", null, sw, "line: " + (D.relations[rel] || rel)));
    });
  }
  setupFilters(); setupLegend();
  P.reset = reset; P.resetQuiet = resetQuiet;
};
