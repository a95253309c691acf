/* pcmh-kg explorer: search over titles, summaries, organisations, tags and places, forgiving small
   misspellings ("depresion" finds depression). Every word typed must be found in the case (in any
   of those fields), exactly, as the start of a word, or within one edit (two for long words);
   titles weigh most. The word index is built on the first search, so opening the page stays fast. */
window.PCMHModules = window.PCMHModules || {};
window.PCMHModules.search = function (P) {
  "use strict";
  var D = P.D, $ = function (id) { return document.getElementById(id); };
  var FIELDS = [["title", 3, "title"], ["orgs", 2, "organisation"], ["places", 2, "place"], ["tags", 2, "tag"], ["summary", 1, "summary"]];
  var index = null, hits = [];

  function norm(s) { return String(s || "").toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[^a-z0-9]+/g, " ").trim(); }
  function words(s) { var w = norm(s); return w ? w.split(" ") : []; }
  function fieldText(n, f) {
    var c = D.cases[n.id] || {};
    if (f === "title") return n.label;
    if (f === "summary") return c.summary;
    if (f === "orgs") return (c.orgs || []).map(function (o) { return o.name; }).concat(c.contact && c.contact.organisation ? [c.contact.organisation] : []).join(" ");
    if (f === "places") return (c.within || []).map(function (p) { return (D.places[p] || {}).label; }).join(" ");
    return (P.tagWithin.get(n.id) || []).map(function (t) { return (D.tags[t] || {}).label || P.labelOf(t); }).join(" ");
  }
  function build() {
    var vocab = new Map(), cases = P.ofType.case;
    cases.forEach(function (n, ci) {
      FIELDS.forEach(function (f, fi) {
        var ws = words(fieldText(n, f[0]));
        for (var i = 0; i < ws.length; i++) {  /* postings: case index * 8 + field, plain arrays (fast to build) */
          var post = vocab.get(ws[i]);
          if (!post) vocab.set(ws[i], post = []);
          var code = ci * 8 + fi;
          if (post[post.length - 1] !== code) post.push(code);
        }
      });
    });
    return { vocab: vocab, words: Array.from(vocab.keys()) };
  }
  /* edit distance, giving up above max (Damerau: a swap of two letters counts once) */
  function within(a, b, max) {
    if (Math.abs(a.length - b.length) > max) return false;
    var prev2 = null, prev = [], cur, i, j;
    for (j = 0; j <= b.length; j++) prev[j] = j;
    for (i = 1; i <= a.length; i++) {
      cur = [i]; var low = i;
      for (j = 1; j <= b.length; j++) {
        var cost = a[i - 1] === b[j - 1] ? 0 : 1;
        var v = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
        if (prev2 && i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, prev2[j - 2] + 1);
        cur[j] = v; if (v < low) low = v;
      }
      if (low > max) return false;
      prev2 = prev; prev = cur;
    }
    return prev[b.length] <= max;
  }
  function allowed(w) { return w.length >= 8 ? 2 : w.length >= 4 ? 1 : 0; }
  /* vocabulary words matching one typed word, each with a weight: exact 1, prefix .8, fuzzy .6 */
  function expand(q) {
    var out = [], max = allowed(q);
    index.words.forEach(function (w) {
      if (w === q) out.push([w, 1]);
      else if (q.length >= 2 && w.indexOf(q) === 0) out.push([w, 0.8]);
      else if (max && within(q, w, max)) out.push([w, 0.6]);
    });
    return out;
  }
  function findCases(q) {
    if (!index) index = build();
    var qs = words(q), score = null;
    qs.forEach(function (w) {
      var s = new Map();
      expand(w).forEach(function (e) {
        index.vocab.get(e[0]).forEach(function (code) {
          var ci = code >> 3, v = FIELDS[code & 7][1] * e[1];
          if (!(s.get(ci) >= v)) s.set(ci, v);
        });
      });
      if (score === null) score = s;
      else { var next = new Map(); score.forEach(function (v, ci) { if (s.has(ci)) next.set(ci, v + s.get(ci)); }); score = next; }
    });
    var cases = P.ofType.case;
    return Array.from((score || new Map()).entries()).map(function (e) { return { node: cases[e[0]], score: e[1] }; })
      .sort(function (a, b) { return (b.score - a.score) || P.caseRank(a.node, b.node); });
  }
  function findOthers(q) {
    var qs = words(q);
    return P.D.nodes.filter(function (n) {
      if (n.group === "case") return false;
      var ws = words(n.label);
      return qs.length && qs.every(function (x) { return ws.some(function (w) { return w === x || w.indexOf(x) === 0 || (allowed(x) && within(x, w, allowed(x))); }); });
    });
  }
  function why(n, q) {
    var qs = words(q);
    return FIELDS.filter(function (f) {
      var ws = words(fieldText(n, f[0]));
      return qs.some(function (x) { return ws.some(function (w) { return w === x || w.indexOf(x) === 0 || (allowed(x) && within(x, w, allowed(x))); }); });
    }).map(function (f) { return f[2]; });
  }
  function run() {
    var q = $("search").value.trim(), ul = $("search-results");
    ul.replaceChildren(); hits = [];
    if (P.url) P.url.write();
    if (!q) return;
    var others = findOthers(q).slice(0, 4), cases = findCases(q);
    hits = others.concat(cases.slice(0, 12 - others.length).map(function (h) { return h.node; }));
    if (!hits.length) { ul.append(P.el("li", { class: "none", text: "No match for “" + q + "”" })); return; }
    hits.forEach(function (n) {
      var b = P.el("button", { type: "button", class: "hit", "data-id": n.id },
                   P.el("span", { class: "kind " + n.group, text: D.types[n.group].label }), " ", n.label);
      if (n.group === "case") b.append(P.el("span", { class: "why", text: " · " + n.lessons + (n.lessons === 1 ? " lesson" : " lessons") + " · found in " + why(n, q).join(", ") }));
      b.addEventListener("click", function () { P.go(n.id); });
      ul.append(P.el("li", null, b));
    });
    if (cases.length > hits.length - others.length)
      ul.append(P.el("li", { class: "none", text: P.fmt(cases.length) + " case studies match; the best are listed." }));
  }
  var timer = null;
  $("search").addEventListener("input", function () {
    clearTimeout(timer);
    if (P.ofType.case.length > 5000) timer = setTimeout(run, 200); else run();  /* big data: wait for a pause in typing */
  });
  $("search").addEventListener("keydown", function (e) {
    if (e.key === "Enter") { e.preventDefault(); clearTimeout(timer); run(); if (hits.length) P.go(hits[0].id); }
  });
  return { run: run, findCases: findCases, norm: norm };
};
