// Sportello: the operator's search page /cerca (issue 4). Search as you type, keyboard only:
// arrows move through the results, Enter opens the answer beside them, Esc starts again. The
// page works without this script (a form and a list rendered by the server).
(function () {
  "use strict";
  var form = document.getElementById("cerca");
  var input = document.getElementById("q");
  var esito = document.getElementById("esito");
  var pane = document.getElementById("risposta");
  if (!form || !input || !esito || !pane) return;

  var ticketURL = form.getAttribute("data-ticket") || "/ticket/nuovo";
  var paneEmpty = pane.innerHTML;
  var limit = 10;
  var offset = 0;
  var seq = 0;       // answers to older requests are dropped
  var timer = null;
  var hits = [];     // the hits shown, as the API returned them
  var selected = -1;
  var lastKey = "";

  // The Italian words of the page come from the message catalogue, in a JSON block the server
  // renders (no string lives in the script).
  var labelsEl = document.getElementById("search-labels");
  var L = labelsEl ? JSON.parse(labelsEl.textContent) : {};
  function t(key) { return L[key] || key; }
  var T = {
    sure: t("search.sure"),
    verify: t("search.verify"),
    verifyAll: t("search.verifyAll"),
    probability: function (p) { return t("search.probability").replace("%s", Math.round(p * 100) + " %"); },
    openTicket: t("search.openTicket"),
    escalateNone: t("search.escalateNone"),
    didYouMean: t("search.didYouMean"),
    none: t("search.none"),
    count: function (n) { return t(n === 1 ? "search.count.one" : "search.count.other").replace("%d", n); },
    office: t("search.office"),
    person: t("search.person"),
    extension: t("search.extension"),
    validated: function (d) { return t("search.validated").replace("%s", d); },
    never: t("search.neverValid"),
    prev: t("search.prev"),
    next: t("search.next"),
    page: function (n) { return t("search.page").replace("%d", n); },
    any: t("search.anyValue"),
    error: t("search.error"),
    status: function (s) { return L["status." + s] || s; },
    facet: function (name) { return t("search.facet." + name); },
    fromSite: t("search.fromSite"),
    fromSiteTitle: t("search.fromSiteTitle")
  };

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  // Highlights hold escaped text and <mark> only (the server makes sure); they are still built
  // as DOM nodes, never assigned as HTML.
  function decode(s) {
    return s.replace(/&(lt|gt|amp|quot|#39|#34);/g, function (m, e) {
      return { lt: "<", gt: ">", amp: "&", quot: "\"", "#39": "'", "#34": "\"" }[e];
    });
  }
  function highlight(s) {
    var p = el("p", "hl");
    var parts = s.split(/(<mark>|<\/mark>)/);
    var marked = false;
    parts.forEach(function (part) {
      if (part === "<mark>") { marked = true; return; }
      if (part === "</mark>") { marked = false; return; }
      if (!part) return;
      var t = document.createTextNode(decode(part));
      if (marked) { var m = el("mark"); m.appendChild(t); p.appendChild(m); } else p.appendChild(t);
    });
    return p;
  }

  function localID(iri) {
    var i = Math.max(iri.lastIndexOf("/"), iri.lastIndexOf("#"));
    return i >= 0 && i < iri.length - 1 ? iri.slice(i + 1) : iri;
  }
  function hitID(h) { return h.code || localID(h.iri); }
  function date(s) {
    var d = new Date(s);
    if (isNaN(d)) return "";
    var p = function (n) { return (n < 10 ? "0" : "") + n; };
    return p(d.getUTCDate()) + "/" + p(d.getUTCMonth() + 1) + "/" + d.getUTCFullYear();
  }
  function tel(s) { return "tel:" + s.replace(/[^0-9+]/g, ""); }

  function hitItem(h, i) {
    var li = el("li", "hit hit-" + h.kind);
    li.id = "hit-" + i;
    li.setAttribute("role", "option");
    li.setAttribute("aria-selected", "false");
    li.setAttribute("data-kind", h.kind);
    li.setAttribute("data-id", hitID(h));
    // The calibrated confidence marks the first hit "sicura"; every other candidate is to be
    // checked with the citizen before it is read out.
    li.appendChild(h.sure ? el("span", "mark-sure", T.sure) : el("span", "mark-verify", T.verify));
    li.appendChild(document.createTextNode(" "));
    var meta = el("p", "hit-meta");
    // An option holds text only, no link: a control inside a control is lost to assistive
    // technologies (WCAG 4.1.2). Enter or a click opens the answer pane, which has the links.
    if (h.kind === "pill") {
      li.appendChild(el("span", "hit-title", h.title));
      if (h.code) { li.appendChild(document.createTextNode(" ")); li.appendChild(el("span", "code", h.code)); }
      if (h.status && h.status !== "published") {
        li.appendChild(document.createTextNode(" "));
        li.appendChild(el("span", "badge status-" + h.status, T.status(h.status)));
      }
      var parts = [];
      if (h.office) parts.push(h.office);
      parts.push(h.validated ? T.validated(date(h.validated)) : T.never);
      meta.textContent = parts.join(" · ");
    } else {
      li.appendChild(el("span", "kind", h.kind === "office" ? T.office : T.person));
      li.appendChild(el("span", "hit-title", h.title));
      if (h.extension) { li.appendChild(document.createTextNode(" ")); li.appendChild(el("span", "ext", T.extension + " " + h.extension)); }
      var info = [];
      if (h.role) info.push(h.role);
      if (h.office) info.push(h.office);
      info = info.concat(h.phones || []);
      meta.textContent = info.join(" · ");
    }
    li.appendChild(meta);
    (h.highlights || []).forEach(function (s) { li.appendChild(highlight(s)); });
    li.addEventListener("mousedown", function (ev) {
      ev.preventDefault();
      select(i);
      open();
    });
    return li;
  }

  // The harvested pages of the Administration's site ("dal sito"), apart from the pills: a
  // link to the page, never an answer in the pane.
  function sitePages(pages) {
    var sec = el("section", "site-pages");
    sec.setAttribute("aria-labelledby", "h-sito");
    var h = el("h3", "", T.fromSiteTitle);
    h.id = "h-sito";
    sec.appendChild(h);
    var ul = el("ul");
    pages.forEach(function (p) {
      if (!/^https?:\/\//.test(p.url)) return;
      var li = el("li");
      li.appendChild(el("span", "kind", T.fromSite));
      li.appendChild(document.createTextNode(" "));
      var a = el("a", "hit-title", p.title);
      a.href = p.url;
      a.rel = "external";
      li.appendChild(a);
      if (p.snippet) li.appendChild(el("p", "hit-meta", p.snippet));
      li.appendChild(el("p", "muted page-url", p.url));
      ul.appendChild(li);
    });
    sec.appendChild(ul);
    return sec;
  }

  function render(r) {
    // A selection survives a refresh of the list when its hit is still there.
    var keep = selected >= 0 && hits[selected] ? hits[selected].iri : "";
    esito.textContent = "";
    hits = r.hits || [];
    selected = -1;
    input.removeAttribute("aria-activedescendant");
    if (r.suggestion) {
      var s = el("p", "suggestion", T.didYouMean + " ");
      var sa = el("a", "", r.suggestion);
      sa.href = "/cerca?q=" + encodeURIComponent(r.suggestion);
      sa.setAttribute("data-suggestion", r.suggestion);
      sa.addEventListener("click", function (ev) {
        ev.preventDefault();
        input.value = r.suggestion;
        offset = 0;
        run(true);
        input.focus();
      });
      s.appendChild(sa);
      esito.appendChild(s);
    }
    // Never a banner in place of the list: the best candidates are always shown, the way to
    // level 2 stays beside them when none is sure.
    if (hits.length) {
      var c = el("p", "muted", T.count(r.total));
      c.id = "conteggio";
      if (!r.offset) {
        c.appendChild(document.createTextNode(" · "));
        c.appendChild(el("span", "prob", T.probability(r.probability || 0)));
      }
      esito.appendChild(c);
      if (!r.sure) esito.appendChild(escalation(T.verifyAll));
    } else if (r.query) {
      esito.appendChild(el("p", "empty", T.none));
      esito.appendChild(escalation(T.escalateNone));
    }
    var ol = el("ol", "hits");
    ol.id = "risultati";
    ol.setAttribute("role", "listbox");
    ol.start = (r.offset || 0) + 1;
    hits.forEach(function (h, i) { ol.appendChild(hitItem(h, i)); });
    esito.appendChild(ol);
    input.setAttribute("aria-expanded", hits.length ? "true" : "false");
    if (r.pages && r.pages.length) esito.appendChild(sitePages(r.pages));
    if (r.total > (r.limit || limit) || (r.offset || 0) > 0) esito.appendChild(pager(r));
    facets(r.facets || {});
    if (keep) hits.forEach(function (h, i) { if (h.iri === keep) select(i); });
  }

  function escalation(text) {
    var p = el("p", "verify-note", text + " ");
    p.id = "incerto";
    var a = el("a", "", T.openTicket);
    a.href = ticketURL;
    p.appendChild(a);
    return p;
  }

  function pager(r) {
    var nav = el("nav", "pager");
    var page = Math.floor((r.offset || 0) / (r.limit || limit)) + 1;
    nav.setAttribute("aria-label", T.page(page));
    if (r.offset > 0) {
      var p = el("button", "linkish", T.prev);
      p.type = "button";
      p.addEventListener("click", function () { offset = Math.max(0, offset - limit); run(true); input.focus(); });
      nav.appendChild(p);
    }
    nav.appendChild(el("span", "", T.page(page)));
    if (r.total > r.offset + r.hits.length) {
      var n = el("button", "linkish", T.next);
      n.type = "button";
      n.addEventListener("click", function () { offset += limit; run(true); input.focus(); });
      nav.appendChild(n);
    }
    return nav;
  }

  // facets rebuilds the filter menus from the response, keeping what is selected.
  function facets(fs) {
    var box = document.getElementById("filtri");
    if (!box) return;
    ["branch", "department", "office", "status"].forEach(function (name) {
      var sel = box.querySelector('select[name="' + name + '"]');
      var vals = fs[name] || [];
      var cur = sel ? sel.value : "";
      if (!vals.length && !cur) { if (sel) sel.parentNode.remove(); return; }
      if (!sel) {
        var label = el("label", "", T.facet(name) + " ");
        sel = el("select");
        sel.name = name;
        sel.setAttribute("data-facet", name);
        sel.addEventListener("change", function () { offset = 0; run(true); });
        label.appendChild(sel);
        var drafts = box.querySelector(".drafts");
        box.insertBefore(label, drafts);
      }
      sel.textContent = "";
      var any = el("option", "", T.any);
      any.value = "";
      sel.appendChild(any);
      var found = false;
      vals.forEach(function (v) {
        var o = el("option", "", (name === "status" ? T.status(v.value) : v.label) + " (" + v.count + ")");
        o.value = v.value;
        if (v.value === cur) { o.selected = true; found = true; }
        sel.appendChild(o);
      });
      if (cur && !found) {
        var o = el("option", "", cur);
        o.value = cur;
        o.selected = true;
        sel.appendChild(o);
      }
    });
    box.hidden = !box.querySelector("select, input");
  }

  function params(complete) {
    var p = new URLSearchParams();
    p.set("q", input.value.trim());
    p.set("limit", String(limit));
    if (offset) p.set("offset", String(offset));
    p.set("complete", complete ? "1" : "0");
    form.querySelectorAll("select[data-facet]").forEach(function (s) { if (s.value) p.set(s.name, s.value); });
    var all = document.getElementById("all");
    if (all && all.checked) p.set("all", "1");
    return p;
  }

  function run(complete) {
    clearTimeout(timer);
    var q = input.value.trim();
    var p = params(complete);
    var key = p.toString();
    if (q === "") { clear(false); return; }
    if (key === lastKey) return;
    lastKey = key;
    var mine = ++seq;
    esito.setAttribute("aria-busy", "true");
    var page = new URLSearchParams(p);
    page.delete("complete");
    page.delete("limit");
    history.replaceState(null, "", "/cerca?" + page.toString());
    fetch("/api/search?" + key, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (resp) {
        if (!resp.ok) throw new Error("HTTP " + resp.status);
        return resp.json();
      })
      .then(function (r) {
        if (mine !== seq) return;
        render(r);
        esito.setAttribute("aria-busy", "false");
      })
      .catch(function () {
        if (mine !== seq) return;
        esito.setAttribute("aria-busy", "false");
        lastKey = "";
        esito.textContent = "";
        esito.appendChild(el("p", "banner", T.error));
      });
  }

  function clear(all) {
    clearTimeout(timer);
    seq++;
    lastKey = "";
    hits = [];
    selected = -1;
    offset = 0;
    esito.textContent = "";
    esito.setAttribute("aria-busy", "false");
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    if (all) {
      input.value = "";
      pane.innerHTML = paneEmpty;
      history.replaceState(null, "", "/cerca");
    }
  }

  function select(i) {
    var items = esito.querySelectorAll("#risultati > li");
    if (!items.length) return;
    if (i < 0) i = 0;
    if (i >= items.length) i = items.length - 1;
    items.forEach(function (li, j) { li.setAttribute("aria-selected", j === i ? "true" : "false"); });
    selected = i;
    input.setAttribute("aria-activedescendant", items[i].id);
    items[i].scrollIntoView({ block: "nearest" });
  }

  // open shows the selected hit beside the list: a pill as the fragment the server renders and
  // sanitises; an office or a person from the hit itself.
  function open() {
    var h = hits[selected];
    if (!h) return;
    if (h.kind === "pill") {
      var mine = ++openSeq;
      fetch("/cerca/schede/" + encodeURIComponent(hitID(h)), { credentials: "same-origin" })
        .then(function (resp) {
          if (!resp.ok) throw new Error("HTTP " + resp.status);
          return resp.text();
        })
        .then(function (html) { if (mine === openSeq) { pane.innerHTML = html; pane.scrollTop = 0; } })
        .catch(function () { if (mine === openSeq) { pane.textContent = ""; pane.appendChild(el("p", "banner", T.error)); } });
      return;
    }
    openSeq++;
    pane.textContent = "";
    var art = el("article", "pane-" + h.kind);
    art.appendChild(el("p", "kind", h.kind === "office" ? T.office : T.person));
    art.appendChild(el("h2", "", h.title));
    if (h.role) art.appendChild(el("p", "", h.role));
    if (h.extension) art.appendChild(el("p", "ext", T.extension + " " + h.extension));
    if (h.office) art.appendChild(el("p", "", h.office));
    var ul = el("ul", "contacts");
    (h.phones || []).forEach(function (ph) {
      var li = el("li");
      var a = el("a", "", ph);
      a.href = tel(ph);
      li.appendChild(a);
      ul.appendChild(li);
    });
    art.appendChild(ul);
    var link = h.kind === "office" ? h.iri : h.officeIri;
    if (link) {
      var a = el("a", "", T.office);
      a.href = "/rubrica/uffici/" + encodeURIComponent(localID(link));
      art.appendChild(el("p", "actions")).appendChild(a);
    }
    pane.appendChild(art);
  }
  var openSeq = 0;

  input.addEventListener("input", function () {
    offset = 0;
    clearTimeout(timer);
    timer = setTimeout(function () { run(false); }, 200);
  });
  input.addEventListener("keydown", function (ev) {
    switch (ev.key) {
    case "ArrowDown":
      ev.preventDefault();
      select(selected + 1);
      break;
    case "ArrowUp":
      ev.preventDefault();
      select(selected - 1);
      break;
    case "Enter":
      ev.preventDefault();
      if (selected >= 0) open();
      else { lastKey = ""; run(true); }
      break;
    case "Escape":
      ev.preventDefault();
      clear(true);
      break;
    }
  });
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    offset = 0;
    lastKey = "";
    run(true);
  });
  form.querySelectorAll("select[data-facet]").forEach(function (s) {
    s.addEventListener("change", function () { offset = 0; run(true); });
  });
  var all = document.getElementById("all");
  if (all) all.addEventListener("change", function () { offset = 0; run(true); input.focus(); });

  // A page opened with a query (the header box, a shared link) gets the live list.
  var start = new URLSearchParams(location.search);
  offset = parseInt(start.get("offset") || "0", 10) || 0;
  if (input.value.trim()) run(true);
  input.focus();
})();
