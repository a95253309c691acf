/* pcmh-kg explorer: the whole view in the address's #fragment, so a link reproduces it.
   view, filters, search, selected node, ego view and each view's own choices (evidence-map
   columns and cell, map and place). A value this data does not hold is dropped with a notice
   saying so, never silently turned into an empty view. */
window.PCMHModules = window.PCMHModules || {};
window.PCMHModules.urlstate = function (P) {
  "use strict";
  var D = P.D, state = P.state, writing = false, applying = false;
  var FILTERS = ["theme", "lesson", "tag", "place", "scope"];

  function known(dim, v) {
    if (dim === "place") return !!D.places[v] && P.ofType.case.some(function (n) { return ((D.cases[n.id] || {}).within || []).indexOf(v) >= 0; });
    if (dim === "tag") return !!D.tags[v];
    if (dim === "scope") return !!P.SCOPES[v];
    var n = P.byId.get(v);
    return !!n && n.group === dim;
  }
  function read() {
    var h = new URLSearchParams(location.hash.replace(/^#/, "")), bad = [];
    var out = { view: h.get("view") || "network", filters: {}, q: h.get("q") || "", node: h.get("node"), ego: h.get("ego"), extra: {} };
    if (h.has("min")) { var m = Number(h.get("min")); if ([1, 2, 3].indexOf(m) >= 0) out.filters.min = m; else bad.push("min=" + h.get("min")); }
    FILTERS.forEach(function (d) {
      if (!h.has(d)) return;
      if (known(d, h.get(d))) out.filters[d] = h.get(d); else bad.push(d + "=" + h.get(d));
    });
    ["node", "ego"].forEach(function (k) { if (out[k] && !P.byId.get(out[k])) { bad.push(k + "=" + out[k]); out[k] = null; } });
    h.forEach(function (v, k) { if (k.indexOf(".") > 0) out.extra[k] = v; });
    out.bad = bad;
    return out;
  }
  /* before the first drawing: filters only (the network is not there yet) */
  function prime(r) {
    Object.keys(r.filters).forEach(function (d) {
      state[d] = r.filters[d];
      if (d === "min") { var x = document.querySelector("input[name=min][value='" + state.min + "']"); if (x) x.checked = true; }
      else document.querySelector("select[data-filter=" + d + "]").value = state[d];
    });
    state.ego = r.ego;
    Object.keys(P.views).forEach(function (k) { if (P.views[k].restore) P.views[k].restore(r.extra); });
  }
  function apply(r) {
    applying = true;
    try {
      if (r.q) { document.getElementById("search").value = r.q; P.search.run(); }
      P.selectTab(r.view);
      if (r.node) P.openPanel(r.node);
      if (r.bad.length) {
        var box = document.getElementById("notice");
        box.replaceChildren("This link names something this data does not hold, so it was left out: " + r.bad.join(", ") + ".");
        box.hidden = false;
      }
    } finally { applying = false; }
    write();
  }
  function write() {
    if (applying) return;
    var h = new URLSearchParams();
    if (state.view && state.view !== "network") h.set("view", state.view);
    if (state.min > 1) h.set("min", String(state.min));
    FILTERS.forEach(function (d) { if (state[d]) h.set(d, state[d]); });
    var q = document.getElementById("search").value.trim();
    if (q) h.set("q", q);
    if (state.node) h.set("node", state.node);
    if (state.ego) h.set("ego", state.ego);
    Object.keys(P.views).forEach(function (k) {
      var extra = P.views[k].urlState ? P.views[k].urlState() : {};
      Object.keys(extra).forEach(function (x) { if (extra[x]) h.set(k + "." + x, extra[x]); });
    });
    var next = h.toString();
    if (next !== location.hash.replace(/^#/, "")) {
      writing = true;
      history.replaceState(null, "", next ? "#" + next : location.pathname + location.search);
      writing = false;
    }
  }
  window.addEventListener("hashchange", function () {
    if (writing) return;
    var r = read();
    P.resetQuiet();
    prime(r); P.redraw(true); apply(r);
  });
  return { read: function () { var r = read(); prime(r); return r; }, apply: apply, write: write };
};
