/* demarcate default theme: the search page.
 * Reads the index the build wrote (search-index.js, loaded just before this script: a script,
 * not a fetch, so it also works from file://) and lists what matches every word typed:
 * owners, workstreams and parties by name, and pages by title, client, summary, tags, and the
 * workstreams and owners of their rows. No network requests; results are built as DOM nodes
 * (never HTML strings), so nothing in the index is ever run as markup. */
(function () {
  "use strict";
  var form = document.querySelector("[data-search]");
  var status = document.querySelector("[data-search-status]");
  var out = document.querySelector("[data-search-results]");
  if (!form || !status || !out) return;
  var input = form.querySelector("input");
  var index = window.demarcateSearch;
  form.hidden = false;
  /* The page says it is loading until this runs (a large site's index takes a moment). */
  status.classList.remove("search-loading");
  status.textContent = "";
  if (!index || index.version !== 1) {
    status.textContent = "The search index did not load, so search is not available. Browse the owners, workstreams or matrix instead.";
    input.disabled = true;
    return;
  }

  var PAGE = 50;
  var NAMED = 8;

  /* Opened from disk (a site built with --offline), a link names the file relative to this
   * page, which is always BASE/search/index.html, as the build writes every other link. */
  var fromDisk = location.protocol === "file:" && typeof index.base === "string";
  function href(url) {
    if (!fromDisk || url.indexOf(index.base) !== 0) return url;
    var rest = url.slice(index.base.length);
    var cut = rest.search(/[?#]/);
    var tail = cut < 0 ? "" : rest.slice(cut);
    var path = cut < 0 ? rest : rest.slice(0, cut);
    if (path === "" || path.charAt(path.length - 1) === "/") path += "index.html";
    return "../" + path + tail;
  }

  /* Case and accents do not matter: "Bâtiment" matches "batiment". */
  function norm(s) {
    var n = String(s).toLowerCase();
    return n.normalize ? n.normalize("NFKD").replace(/[\u0300-\u036f]/g, "") : n;
  }

  /* [name, url, (party), also]: found by name and by the ids and aliases in `also`. An owner
   * without a page in this build is null, keeping the others at their places. */
  function named(list, alsoAt) {
    return list.map(function (e) {
      return e && { name: e[0], url: e[1], key: norm(e[0] + " " + (e[alsoAt] || "")), extra: e[2] };
    });
  }
  var parties = named(index.parties, 3);
  var workstreams = named(index.workstreams, 2);
  var owners = named(index.owners, 3);
  var pages = null; /* built on the first search: a large site's index is big */

  function buildPages() {
    pages = index.pages.map(function (p) {
      var client = p[3] === null ? null : parties[p[3]];
      return {
        title: p[0], url: p[1], summary: p[2], client: client, status: p[7] || null,
        ws: p[4].map(function (w) { return workstreams[w]; }),
        owners: p[5].map(function (o) { return owners[o]; }).filter(Boolean),
        kTitle: norm(p[0]), kSummary: norm(p[2]), kTags: norm(p[6] + (p[7] ? " " + p[7][0] : "")),
        kClient: client ? client.key : ""
      };
    });
  }

  function terms(q) {
    return norm(q).split(/\s+/).filter(Boolean);
  }

  /* Where a term starts a word it counts for more than inside one. */
  function at(hay, t) {
    var found = 0;
    for (var i = hay.indexOf(t); i !== -1; i = hay.indexOf(t, i + 1)) {
      if (i === 0 || /[^a-z0-9]/.test(hay.charAt(i - 1))) return 2;
      found = 1;
    }
    return found;
  }

  /* How well term `t` matches any of a page's workstreams or owners; each one it matches is
   * noted in `via`. */
  function viaNamed(list, t, via) {
    var best = 0;
    for (var i = 0; i < list.length; i++) {
      var s = at(list[i].key, t);
      if (s) {
        best = Math.max(best, 3 * s);
        if (via.indexOf(list[i]) < 0) via.push(list[i]);
      }
    }
    return best;
  }

  function scorePage(p, ts) {
    var total = 0, viaWs = [], viaOwners = [];
    for (var k = 0; k < ts.length; k++) {
      var t = ts[k], best = 0, s;
      if ((s = at(p.kTitle, t))) best = Math.max(best, 8 * s);
      if ((s = at(p.kClient, t))) best = Math.max(best, 5 * s);
      best = Math.max(best, viaNamed(p.ws, t, viaWs), viaNamed(p.owners, t, viaOwners));
      if ((s = at(p.kTags, t))) best = Math.max(best, 2 * s);
      if ((s = at(p.kSummary, t))) best = Math.max(best, s);
      if (!best) return null;
      total += best;
    }
    return { page: p, score: total, ws: viaWs, owners: viaOwners };
  }

  function matchNamed(list, ts) {
    return list.filter(function (e) {
      return e && ts.every(function (t) { return e.key.indexOf(t) !== -1; });
    });
  }

  /* The text with each term marked, when case-folding kept its length (it nearly always does). */
  function marked(text, ts) {
    var frag = document.createDocumentFragment();
    var key = norm(text);
    if (key.length !== text.length || !ts.length) {
      frag.appendChild(document.createTextNode(text));
      return frag;
    }
    var hits = [];
    ts.forEach(function (t) {
      for (var i = key.indexOf(t); i !== -1; i = key.indexOf(t, i + t.length)) hits.push([i, i + t.length]);
    });
    hits.sort(function (a, b) { return a[0] - b[0]; });
    var pos = 0;
    hits.forEach(function (h) {
      if (h[0] < pos) { if (h[1] > pos) { frag.lastChild.textContent += text.slice(pos, h[1]); pos = h[1]; } return; }
      if (h[0] > pos) frag.appendChild(document.createTextNode(text.slice(pos, h[0])));
      var m = document.createElement("mark");
      m.textContent = text.slice(h[0], h[1]);
      frag.appendChild(m);
      pos = h[1];
    });
    if (pos < text.length) frag.appendChild(document.createTextNode(text.slice(pos)));
    return frag;
  }

  function el(tag, cls, children) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    (children || []).forEach(function (c) { e.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return e;
  }

  function link(url, content) {
    var a = el("a", null, [content]);
    a.href = href(url);
    return a;
  }

  function plural(n, one, many) { return n + " " + (n === 1 ? one : many); }

  /* A group of results: a heading with its count, then `list`. */
  function group(id, heading, count, list) {
    var h = el("h2", null, [heading + " "]);
    h.id = id;
    h.appendChild(el("span", "count", [String(count)]));
    var s = el("section", "block search-group", [h, list]);
    s.setAttribute("aria-labelledby", id);
    return s;
  }

  function namedSection(id, heading, found, ts, describe) {
    if (!found.length) return null;
    var list = el("ul", "search-named");
    found.slice(0, NAMED).forEach(function (e) {
      var li = el("li", null, [link(e.url, marked(e.name, ts))]);
      var more = describe(e);
      if (more) li.appendChild(el("span", "muted", [" · " + more]));
      list.appendChild(li);
    });
    var s = group(id, heading, found.length, list);
    if (found.length > NAMED) s.appendChild(el("p", "muted", ["and " + (found.length - NAMED) + " more: add a word to narrow them down."]));
    return s;
  }

  /* The first three names of `list`, and an ellipsis past them. */
  function firstNames(list) {
    return list.slice(0, 3).map(function (e) { return e.name; }).join(", ") + (list.length > 3 ? ", …" : "");
  }

  var shown = 0, hits = [], lastTs = [];

  function pageItem(h) {
    var p = h.page;
    var heading = el("h3", null, [link(p.url, marked(p.title, lastTs))]);
    if (p.status) {
      heading.appendChild(document.createTextNode(" "));
      heading.appendChild(el("span", "status status-" + p.status[0], [p.status[1]]));
    }
    var li = el("li", "search-hit", [heading]);
    var meta = [];
    if (p.client) meta.push(p.client.name);
    if (p.ws.length) meta.push(plural(p.ws.length, "workstream", "workstreams"));
    if (meta.length) li.appendChild(el("p", "search-meta muted", [meta.join(" · ")]));
    if (p.summary) li.appendChild(el("p", "search-summary", [marked(p.summary, lastTs)]));
    var via = [];
    if (h.ws.length) via.push("Workstreams: " + firstNames(h.ws));
    if (h.owners.length) via.push("Names: " + firstNames(h.owners));
    if (via.length) li.appendChild(el("p", "search-via muted", [via.join(" · ")]));
    return li;
  }

  function showMore(list, button) {
    var end = Math.min(hits.length, shown + PAGE);
    for (var i = shown; i < end; i++) list.appendChild(pageItem(hits[i]));
    shown = end;
    if (shown >= hits.length) button.remove();
    else button.textContent = "Show " + Math.min(PAGE, hits.length - shown) + " more of " + hits.length;
  }

  function run() {
    var q = input.value;
    var ts = terms(q);
    lastTs = ts;
    out.textContent = "";
    if (history.replaceState) {
      var url = location.pathname + (q.trim() ? "?q=" + encodeURIComponent(q.trim()) : "");
      history.replaceState(null, "", url);
    }
    if (!ts.length) { status.textContent = ""; return; }
    if (!pages) buildPages();
    hits = [];
    for (var i = 0; i < pages.length; i++) {
      var h = scorePage(pages[i], ts);
      if (h) hits.push(h);
    }
    hits.sort(function (a, b) { return b.score - a.score || (a.page.kTitle < b.page.kTitle ? -1 : a.page.kTitle > b.page.kTitle ? 1 : 0); });
    var foundOwners = matchNamed(owners, ts);
    var foundWs = matchNamed(workstreams, ts);
    var foundParties = matchNamed(parties, ts);
    var counted = [];
    if (hits.length) counted.push(plural(hits.length, "page", "pages"));
    if (foundOwners.length) counted.push(plural(foundOwners.length, "owner", "owners"));
    if (foundWs.length) counted.push(plural(foundWs.length, "workstream", "workstreams"));
    if (foundParties.length) counted.push(plural(foundParties.length, "party", "parties"));
    var one = counted.length === 1 && hits.length + foundOwners.length + foundWs.length + foundParties.length === 1;
    var found = counted.length > 1 ? counted.slice(0, -1).join(", ") + " and " + counted[counted.length - 1] : counted[0];
    status.textContent = counted.length
      ? found + (one ? " matches" : " match") + " \u201c" + q.trim() + "\u201d."
      : "Nothing matches \u201c" + q.trim() + "\u201d. Try fewer or shorter words.";
    [
      namedSection("search-owners", "Owners", foundOwners, ts, function (e) { return e.extra === null ? "" : parties[e.extra].name; }),
      namedSection("search-workstreams", "Workstreams", foundWs, ts, function () { return ""; }),
      namedSection("search-parties", "Parties", foundParties, ts, function (e) { return e.extra.charAt(0).toUpperCase() + e.extra.slice(1); })
    ].forEach(function (s) { if (s) out.appendChild(s); });
    if (hits.length) {
      var list = el("ol", "search-hits");
      var section = group("search-pages", "Pages", hits.length, list);
      out.appendChild(section);
      shown = 0;
      var button = el("button", "search-more");
      button.type = "button";
      button.addEventListener("click", function () { showMore(list, button); });
      section.appendChild(button);
      showMore(list, button);
    }
  }

  var timer = null;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(run, 120);
  });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    clearTimeout(timer);
    run();
  });
  var params = new URLSearchParams(location.search);
  var q = params.get("q");
  if (q) {
    input.value = q;
    run();
  }
  input.focus();
})();
