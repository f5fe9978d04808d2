// Sportello: the operator's desk (issue 16). One screen per contact: the caller's record and
// history, call control (answer, hang up, blind and attended transfer), the knowledge search
// with the answer beside the results, and the ticket of the contact (solved with the pill
// shown in one click, or escalated to level 2 with the call). Contacts recorded while the
// server cannot be reached wait in this browser (localStorage) and are sent when it is back,
// marked as recorded offline (TK-14). Keyboard shortcuts are listed in the page's help.
// Every text shown comes from the page (the message catalogue): none lives here.
"use strict";
(function () {
  const root = document.getElementById("desk");
  if (!root) { return; }
  const $ = (id) => document.getElementById(id);
  const meta = document.querySelector('meta[name="csrf-token"]');
  const csrf = meta ? meta.content : "";
  const labelsEl = $("desk-labels");
  const labels = labelsEl ? JSON.parse(labelsEl.textContent) : {};
  // L formats a catalogue text: %s and %d in order.
  const L = (key, ...args) => {
    let s = labels[key] || key;
    args.forEach((a) => { s = s.replace(/%[sd]/, String(a)); });
    return s.replace(/%%/g, "%");
  };
  const opID = root.dataset.operator;
  const asked = root.dataset.asked || "";
  const user = root.dataset.user || opID;
  const phoneAnswers = root.hasAttribute("data-phone-answers");
  const hasTickets = root.hasAttribute("data-tickets");
  const q = asked ? "?operatore=" + encodeURIComponent(asked) : "";
  const withOp = (body) => { if (asked) { body.operator = asked; } return body; };

  // ---- talking to the server ----
  const unreachable = () => { const e = new Error(L("desk.js.unreachable")); e.network = true; return e; };
  async function api(method, url, body) {
    const headers = { "Accept": "application/json" };
    if (body !== undefined) { headers["Content-Type"] = "application/json"; }
    if (csrf && method !== "GET") { headers["X-CSRF-Token"] = csrf; }
    let r;
    try {
      r = await fetch(url, { method, headers, credentials: "same-origin", cache: "no-store",
        body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (err) {
      throw unreachable();
    }
    if (r.status === 502 || r.status === 504) { throw unreachable(); } // a proxy without the server
    let j = {};
    if (r.status !== 204) { try { j = await r.json(); } catch (err) { j = {}; } }
    if (!r.ok) {
      const e = new Error(j.error || r.statusText);
      e.status = r.status; e.code = j.code; e.fields = j.fields || {};
      throw e;
    }
    j.status = r.status;
    return j;
  }

  function say(text, bad) {
    const m = $("desk-message");
    m.textContent = text;
    m.className = "notice " + (bad ? "bad" : "ok");
    m.hidden = false;
  }

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = text; }
    return e;
  }

  const timeOf = (iso) => { try { return new Date(iso).toLocaleString("it-IT", { timeZone: "Europe/Rome" }); } catch (e) { return iso; } };

  // Field errors are shown beside the fields (ids err-<field>), what was typed stays.
  const fieldBoxes = { subject: "err-subject", description: "err-description", pill: "err-pill", reason: "err-pill",
    queries: "err-queries", from: "err-rec-from", notes: "err-rec-notes" };
  function clearErrors() {
    Object.values(fieldBoxes).forEach((id) => { const b = $(id); if (b) { b.hidden = true; b.textContent = ""; } });
  }
  function showError(err) {
    clearErrors();
    let shown = false;
    Object.entries(err.fields || {}).forEach(([f, msg]) => {
      const b = $(fieldBoxes[f]);
      if (b) { b.textContent = msg; b.hidden = false; shown = true; }
    });
    say(err.message, true);
    return shown;
  }

  // ---- the operator ----
  function renderOperator(op) {
    const st = $("op-status"), sa = $("op-state");
    st.dataset.status = op.status; st.textContent = L("cti.status." + op.status);
    sa.dataset.state = op.state; sa.textContent = L("cti.state." + op.state);
    $("op-reason").textContent = op.reason ? "(" + op.reason + ")" : "";
    $("btn-login").disabled = op.status !== "logged-out";
    $("btn-pause").disabled = op.status !== "available";
    $("btn-unpause").disabled = op.status !== "paused";
    $("btn-logout").disabled = op.status === "logged-out" || op.state === "on-call";
  }

  // ---- the contact ----
  // current: { pop, state: ringing | connected | ended | transferred-in, waitBase, waitAt }
  let current = null;
  let waitTimer = null;

  function setState(state) {
    if (!current) { return; }
    current.state = state;
    const box = $("contact"), title = $("contact-title");
    box.dataset.state = state;
    const p = current.pop;
    const titles = { ringing: L("desk.js.ringing"), connected: L("desk.js.connected"), ended: L("desk.js.ended"),
      "transferred-in": L("desk.js.transferredIn", p.transferredFrom || "") };
    title.textContent = titles[state] || "";
    const ringing = state === "ringing", talking = state === "connected";
    // With SIP phones the phone answers: the button would connect a caller to nobody.
    $("btn-answer").hidden = !ringing || phoneAnswers;
    const hang = $("btn-hangup");
    hang.hidden = !(ringing || talking);
    hang.textContent = ringing ? L("desk.js.decline") : L("desk.js.hangup");
    $("btn-close").hidden = ringing || talking;
    $("transfer").hidden = !talking;
    if (!talking) { $("consult-bar").hidden = true; }
    badge(ringing);
    renderEscalateTargets();
    // Colleagues log in and out while the desk is open: who can take the call is asked when
    // a call is connected, not remembered from the page's load.
    if (talking) { loadColleagues(); }
  }

  function tickWait() {
    if (!current || current.state !== "ringing") { return; }
    $("pop-wait").textContent = String(current.waitBase + Math.floor((Date.now() - current.waitAt) / 1000));
  }

  function renderMatches(matches) {
    const ul = $("pop-matches");
    ul.textContent = "";
    (matches || []).forEach((m) => {
      const li = el("li");
      const text = m.name + (m.role ? " — " + m.role : "") + (m.unit ? " (" + m.unit + ")" : "") + (m.extension ? " · " + L("desk.js.ext", m.extension) : "");
      if (m.url) {
        const a = el("a", "", text);
        a.href = m.url; a.target = "_blank"; a.rel = "noopener";
        li.appendChild(a);
      } else {
        li.textContent = text;
      }
      ul.appendChild(li);
    });
    if (!matches || matches.length === 0) { ul.appendChild(el("li", "muted", L("desk.js.unknownCaller"))); }
  }

  function renderHistory(lines) {
    const ul = $("history");
    ul.textContent = "";
    (lines || []).forEach((t) => {
      const li = el("li");
      const a = el("a", "", t.number);
      a.href = t.url;
      li.appendChild(a);
      li.appendChild(document.createTextNode(" — " + (t.subject || "")));
      li.appendChild(el("span", "meta", timeOf(t.created) + " · " + t.channelLabel + " · " + t.stateLabel));
      ul.appendChild(li);
    });
    $("history-box").hidden = false;
    $("history-none").hidden = (lines || []).length > 0;
  }

  // A new contact starts afresh: its searches, its description, its pill.
  function freshContact() {
    queries = [];
    descTouched = false;
    chosen = null;
    $("kb-q").value = "";
    $("kb-results").textContent = "";
    $("kb-status").textContent = "";
    ticketNumber = "";
    shownTicket = "";
    view = null;
    renderChosen();
    renderQueries();
    $("ticket-form").hidden = true;
    $("ticket-none").hidden = false;
    $("transfer-state").textContent = "";
    $("desk-message").hidden = true;
    clearErrors();
  }

  function showContact(pop, state) {
    const fresh = !current || current.pop.callId !== pop.callId;
    if (fresh) { freshContact(); }
    current = { pop, state, waitBase: pop.waitSeconds || 0, waitAt: Date.now() };
    $("pop-from").textContent = pop.from || L("desk.js.noNumber");
    renderMatches(pop.matches);
    $("pop-channel").textContent = L("cti.channel." + pop.channel);
    $("pop-queue").textContent = pop.queue || "—";
    $("pop-wait").textContent = String(pop.waitSeconds || 0);
    $("pop-from-op-row").hidden = !pop.transferredFrom;
    $("pop-from-op").textContent = pop.transferredFrom || "";
    $("contact-body").hidden = false;
    setState(state);
    if (fresh) {
      $("contact").focus();
      if (hasTickets) {
        api("GET", "/api/desk/caller?number=" + encodeURIComponent(pop.from || "")).then((j) => renderHistory(j.history)).catch(() => {});
      }
    }
    if (!waitTimer) { waitTimer = setInterval(tickWait, 1000); }
    if (pop.ticket && pop.ticket !== ticketNumber) { openTicket(pop.ticket); }
    if (pop.ticketError) { say(pop.ticketError, true); }
  }

  function clearContact() {
    if (current) { badge(false); }
    current = null;
    const box = $("contact");
    box.dataset.state = "none";
    $("contact-title").textContent = L("desk.js.none");
    $("contact-body").hidden = true;
    if (waitTimer) { clearInterval(waitTimer); waitTimer = null; }
    renderEscalateTargets();
  }

  function stateOf(c) {
    if (c.ended) { return "ended"; }
    if (c.transferredFrom) { return "transferred-in"; }
    return c.answered ? "connected" : "ringing";
  }

  async function refresh() {
    let j;
    try { j = await api("GET", "/api/cti/me" + q); } catch (e) { return; }
    if (!j.operator) { return; }
    renderOperator(j.operator);
    const c = j.contact;
    if (c) {
      const st = stateOf(c);
      if (!current || current.pop.callId !== c.callId || current.state !== st) { showContact(c, st); }
    } else if (current && current.state === "ringing") {
      clearContact();
    }
  }
  let refreshTimer = null;
  const refreshSoon = () => { if (!refreshTimer) { refreshTimer = setTimeout(() => { refreshTimer = null; refresh(); }, 150); } };

  // ---- notifications (the layout's notify.js plays the sound and shows the notification) ----
  function badge(on) {
    if (window.SportelloNotify) { window.SportelloNotify.badge(on ? 1 : 0); }
  }
  function ring(pop) {
    if (window.SportelloNotify) { window.SportelloNotify.ring(pop, true); }
  }
  const nb = $("btn-notify");
  if ("Notification" in window && Notification.permission === "default") {
    nb.hidden = false;
    // Browsers ask for the permission on a gesture only: this button is that gesture.
    nb.addEventListener("click", () => {
      Notification.requestPermission().then(() => { nb.hidden = Notification.permission !== "default"; });
    });
  }

  // ---- the live stream ----
  function onEvent(e) {
    const mine = current && e.callId && current.pop.callId === e.callId;
    if (mine) {
      switch (e.kind) {
        case "no-answer":
          if (current.state === "ringing" && e.operator === opID) { clearContact(); }
          break;
        case "abandoned":
          if (current.state === "ringing") { clearContact(); say(L("desk.js.abandoned"), true); }
          break;
        case "completed":
          if (e.operator === opID) { setState("ended"); }
          break;
        case "requeued":
          setState("ended"); say(L("desk.js.requeued"), true);
          break;
        case "transferred":
          if (e.operator === opID) {
            setState("ended");
            $("transfer-state").textContent = L("desk.js.transferred", e.extension);
            say(L("desk.js.transferred", e.extension));
          }
          break;
        case "transfer-started":
          $("transfer-state").textContent = L("desk.js.transferring", e.extension);
          $("consult-bar").hidden = e.reason !== "attended";
          break;
        case "transfer-failed":
          $("consult-bar").hidden = true;
          $("transfer-state").textContent = L("desk.js.transferFailed", e.extension, e.reason || "");
          say(L("desk.js.transferFailed", e.extension, e.reason || ""), true);
          if (current.state !== "ended") { setState("connected"); }
          break;
        case "transfer-cancelled":
          $("consult-bar").hidden = true;
          $("transfer-state").textContent = L("desk.js.transferCancelled");
          break;
        case "callback-outcome":
          say(L("desk.js.callbackOutcome", e.reason || ""));
          loadCallbacks();
          break;
      }
    }
    refreshSoon();
  }

  function stream() {
    const conn = $("cti-conn");
    const es = new EventSource("/api/cti/events" + q);
    es.onopen = () => {
      conn.textContent = conn.dataset.live; conn.className = "live";
      refresh();
      flush();
      loadMine();
      loadCallbacks();
    };
    es.onerror = () => { conn.textContent = conn.dataset.offline; conn.className = "offline"; };
    es.addEventListener("pop", (ev) => {
      const m = JSON.parse(ev.data);
      if (m.pop && m.pop.operator === opID) {
        showContact(m.pop, "ringing");
        ring(m.pop);
      }
      refreshSoon();
    });
    es.addEventListener("contact", (ev) => {
      const m = JSON.parse(ev.data);
      if (m.pop && m.pop.operator === opID) {
        showContact(m.pop, m.pop.transferredFrom ? "transferred-in" : "connected");
        if (m.pop.transferredFrom) { ring(m.pop); }
        loadMine();
      }
      refreshSoon();
    });
    es.addEventListener("cti", (ev) => onEvent(JSON.parse(ev.data).event));
    window.addEventListener("pagehide", () => es.close());
  }

  // ---- call control ----
  async function act(url, body) {
    try {
      const j = await api("POST", url, withOp(body));
      if (j.operator) { renderOperator(j.operator); }
      refreshSoon();
      return j;
    } catch (e) {
      say(e.message, true);
      return null;
    }
  }
  $("btn-answer").addEventListener("click", () => { if (current) { act("/api/cti/answer", { callId: current.pop.callId }); } });
  $("btn-hangup").addEventListener("click", () => { if (current) { act("/api/cti/hangup", { callId: current.pop.callId }); } });
  $("btn-close").addEventListener("click", () => {
    if (!current) { return; }
    const id = current.pop.callId;
    clearContact();
    api("POST", "/api/desk/dismiss", withOp({ callId: id })).catch(() => {});
  });
  document.querySelectorAll("form[data-cti=status]").forEach((f) => {
    f.addEventListener("submit", (e) => {
      e.preventDefault();
      const action = e.submitter ? e.submitter.value : "login";
      act("/api/cti/status", { action, reason: action === "pause" ? $("pause-reason").value : "" });
    });
  });
  $("transfer").addEventListener("submit", (e) => {
    e.preventDefault();
    if (!current) { return; }
    const ext = $("transfer-ext").value.trim();
    const attended = e.submitter && e.submitter.value === "attended";
    act(attended ? "/api/cti/consult" : "/api/cti/transfer", { callId: current.pop.callId, extension: ext });
  });
  $("btn-complete").addEventListener("click", () => { if (current) { act("/api/cti/transfer/complete", { callId: current.pop.callId }); } });
  $("btn-back").addEventListener("click", () => { if (current) { act("/api/cti/transfer/cancel", { callId: current.pop.callId }); } });

  // Transfer targets: colleagues (level 2 first) and the directory, by name, office or extension.
  let colleagues = [];
  function targetText(it) {
    let s = it.name;
    if (it.kind === "operator") {
      s += " — " + (it.role || L("desk.js.colleague")) + " · " + L("cti.state." + it.state);
    } else {
      s += (it.role ? " — " + it.role : "") + (it.unit ? " (" + it.unit + ")" : "");
    }
    return s + " · " + L("desk.js.ext", it.extension);
  }
  let dirTimer = null;
  const dirSearch = $("transfer-search"), dirResults = $("transfer-results");
  dirSearch.addEventListener("input", () => {
    clearTimeout(dirTimer);
    dirTimer = setTimeout(() => {
      const v = dirSearch.value.trim();
      dirResults.textContent = "";
      if (v.length < 2) { return; }
      api("GET", "/api/cti/directory?q=" + encodeURIComponent(v)).then((j) => {
        dirResults.textContent = "";
        (j.items || []).forEach((it) => {
          const li = el("li"), b = el("button", "linkish", targetText(it));
          b.type = "button";
          b.addEventListener("click", () => { $("transfer-ext").value = it.extension; $("transfer-ext").focus(); });
          li.appendChild(b);
          dirResults.appendChild(li);
        });
      }).catch(() => {});
    }, 200);
  });
  dirSearch.addEventListener("keydown", (e) => {
    const first = dirResults.querySelector("button");
    if (e.key === "Enter" && first) { e.preventDefault(); first.click(); }
    if (e.key === "ArrowDown" && first) { e.preventDefault(); first.focus(); }
  });
  async function loadColleagues() {
    try {
      const j = await api("GET", "/api/cti/directory?q=");
      colleagues = (j.items || []).filter((it) => it.kind === "operator" && (it.level === "level2" || it.level === "backoffice"));
    } catch (e) { colleagues = []; }
    renderEscalateTargets();
  }
  // The escalation's target: a level-2 colleague, with the call while it is connected.
  function renderEscalateTargets() {
    const sel = $("esc-target");
    const keep = sel.value;
    while (sel.options.length > 1) { sel.remove(1); }
    const talking = current && current.state === "connected";
    if (!talking) { sel.value = ""; return; }
    let best = "";
    colleagues.forEach((it) => {
      const o = el("option", "", targetText(it));
      o.value = it.extension;
      sel.appendChild(o);
      if (!best && it.level === "level2" && it.status === "available" && it.state === "idle") { best = it.extension; }
    });
    sel.value = keep && [...sel.options].some((o) => o.value === keep) ? keep : best;
  }

  // ---- the knowledge search: candidates always shown, marked sure or to be checked ----
  let hits = [], lastResp = null, chosen = null, selected = -1, kbSeq = 0, kbTimer = null;
  let queries = [];          // what was searched for this contact: the search's evidence on the ticket
  let descTouched = false;   // the operator wrote the description: the searches no longer fill it
  const kbInput = $("kb-q");

  function addQuery(text) {
    text = text.trim();
    if (text.length < 3) { return; }
    const last = queries[queries.length - 1];
    // Typing as you go: "bol", "bollo", "bollo auto" are one search.
    if (last && (text.startsWith(last) || last.startsWith(text))) { queries[queries.length - 1] = text; } else { queries.push(text); }
    if (queries.length > 20) { queries.shift(); }
    renderQueries();
    // What was typed in the search carries into the ticket's description and the recorded contact.
    if (!descTouched) { $("tk-description").value = text; }
    if (!notesTouched) { $("rec-notes").value = text; }
  }
  function renderQueries() { $("tk-queries").textContent = queries.length ? queries.join(" · ") : "—"; }

  function isSure(resp, hit, i) {
    if (typeof hit.sure === "boolean") { return hit.sure; }
    if (i !== 0) { return false; }
    return resp.sure === true || (resp.sure === undefined && resp.confident === true);
  }
  function decode(s) {
    return s.replace(/&(lt|gt|amp|quot|#39|#34);/g, (m, e) => ({ lt: "<", gt: ">", amp: "&", quot: "\"", "#39": "'", "#34": "\"" })[e]);
  }
  // Highlights hold escaped text and <mark> only (the server makes sure); they are built as
  // DOM nodes, never assigned as HTML.
  function highlight(s) {
    const p = el("p", "hl");
    let marked = false;
    s.split(/(<mark>|<\/mark>)/).forEach((part) => {
      if (part === "<mark>") { marked = true; return; }
      if (part === "</mark>") { marked = false; return; }
      if (!part) { return; }
      const t = document.createTextNode(decode(part));
      if (marked) { const m = el("mark"); m.appendChild(t); p.appendChild(m); } else { p.appendChild(t); }
    });
    return p;
  }
  function hitID(h) {
    if (h.code) { return h.code; }
    const i = Math.max(h.iri.lastIndexOf("/"), h.iri.lastIndexOf("#"));
    return i >= 0 ? h.iri.slice(i + 1) : h.iri;
  }

  function renderHits(resp) {
    const ol = $("kb-results");
    ol.textContent = "";
    hits = resp.hits || [];
    lastResp = resp;
    selected = -1;
    let status = hits.length ? L(hits.length === 1 ? "search.count.one" : "search.count.other", hits.length) : L("desk.js.noHits");
    if (resp.suggestion) { status += " · " + L("desk.js.didYouMean", resp.suggestion); }
    if (hits.length && !isSure(resp, hits[0], 0)) { status += " · " + L("desk.js.notSure"); }
    $("kb-status").textContent = status;
    hits.forEach((h, i) => {
      const li = el("li");
      li.dataset.index = String(i);
      const b = el("button", "linkish", h.title);
      b.type = "button";
      b.addEventListener("click", () => select(i, true));
      b.addEventListener("keydown", (e) => moveIn(e, i));
      li.appendChild(b);
      const m = el("p", "meta");
      if (h.kind === "pill") {
        const sure = isSure(resp, h, i);
        const mark = el("span", "mark " + (sure ? "sure" : "check"), sure ? L("desk.js.sure") : L("desk.js.check"));
        if (i === 0 && typeof resp.probability === "number") { mark.title = L("desk.js.probability", Math.round(resp.probability * 100)); }
        m.appendChild(mark);
        m.appendChild(document.createTextNode(" " + (h.code || "") + (h.office ? " · " + h.office : "")));
      } else {
        m.textContent = L("desk.js.kind." + h.kind) + (h.extension ? " · " + L("desk.js.ext", h.extension) : "") + (h.role ? " · " + h.role : "");
      }
      li.appendChild(m);
      if (h.highlights && h.highlights.length) { li.appendChild(highlight(h.highlights[0])); }
      ol.appendChild(li);
    });
  }

  function moveIn(e, i) {
    const buttons = $("kb-results").querySelectorAll("button");
    if (e.key === "ArrowDown" && i + 1 < buttons.length) { e.preventDefault(); buttons[i + 1].focus(); }
    if (e.key === "ArrowUp") { e.preventDefault(); if (i > 0) { buttons[i - 1].focus(); } else { kbInput.focus(); } }
    if (e.key === "Escape") { e.preventDefault(); kbInput.focus(); }
  }

  let paneSeq = 0;
  function select(i, focusAnswer) {
    const h = hits[i];
    if (!h) { return; }
    selected = i;
    $("kb-results").querySelectorAll("li").forEach((li) => {
      if (li.dataset.index === String(i)) { li.setAttribute("aria-current", "true"); } else { li.removeAttribute("aria-current"); }
    });
    const pane = $("kb-answer");
    const mine = ++paneSeq;
    if (h.kind === "pill") {
      chosen = { iri: h.iri, code: h.code, title: h.title };
      renderChosen();
      markOpened(h);
      fetch("/cerca/schede/" + encodeURIComponent(hitID(h)), { credentials: "same-origin" })
        .then((r) => (r.ok ? r.text() : Promise.reject(r.status)))
        // The fragment is the server's, sanitised there like the pill page (/cerca does the same).
        .then((html) => { if (mine === paneSeq) { pane.innerHTML = html; pane.scrollTop = 0; if (focusAnswer) { pane.focus(); } } })
        .catch(() => { if (mine === paneSeq) { pane.textContent = ""; pane.appendChild(el("p", "notice bad", L("desk.js.answerError"))); } });
      return;
    }
    // An office or a person: where the call can be transferred.
    pane.textContent = "";
    pane.appendChild(el("h3", "", h.title));
    pane.appendChild(el("p", "", (h.role || "") + (h.office ? " · " + h.office : "")));
    if (h.extension) {
      const b = el("button", "secondary", L("desk.js.useExtension", h.extension));
      b.type = "button";
      b.addEventListener("click", () => { $("transfer-ext").value = h.extension; if (!$("transfer").hidden) { $("transfer-ext").focus(); } });
      pane.appendChild(b);
    }
    (h.phones || []).forEach((p) => pane.appendChild(el("p", "", p)));
  }

  // Opening a pill while handling a ticket tells the server (KB-9): the search learns the
  // citizen's words from it, less than from an answer. Once per ticket and pill; a failure
  // (offline, a closed ticket) only loses that weaker evidence, so it is not shown.
  const openedSent = new Set();
  function markOpened(h) {
    if (!hasTickets || !ticketNumber || !h.iri) { return; }
    const key = ticketNumber + " " + h.iri;
    if (openedSent.has(key)) { return; }
    openedSent.add(key);
    api("POST", "/api/tickets/" + encodeURIComponent(ticketNumber) + "/opened", { pill: h.iri, queries: queries.slice() })
      .catch(() => { openedSent.delete(key); });
  }

  function renderChosen() {
    const t = chosen ? chosen.title + (chosen.code ? " (" + chosen.code + ")" : "") : L("desk.js.noPill");
    $("tk-pill").textContent = t;
    $("rec-pill").textContent = t;
    updateSolve();
  }

  async function search(text, complete) {
    const mine = ++kbSeq;
    if (text.trim().length < 2) { $("kb-results").textContent = ""; $("kb-status").textContent = ""; return; }
    let resp;
    try {
      resp = await api("GET", "/api/search?limit=8&complete=" + (complete ? "1" : "0") + "&q=" + encodeURIComponent(text));
    } catch (e) {
      if (mine === kbSeq) { $("kb-status").textContent = e.network ? L("desk.js.unreachable") : e.message; }
      return;
    }
    if (mine !== kbSeq) { return; }
    renderHits(resp);
    addQuery(text);
  }
  kbInput.addEventListener("input", () => {
    clearTimeout(kbTimer);
    kbTimer = setTimeout(() => search(kbInput.value, false), 250);
  });
  $("kb-form").addEventListener("submit", (e) => {
    e.preventDefault();
    clearTimeout(kbTimer);
    search(kbInput.value, true).then(() => { if (hits.length) { select(0, false); } });
  });
  kbInput.addEventListener("keydown", (e) => {
    const first = $("kb-results").querySelector("button");
    if (e.key === "ArrowDown" && first) { e.preventDefault(); first.focus(); }
  });

  // ---- the ticket of the contact ----
  let ticketNumber = "", view = null;
  $("tk-description").addEventListener("input", () => { descTouched = true; });

  let shownTicket = "";
  async function openTicket(number) {
    if (!hasTickets || !number) { return; }
    ticketNumber = number;
    try {
      renderTicket(await api("GET", "/api/desk/tickets/" + encodeURIComponent(number)));
    } catch (e) {
      say(e.message, true);
    }
  }

  function renderTicket(v) {
    view = v;
    const t = v.ticket;
    const other = shownTicket !== t.number;
    ticketNumber = shownTicket = t.number;
    const ofContact = current && current.pop.ticket === t.number;
    if (other && !ofContact) {
      // Another request opened from the list: its own text, not this contact's searches.
      descTouched = false;
      $("tk-description").value = "";
    }
    $("ticket-none").hidden = true;
    $("ticket-form").hidden = false;
    const a = $("ticket-link");
    a.textContent = t.number;
    a.href = v.line.url;
    $("ticket-state").textContent = v.line.stateLabel;
    $("ticket-offline").hidden = !t.recordedOffline;
    if (document.activeElement !== $("tk-subject")) { $("tk-subject").value = t.subject || ""; }
    // What the operator typed stays; otherwise the ticket's description, or the searches'.
    if (t.description && !descTouched) { $("tk-description").value = t.description; }
    if (v.queries && v.queries.length) {
      v.queries.forEach((x) => { if (!queries.includes(x)) { queries.push(x); } });
      renderQueries();
    }
    if (!ofContact) { renderHistory(v.history); }
    $("escalate-box").disabled = !v.canEscalate;
    const recBox = $("recordings-box"), ul = $("recordings");
    ul.textContent = "";
    recBox.hidden = !(v.mayHear && v.recordings && v.recordings.length);
    (v.recordings || []).forEach((r) => {
      const li = el("li");
      const label = L("desk.js.recording", timeOf(r.start), r.durationSeconds);
      li.appendChild(el("span", "", label));
      const au = el("audio");
      au.controls = true; au.preload = "none"; au.src = r.url;
      au.setAttribute("aria-label", label);
      li.appendChild(au);
      ul.appendChild(li);
    });
    updateSolve();
  }

  function updateSolve() {
    const b = $("btn-solve");
    const can = !!(view && view.solveAction && chosen && ticketNumber);
    b.disabled = !can;
    b.textContent = chosen ? L("desk.js.solveWith", chosen.title) : L("desk.js.solve");
  }

  function typed() {
    const body = { subject: $("tk-subject").value };
    const d = $("tk-description").value;
    if (d.trim() !== "") { body.description = d; }
    return body;
  }

  async function solve() {
    if (!ticketNumber || !chosen) { return; }
    clearErrors();
    const body = Object.assign(typed(), { pill: chosen.iri, queries: queries.slice() });
    try {
      const j = await api("POST", "/api/desk/tickets/" + encodeURIComponent(ticketNumber) + "/solve", body);
      say(L("desk.js.solved", j.ticket.number, chosen.title));
      openTicket(j.ticket.number);
      loadMine();
    } catch (e) {
      if (e.network) {
        queue({ kind: "solve", ticket: ticketNumber, pill: chosen.iri, pillTitle: chosen.title, queries: queries.slice(),
          subject: body.subject, description: body.description || "", at: new Date().toISOString() });
        say(L("desk.js.solveQueued", ticketNumber), true);
        return;
      }
      showError(e);
    }
  }
  $("btn-solve").addEventListener("click", solve);

  $("btn-save").addEventListener("click", async () => {
    if (!ticketNumber) { return; }
    clearErrors();
    try {
      const j = await api("POST", "/api/desk/tickets/" + encodeURIComponent(ticketNumber), typed());
      say(L("desk.js.saved", j.ticket.number));
    } catch (e) { showError(e); }
  });

  async function escalate() {
    if (!ticketNumber) { return; }
    clearErrors();
    const ext = $("esc-target").value;
    const body = Object.assign(typed(), { queries: queries.slice(), note: $("esc-note").value, extension: ext });
    try {
      const j = await api("POST", "/api/desk/tickets/" + encodeURIComponent(ticketNumber) + "/escalate", withOp(body));
      if (j.pending) {
        $("transfer-state").textContent = L("desk.js.transferring", ext);
        say(L("desk.js.escalatingWithCall", j.ticket.number, ext));
      } else {
        say(L("desk.js.escalated", j.ticket.number));
        openTicket(j.ticket.number);
      }
      loadMine();
    } catch (e) { showError(e); }
  }
  $("btn-escalate").addEventListener("click", escalate);

  // ---- contacts recorded on the desk, and what waits to be sent (TK-14) ----
  const outboxKey = "sportello.desk.outbox." + user;
  let notesTouched = false;
  $("rec-notes").addEventListener("input", () => { notesTouched = true; });
  const readOutbox = () => { try { return JSON.parse(localStorage.getItem(outboxKey) || "[]"); } catch (e) { return []; } };
  const writeOutbox = (items) => { localStorage.setItem(outboxKey, JSON.stringify(items)); renderOutbox(items); };
  function newID() {
    const b = new Uint8Array(16);
    crypto.getRandomValues(b);
    const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function queue(item) {
    item.id = item.id || newID();
    const items = readOutbox();
    items.push(item);
    writeOutbox(items);
  }
  function renderOutbox(items) {
    items = items || readOutbox();
    const ul = $("outbox");
    ul.textContent = "";
    $("outbox-box").hidden = items.length === 0;
    items.forEach((it) => {
      const li = el("li");
      li.dataset.id = it.id;
      const what = it.kind === "solve" ? L("desk.js.outboxSolve", it.ticket, it.pillTitle || "")
        : L("desk.js.outboxContact", it.from || it.name || L("desk.js.noNumber"), it.notes || it.pillTitle || "");
      li.appendChild(el("span", "", what));
      li.appendChild(el("span", "meta", timeOf(it.at) + " · " + (it.error ? L("desk.js.outboxError", it.error) : L("desk.js.outboxWaiting"))));
      if (it.error) {
        const b = el("button", "linkish", L("desk.js.discard"));
        b.type = "button";
        b.addEventListener("click", () => writeOutbox(readOutbox().filter((x) => x.id !== it.id)));
        li.appendChild(b);
      }
      ul.appendChild(li);
    });
  }
  let flushing = false;
  async function flush() {
    if (flushing) { return; }
    flushing = true;
    try {
      for (const it of readOutbox()) {
        if (it.error) { continue; }
        try {
          let j;
          if (it.kind === "solve") {
            j = await api("POST", "/api/desk/tickets/" + encodeURIComponent(it.ticket) + "/solve",
              { pill: it.pill, queries: it.queries, subject: it.subject, description: it.description || undefined });
            say(L("desk.js.sentSolve", j.ticket.number));
          } else {
            j = await api("POST", "/api/desk/contacts", { id: it.id, channel: it.channel, from: it.from, name: it.name,
              at: it.at, notes: it.notes, pill: it.pill, queries: it.queries, offline: true });
            say(L("desk.js.sentContact", j.ticket.number));
          }
          writeOutbox(readOutbox().filter((x) => x.id !== it.id));
        } catch (e) {
          if (e.network) { break; } // still unreachable: the next try sends it
          const items = readOutbox();
          items.forEach((x) => { if (x.id === it.id) { x.error = e.message; } });
          writeOutbox(items);
        }
      }
    } finally {
      flushing = false;
    }
    loadMine();
  }
  setInterval(() => { if (readOutbox().some((x) => !x.error)) { flush(); } }, 5000);
  window.addEventListener("online", flush);

  $("record-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors();
    const rec = { kind: "contact", id: newID(), channel: $("rec-channel").value, from: $("rec-from").value.trim(),
      name: $("rec-name").value.trim(), at: new Date().toISOString(), notes: $("rec-notes").value.trim(),
      pill: chosen ? chosen.iri : "", pillTitle: chosen ? chosen.title : "", queries: queries.slice() };
    // The pill and the searches went with this contact: the next one starts without them.
    const reset = () => {
      $("rec-from").value = ""; $("rec-name").value = ""; $("rec-notes").value = ""; notesTouched = false;
      if (!current) { chosen = null; queries = []; renderChosen(); renderQueries(); }
    };
    try {
      const j = await api("POST", "/api/desk/contacts", { id: rec.id, channel: rec.channel, from: rec.from, name: rec.name,
        at: rec.at, notes: rec.notes, pill: rec.pill, queries: rec.queries, offline: false });
      say(L("desk.js.recorded", j.ticket.number));
      reset();
      loadMine();
    } catch (err) {
      if (err.network) {
        rec.offline = true;
        queue(rec);
        say(L("desk.js.recordedOffline"), true);
        reset();
        return;
      }
      showError(err);
    }
  });

  // ---- requests to complete, callbacks due ----
  async function loadMine() {
    if (!hasTickets) { return; }
    let j;
    try { j = await api("GET", "/api/desk/mine"); } catch (e) { return; }
    const ul = $("mine");
    ul.textContent = "";
    (j.items || []).forEach((t) => {
      const li = el("li");
      const b = el("button", "linkish", t.number);
      b.type = "button";
      b.setAttribute("aria-label", L("desk.js.openTicket", t.number));
      b.addEventListener("click", () => { openTicket(t.number); $("ticket").scrollIntoView(); $("tk-subject").focus(); });
      li.appendChild(b);
      li.appendChild(document.createTextNode(" — " + (t.subject || "")));
      li.appendChild(el("span", "meta", timeOf(t.created) + " · " + t.stateLabel + (t.recordedOffline ? " · " + L("desk.js.offlineMark") : "")));
      ul.appendChild(li);
    });
    $("mine-none").hidden = (j.items || []).length > 0;
  }
  async function loadCallbacks() {
    if (!hasTickets) { return; }
    let j;
    try { j = await api("GET", "/api/desk/callbacks"); } catch (e) { return; }
    const ul = $("callbacks");
    ul.textContent = "";
    (j.items || []).forEach((cb) => {
      const li = el("li");
      const a = el("a", "", cb.ticket);
      a.href = cb.url;
      li.appendChild(a);
      li.appendChild(document.createTextNode(" — " + cb.number + " "));
      const b = el("button", "secondary", L("desk.js.callBack"));
      b.type = "button";
      b.setAttribute("aria-label", L("desk.js.callBackTo", cb.number, cb.ticket));
      b.addEventListener("click", () => act("/api/cti/callback", { callbackId: cb.id, queue: $("cb-queue").value }));
      li.appendChild(b);
      li.appendChild(el("span", "meta", timeOf(cb.due) + " · " + L("desk.js.attempts", cb.attempts, cb.maxAttempts) + (cb.outcome ? " · " + cb.outcome : "")));
      ul.appendChild(li);
    });
    $("callbacks-none").hidden = (j.items || []).length > 0;
  }
  document.querySelectorAll("form[data-cti=callback]").forEach((f) => {
    f.addEventListener("submit", (e) => {
      e.preventDefault();
      act("/api/cti/callback", { number: $("cb-number").value.trim(), queue: $("cb-queue").value });
    });
  });
  setInterval(loadCallbacks, 60000);

  // ---- keyboard ----
  const help = $("help");
  $("btn-help").addEventListener("click", () => help.showModal());
  const click = (id) => { const b = $(id); if (b && !b.hidden && !b.disabled && b.offsetParent !== null) { b.click(); return true; } return false; };
  document.addEventListener("keydown", (e) => {
    const t = e.target;
    const typing = t && t.matches && t.matches("input, textarea, select, [contenteditable]");
    if (e.altKey && !e.ctrlKey && !e.metaKey && !e.shiftKey) {
      // e.code: the key's place, whatever the layout writes with Alt.
      const done = {
        KeyR: () => click("btn-answer"),
        KeyH: () => click("btn-hangup"),
        KeyC: () => { kbInput.focus(); kbInput.select(); return true; },
        KeyS: () => click("btn-solve"),
        KeyI: () => click("btn-escalate"),
        KeyT: () => { if ($("transfer").hidden) { return false; } dirSearch.focus(); return true; },
        KeyN: () => { $("rec-notes").focus(); return true; },
      }[e.code];
      if (done) { e.preventDefault(); done(); }
      return;
    }
    if (!typing && !e.ctrlKey && !e.metaKey && !e.altKey) {
      if (e.key === "/") { e.preventDefault(); kbInput.focus(); }
      if (e.key === "?" && !help.open) { e.preventDefault(); help.showModal(); }
    }
  });

  renderOutbox();
  renderQueries();
  loadColleagues();
  stream();
})();
