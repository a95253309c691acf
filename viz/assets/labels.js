/* pcmh-kg explorer: case names on the network, in full and never on top of each other.
   vis-network draws no case label; after each drawing this names, in this order, the selected
   case, the hovered one, their neighbours, then the drawn cases with the most lessons, skipping
   any name whose box would overlap a name already drawn or a lesson box. Font size is constant on
   screen at every zoom; at the first view the cases backing the most lessons are named. */
window.PCMHModules = window.PCMHModules || {};
window.PCMHModules.labels = function (P) {
  "use strict";
  var net = P.network, hovered = null, MAX = 260, FONT = 13, LINE = 26;
  var wrapped = new Map();
  function lines(text) {
    var w = wrapped.get(text);
    if (w) return w;
    var out = [], cur = "";
    text.split(/\s+/).forEach(function (word) {
      if (cur && (cur + " " + word).length > LINE) { out.push(cur); cur = word; } else cur = cur ? cur + " " + word : word;
    });
    if (cur) out.push(cur);
    if (out.length > 3) { out = out.slice(0, 3); out[2] = out[2].slice(0, LINE - 1) + "…"; }
    wrapped.set(text, out);
    return out;
  }
  net.on("hoverNode", function (p) { hovered = p.node; net.redraw(); });
  net.on("blurNode", function () { hovered = null; net.redraw(); });
  function candidates() {
    var first = [], seen = new Set(), sel = net.getSelectedNodes();
    function add(id, forced) {
      if (seen.has(id) || !P.byId.get(id) || P.byId.get(id).group !== "case" || !net.body.nodes[id]) return;
      seen.add(id); first.push([id, forced]);
    }
    sel.concat(hovered ? [hovered] : []).forEach(function (id) {
      add(id, true);
      (P.adj.get(id) || []).forEach(function (x) { add(x, true); });
    });
    var drawn = P.currentCases();
    for (var i = 0; i < drawn.length && first.length < MAX; i++) add(drawn[i].id, false);
    return first;
  }
  net.on("afterDrawing", function (ctx) {
    var scale = net.getScale(), ids = candidates(), placed = [];
    var pos = net.getPositions(ids.map(function (x) { return x[0]; }));
    var view = net.getViewPosition(), canvas = net.canvas.frame.canvas;
    var halfW = canvas.clientWidth / 2 / scale, halfH = canvas.clientHeight / 2 / scale;
    P.ofType.lesson.concat(P.ofType.theme).forEach(function (n) {
      if (net.body.nodes[n.id]) { var b = net.getBoundingBox(n.id); placed.push([b.left, b.top, b.right, b.bottom]); }
    });
    var fs = FONT / scale, lh = fs * 1.2, shown = [];
    ctx.save();
    ctx.font = "600 " + fs + "px system-ui, -apple-system, Segoe UI, Roboto, sans-serif";
    ctx.textBaseline = "top"; ctx.lineJoin = "round";
    ids.forEach(function (it) {
      var id = it[0], p = pos[id], n = P.byId.get(id);
      if (!p) return;
      if (Math.abs(p.x - view.x) > halfW + 200 / scale || Math.abs(p.y - view.y) > halfH + 200 / scale) return;
      var ls = lines(n.label), w = 0;
      ls.forEach(function (l) { w = Math.max(w, ctx.measureText(l).width); });
      var r = 6 + 5 * n.lessons, x0 = p.x - w / 2, y0 = p.y + r + 2 / scale, box = [x0 - 2 / scale, y0, x0 + w + 2 / scale, y0 + lh * ls.length];
      if (!it[1] && placed.some(function (b) { return box[0] < b[2] && box[2] > b[0] && box[1] < b[3] && box[3] > b[1]; })) return;
      placed.push(box); shown.push(id);
      ls.forEach(function (l, i) {
        ctx.lineWidth = 4 / scale; ctx.strokeStyle = "rgba(255,255,255,0.95)"; ctx.strokeText(l, x0, y0 + i * lh);
        ctx.fillStyle = n.lessons >= 2 ? "#111827" : "#475569"; ctx.fillText(l, x0, y0 + i * lh);
      });
    });
    ctx.restore();
    document.getElementById("network").dataset.labels = shown.length;
    P.labelled = shown;
  });
};
