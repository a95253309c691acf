/* pcmh-kg explorer: a map of places with no tiles and no network. The boundaries were projected
   into SVG paths when the page was written (viz/geo.py); here they are shaded by the number of
   case studies matching the filters in each place or anywhere inside it (as the library query
   cases-in-place counts), with a point per case on a canvas above them. With a lesson chosen,
   places with no case for it are hatched and listed: the gaps. */
window.PCMHModules = window.PCMHModules || {};
window.PCMHModules.geomap = function (P) {
  "use strict";
  var D = P.D, el = P.el, fmt = P.fmt, $ = function (id) { return document.getElementById(id); };
  var NS = "http://www.w3.org/2000/svg", SHADES = ["#F3E8FF", "#E9D5FF", "#C084FC", "#9333EA", "#6B21A8"];
  var which = D.maps.london ? "london" : "world", chosen = null, counts = new Map(), lastCases = [];

  function svgEl(tag, attrs) { var e = document.createElementNS(NS, tag); Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); }); return e; }
  function shade(n, max) { return n ? SHADES[Math.min(SHADES.length - 1, Math.floor(SHADES.length * Math.log(n + 1) / Math.log(max + 2)))] : null; }
  function count() {
    counts = new Map(); lastCases = P.filtered();
    lastCases.forEach(function (n) { ((D.cases[n.id] || {}).within || []).forEach(function (p) { counts.set(p, (counts.get(p) || 0) + 1); }); });
  }
  function places(m) {  /* the places this map shades: areas joined to a place, and the UK's circles */
    var out = m.areas.filter(function (a) { return a.place; }).map(function (a) { return a.place; });
    return out.concat(m.symbols || []);
  }
  function name(p) { return (D.places[p] || {}).label || p; }
  function label(p, n) {
    var l = P.state.lesson ? " for lesson " + P.byId.get(P.state.lesson).order : "";
    return name(p) + ": " + (n ? fmt(n) + (n === 1 ? " case study" : " case studies") + l : "no case study" + l + (l ? ", a gap" : ""));
  }
  function activate(node, p) {
    node.setAttribute("tabindex", "0"); node.setAttribute("role", "button");
    node.setAttribute("data-place", p); node.setAttribute("data-count", String(counts.get(p) || 0));
    node.setAttribute("aria-label", label(p, counts.get(p) || 0));
    node.addEventListener("click", function () { choose(p); });
    node.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); choose(p); } });
  }
  function render() {
    count();
    var m = D.maps[which], svg = $("map-svg"), max = 1, gapMode = !!P.state.lesson;
    places(m).forEach(function (p) { max = Math.max(max, counts.get(p) || 0); });
    svg.setAttribute("viewBox", "0 0 " + m.width + " " + m.height);
    svg.replaceChildren(svgEl("defs"));
    svg.firstChild.innerHTML = '<pattern id="hatch" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="8" height="8" fill="#FEE2E2"/><line x1="0" y1="0" x2="0" y2="8" stroke="#B91C1C" stroke-width="3"/></pattern>';
    m.areas.forEach(function (a) {
      var n = a.place ? counts.get(a.place) || 0 : 0;
      var path = svgEl("path", { d: a.d, class: "area" + (a.place ? " joined" : "") + (a.place && !n && gapMode && !m.symbols ? " gap" : "") + (a.place === chosen ? " chosen" : "") });
      var fill = m.symbols ? "#F1F5F9" : shade(n, max);
      if (fill) path.style.fill = fill;
      path.append(svgEl("title")); path.lastChild.textContent = a.place ? label(a.place, n) : a.name;
      if (a.place && !m.symbols) activate(path, a.place);
      svg.append(path);
    });
    (m.symbols || []).forEach(function (p) {
      var xy = m.points[p]; if (!xy) return;
      var n = counts.get(p) || 0, r = n ? 10 + 34 * Math.sqrt(n / max) : 9;
      var g = svgEl("g", { class: "symbol" + (!n && gapMode ? " gap" : "") + (p === chosen ? " chosen" : "") });
      g.append(svgEl("circle", { cx: xy[0], cy: xy[1], r: r.toFixed(1), fill: shade(n, max) || "#fff" }));
      var t = svgEl("text", { x: xy[0], y: xy[1] - r - 6, "text-anchor": "middle" }); t.textContent = name(p) + " " + fmt(n);
      g.append(t); activate(g, p); svg.append(g);
    });
    if (!m.symbols) m.areas.forEach(function (a) {  /* names of the shaded places, where they fit */
      if (!a.place || !(counts.get(a.place) > 0) || !m.points[a.place]) return;
      var xy = m.points[a.place], t = svgEl("text", { x: xy[0], y: xy[1] + (which === "world" ? -6 : 4), "text-anchor": "middle", class: "alabel" });
      t.textContent = which === "world" ? fmt(counts.get(a.place)) : name(a.place).split(" ")[0] + " " + fmt(counts.get(a.place));
      svg.append(t);
    });
    drawPoints(m);
    legend(max, gapMode);
    table(m, gapMode);
    if (chosen) list(); else $("map-list").replaceChildren();
  }
  function drawPoints(m) {
    var svg = $("map-svg"), cv = $("map-points"), w = svg.clientWidth, h = svg.clientHeight;
    var dpr = window.devicePixelRatio || 1, k = Math.min(w / m.width, h / m.height), ox = (w - m.width * k) / 2, oy = (h - m.height * k) / 2;
    cv.width = Math.max(1, Math.round(w * dpr)); cv.height = Math.max(1, Math.round(h * dpr));
    cv.style.width = w + "px"; cv.style.height = h + "px";
    var ctx = cv.getContext("2d"), seen = new Map(), drawn = 0;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0); ctx.clearRect(0, 0, w, h);
    ctx.fillStyle = "rgba(245, 158, 11, 0.9)"; ctx.strokeStyle = "#78350F"; ctx.lineWidth = 0.8;
    ctx.beginPath();
    lastCases.forEach(function (n) {
      var p = (P.casePlaces.get(n.id) || [])[0], xy = p && m.points[p];
      if (!xy) return;
      var i = seen.get(p) || 0; seen.set(p, i + 1);
      var r = 3.2 * Math.sqrt(i), a = i * 2.39996, x = ox + (xy[0] * k) + r * Math.cos(a), y = oy + (xy[1] * k) + r * Math.sin(a);
      ctx.moveTo(x + 2.6, y); ctx.arc(x, y, 2.6, 0, 2 * Math.PI); drawn++;
    });
    ctx.fill(); ctx.stroke();
    cv.dataset.points = drawn;
  }
  function legend(max, gapMode) {
    var box = $("map-legend"); box.replaceChildren();
    var steps = SHADES.map(function (c, i) { return [c, i]; });
    box.append(el("span", { class: "lg", text: "Case studies: fewer" }));
    steps.forEach(function (s) { var sw = el("span", { class: "sw" }); sw.style.background = s[0]; box.append(sw); });
    box.append(el("span", { class: "lg", text: "more (up to " + fmt(max) + ")" }));
    var pt = el("span", { class: "sw dot" }); box.append(pt, el("span", { class: "lg", text: "a case study" }));
    if (gapMode) { var g = el("span", { class: "sw hatch" }); box.append(g, el("span", { class: "lg", text: "no case for lesson " + P.byId.get(P.state.lesson).order + ": a gap" })); }
  }
  function table(m, gapMode) {
    var ps = places(m).slice().sort(function (a, b) { return ((counts.get(b) || 0) - (counts.get(a) || 0)) || P.cmp(name(a), name(b)); });
    var tb = el("tbody");
    ps.forEach(function (p) {
      var b = el("button", { type: "button", class: "node-link", text: name(p) });
      b.addEventListener("click", function () { choose(p); });
      tb.append(el("tr", { class: (counts.get(p) || 0) ? "" : "zero" }, el("th", { scope: "row" }, b), el("td", { class: "num", text: fmt(counts.get(p) || 0) })));
    });
    $("map-table").replaceChildren(el("caption", { text: m.title + ": case studies matching the filters in each place, including places inside it." }),
      el("thead", null, el("tr", null, el("th", { scope: "col", text: "Place" }), el("th", { scope: "col", text: "Case studies" }))), tb);
    var gaps = ps.filter(function (p) { return !(counts.get(p) || 0); });
    $("map-gaps").textContent = gapMode ? (gaps.length ? "No case for lesson " + P.byId.get(P.state.lesson).order + " in " + fmt(gaps.length) + " of " + fmt(ps.length) + " places: " + gaps.map(name).join(", ") + "."
      : "Every place on this map has a case for lesson " + P.byId.get(P.state.lesson).order + ".") : "Choose a lesson in the filters to see the places with no case for it (the gaps).";
    if (m.unjoined && m.unjoined.length) $("map-gaps").textContent += " Not joined to the data: " + m.unjoined.join(", ") + ".";
  }
  function choose(p) { chosen = p; render(); P.url.write(); $("map-list").scrollIntoView({ block: "nearest" }); }
  function list() {
    var ids = lastCases.filter(function (n) { return ((D.cases[n.id] || {}).within || []).indexOf(chosen) >= 0; });
    var box = $("map-list"), ul = el("ul", { class: "plist" });
    box.replaceChildren(el("h3", { id: "map-list-title", text: name(chosen) + ": " + fmt(ids.length) + (ids.length === 1 ? " case study" : " case studies") }));
    ids.slice(0, 100).forEach(function (n) {
      var c = D.cases[n.id] || {}, ct = c.contact || {};
      var li = el("li", { "data-id": n.id }, P.nodeButton(n.id), el("span", { class: "count", text: " · " + n.lessons + (n.lessons === 1 ? " lesson" : " lessons") + " · " + (P.casePlaces.get(n.id) || []).map(P.labelOf).join(", ") }));
      if (ct.organisation || ct.url) { var cp = el("p", { class: "meta", text: "Contact: " + [ct.organisation, ct.role].filter(Boolean).join(", ") }); if (ct.url) { cp.append(" · "); cp.append(P.link(ct.url, "contact page")); } li.append(cp); }
      ul.append(li);
    });
    box.append(ul);
    if (ids.length > 100) box.append(el("p", { class: "hint", text: "The first 100 of " + fmt(ids.length) + "; use the table view and its download for all." }));
  }
  Object.keys(D.maps).forEach(function (k) { $("map-which").append(el("option", { value: k, text: D.maps[k].title })); });
  $("map-which").value = which;
  $("map-which").addEventListener("change", function (e) { which = e.target.value; chosen = null; render(); P.url.write(); });
  window.addEventListener("resize", function () { if (P.state.view === "map") drawPoints(D.maps[which]); });
  P.views.map = {
    render: render,
    reset: function () { chosen = null; },
    urlState: function () { return { which: which === (D.maps.london ? "london" : "world") ? "" : which, place: chosen || "" }; },
    restore: function (x) {
      which = D.maps[x["map.which"]] ? x["map.which"] : D.maps.london ? "london" : "world";
      $("map-which").value = which;
      chosen = x["map.place"] && D.places[x["map.place"]] ? x["map.place"] : null;
    },
    counts: function () { var o = {}; places(D.maps[which]).forEach(function (p) { o[p] = counts.get(p) || 0; }); return o; }
  };
};
