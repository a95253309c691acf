/* pcmh-kg explorer: the side column. The cases with the most lessons, and the details panel of a
   case, lesson, theme, tag or place: what it is, and the reason behind each of its links. */
window.PCMHModules = window.PCMHModules || {};
window.PCMHModules.panel = function (P) {
  "use strict";
  var D = P.D, state = P.state, el = P.el, link = P.link, fmt = P.fmt, cmp = P.cmp, labelOf = P.labelOf, caseRank = P.caseRank;
  var byId = P.byId, ofType = P.ofType, caseLessons = P.caseLessons, caseTags = P.caseTags, casePlaces = P.casePlaces;
  var lessonCases = P.lessonCases, SCOPES = P.SCOPES, ORIGINS = P.ORIGINS, $ = function (id) { return document.getElementById(id); };
  var FLAGS = { "began-after-guide": "began after the guide", discontinued: "discontinued", pilot: "pilot" };
  /* ---------------------------------------------------------------- ranked list */
  function renderRanked() {
    var ol = $("ranked-list"), cases = P.currentCases(), top = cases.slice(0, 10);
    ol.replaceChildren();
    top.forEach(function (n) {
      ol.append(el("li", null, el("span", { class: "rk" + (n.lessons >= 2 ? " multi" : ""), text: String(n.lessons) }),
                   nodeButton(n.id)));
    });
    if (!top.length) ol.append(el("li", { class: "hint", text: "No case study matches the filters." }));
    $("ranked-note").textContent = cases.length > top.length ? "Top " + top.length + " of " + fmt(cases.length) + " matching case studies; the number is how many of the ten lessons each evidences." : "The number is how many of the ten lessons each evidences.";
  }

  /* ---------------------------------------------------------------- search */
  function go(id) {
    if (!P.net.has(id)) {
      if (byId.get(id).group === "case") state.pinned.add(id);
      state.ego = null;
      P.redraw(false);
      if (!P.net.has(id)) {  /* hidden by a filter: clear the filters */
        P.reset(); state.pinned.add(id); P.redraw(false);
      }
    }
    if (state.view === "network") {
      P.network.selectNodes([id]);
      P.network.focus(id, { scale: Math.max(P.network.getScale(), 0.9), animation: false });
    }
    openPanel(id);
  }

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
    egoBtn.addEventListener("click", function () { state.ego = id; P.selectTab("network"); P.redraw(true); P.network.selectNodes([id]); });
    if (n.group === "case") casePanel(n, body); else if (n.group === "lesson") lessonPanel(n, body);
    else otherPanel(n, body);
    body.append(egoBtn);
    $("panel").hidden = false;
    $("panel").dataset.node = id;
    $("ranked").hidden = true;
    state.node = id;
    if (P.url) P.url.write();
  }
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
    if (c.status) dl.append(el("dt", { text: "Status" }), statusText(c.status));
    if ((c.orgs || []).length) {
      var ol = el("ul", { class: "orgs" });
      c.orgs.forEach(function (o) { ol.append(el("li", null, o.url ? link(o.url, o.name) : o.name, o.now ? succession(o) : null)); });
      dl.append(el("dt", { text: c.orgs.length > 1 ? "Organisations" : "Organisation" }), el("dd", null, ol));
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
  var STATUS = { running: "Running", ended: "Ended", unknown: "Not known" };
  function statusText(s) {
    var dd = el("dd", { class: "status-" + s.value, text: (STATUS[s.value] || s.value) + (s.asOf ? " (as of " + s.asOf + ")" : "") });
    if (s.source) dd.append(" · ", link(s.source, "source"));
    return dd;
  }
  /* an organisation that ended (a CCG in 2022, say): when, and who carries its duties now */
  function succession(o) {
    var p = el("p", { class: "meta now", text: "Ended" + (o.ended ? " " + o.ended : "") + " · " });
    if (!o.now.length) { p.append("dissolved, with no successor"); return p; }
    p.append("now: ");
    o.now.forEach(function (s, i) {
      p.append(i ? "; " : "", link(s.page, s.name), s.since ? " (since " + s.since + ")" : "");
    });
    return p;
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
    if (P.network) P.network.unselectAll();
    if (P.url) P.url.write();
  }
  $("panel-close").addEventListener("click", closePanel);
  document.addEventListener("keydown", function (e) { if (e.key === "Escape" && !$("panel").hidden) closePanel(); });
  Object.assign(P, { go: go, openPanel: openPanel, closePanel: closePanel, nodeButton: nodeButton, similar: similar, renderRanked: renderRanked });
};
