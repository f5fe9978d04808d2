// Sportello: the contact-center pages (issue 7). The operator console receives its events and
// screen pops over Server-Sent Events and drives the call with the /api/cti/ endpoints; the
// supervisor page reloads its live section when an event arrives and every few seconds.
// No library; every string shown comes from the page (Italian, web/i18n_cti.go).
"use strict";
(function () {
  var $ = function (id) { return document.getElementById(id); };
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.content : "";
  var labelsEl = $("cti-labels");
  var labels = labelsEl ? JSON.parse(labelsEl.textContent) : {};
  var L = function (k, fallback) { return labels[k] || fallback || k; };

  function post(url, body) {
    var headers = { "Content-Type": "application/json", "Accept": "application/json" };
    if (csrf) { headers["X-CSRF-Token"] = csrf; }
    return fetch(url, { method: "POST", headers: headers, credentials: "same-origin", body: JSON.stringify(body) })
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (j) {
          if (!r.ok) { throw new Error(j.error || r.statusText); }
          return j;
        });
      });
  }

  function say(text, bad) {
    var m = $("cti-message");
    if (!m) { return; }
    m.textContent = text;
    m.className = "notice " + (bad ? "bad" : "ok");
    m.hidden = false;
  }

  // stream follows the live events; onOpen runs on every (re)connection, to catch up with what
  // happened while the connection was down.
  function stream(url, onMessage, onOpen) {
    var conn = $("cti-conn");
    var es = new EventSource(url);
    es.onopen = function () {
      if (conn) { conn.textContent = conn.dataset.live; conn.className = "live"; }
      if (onOpen) { onOpen(); }
    };
    es.onerror = function () { if (conn) { conn.textContent = conn.dataset.offline; conn.className = "offline"; } };
    es.addEventListener("pop", function (e) { onMessage("pop", JSON.parse(e.data)); });
    es.addEventListener("cti", function (e) { onMessage("cti", JSON.parse(e.data)); });
    window.addEventListener("pagehide", function () { es.close(); });
    return es;
  }

  // ---- operator console ----
  var consoleEl = $("console");
  if (consoleEl) {
    var asked = consoleEl.dataset.asked || "";
    var opID = consoleEl.dataset.operator;
    var current = null; // { callId, state, waitBase, waitAt }
    var waitTimer = null;
    var withOp = function (body) { if (asked) { body.operator = asked; } return body; };
    var q = asked ? "?operatore=" + encodeURIComponent(asked) : "";

    var renderOperator = function (op) {
      var st = $("op-status"), sa = $("op-state");
      st.dataset.status = op.status; st.textContent = L("status." + op.status, op.status);
      sa.dataset.state = op.state; sa.textContent = L("state." + op.state, op.state);
      $("op-reason").textContent = op.reason ? "(" + op.reason + ")" : "";
      $("btn-login").disabled = op.status !== "logged-out";
      $("btn-pause").disabled = op.status !== "available";
      $("btn-unpause").disabled = op.status !== "paused";
      $("btn-logout").disabled = op.status === "logged-out" || op.state === "on-call";
    };

    var tickWait = function () {
      if (!current || current.state !== "ringing") { return; }
      var s = current.waitBase + Math.floor((Date.now() - current.waitAt) / 1000);
      $("pop-wait").textContent = String(s);
    };

    var showPop = function (pop, state) {
      var box = $("pop"), fresh = !current || current.callId !== pop.callId;
      current = { callId: pop.callId, state: state, waitBase: pop.waitSeconds || 0, waitAt: Date.now() };
      $("pop-from").textContent = pop.from || "";
      var ul = $("pop-matches");
      ul.textContent = "";
      (pop.matches || []).forEach(function (m) {
        var li = document.createElement("li");
        var text = m.name + (m.role ? " — " + m.role : "") + (m.unit ? " (" + m.unit + ")" : "") + (m.extension ? " · int. " + m.extension : "");
        if (m.url) {
          var a = document.createElement("a");
          a.href = m.url; a.textContent = text; a.target = "_blank"; a.rel = "noopener";
          li.appendChild(a);
        } else {
          li.textContent = text;
        }
        ul.appendChild(li);
      });
      if (!pop.matches || pop.matches.length === 0) {
        var li = document.createElement("li");
        li.className = "muted"; li.textContent = ul.dataset.unknown;
        ul.appendChild(li);
      }
      $("pop-channel").textContent = L("channel." + pop.channel, pop.channel || "");
      $("pop-queue").textContent = pop.queue || "";
      $("pop-wait").textContent = String(pop.waitSeconds || 0);
      $("pop-ticket").textContent = pop.ticket || pop.ticketError || "";
      setCallState(state);
      box.hidden = false;
      $("pop-none").hidden = true;
      if (fresh) { box.focus(); }
      if (!waitTimer) { waitTimer = setInterval(tickWait, 1000); }
    };

    var setCallState = function (state) {
      var title = $("pop-title"), hang = $("btn-hangup");
      if (current) { current.state = state; }
      var ringing = state === "ringing";
      title.textContent = ringing ? title.dataset.ringing : title.dataset.connected;
      $("pop").className = "panel pop " + (ringing ? "ringing" : "connected");
      // With SIP phones the phone answers; the button would connect a caller to nobody.
      $("btn-answer").hidden = !ringing || consoleEl.hasAttribute("data-phone-answers");
      hang.textContent = ringing ? hang.dataset.decline : hang.dataset.hangup;
      $("transfer").hidden = ringing;
    };

    var clearPop = function () {
      current = null;
      $("pop").hidden = true;
      $("pop-none").hidden = false;
      if (waitTimer) { clearInterval(waitTimer); waitTimer = null; }
    };

    var refresh = function () {
      return fetch("/api/cti/me" + q, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (j) {
          if (!j.operator) { return; }
          renderOperator(j.operator);
          var op = j.operator;
          if (op.callId && (op.state === "ringing" || op.state === "on-call")) {
            var pop = j.pop || { callId: op.callId, channel: "callback", matches: [] };
            if (!current || current.callId !== op.callId || current.state !== op.state) { showPop(pop, op.state); }
          } else {
            clearPop();
          }
        });
    };

    stream("/api/cti/events" + q, function (kind, m) {
      if (kind === "pop" && m.pop && m.pop.operator === opID) {
        showPop(m.pop, "ringing");
      }
      refresh();
    }, refresh);

    var act = function (url, body) {
      return post(url, withOp(body)).then(function (j) {
        if (j.operator) { renderOperator(j.operator); }
        return refresh();
      }).catch(function (e) { say(e.message, true); });
    };

    $("btn-answer").addEventListener("click", function () {
      if (current) { act("/api/cti/answer", { callId: current.callId }); }
    });
    $("btn-hangup").addEventListener("click", function () {
      if (current) { act("/api/cti/hangup", { callId: current.callId }); }
    });

    document.querySelectorAll("form[data-cti]").forEach(function (f) {
      f.addEventListener("submit", function (e) {
        e.preventDefault();
        var kind = f.dataset.cti;
        if (kind === "status") {
          var action = e.submitter ? e.submitter.value : "login";
          act("/api/cti/status", { action: action, reason: action === "pause" ? $("pause-reason").value : "" });
        } else if (kind === "transfer" && current) {
          act("/api/cti/transfer", { callId: current.callId, extension: $("transfer-ext").value.trim() });
        } else if (kind === "callback") {
          act("/api/cti/callback", { number: $("cb-number").value.trim(), queue: $("cb-queue").value });
        }
      });
    });

    // TEL-8: find the extension in the directory; Enter or a click on a result fills it.
    var search = $("transfer-search"), results = $("transfer-results"), searchTimer = null;
    search.addEventListener("input", function () {
      clearTimeout(searchTimer);
      searchTimer = setTimeout(function () {
        var v = search.value.trim();
        results.textContent = "";
        if (v.length < 2) { return; }
        fetch("/api/cti/directory?q=" + encodeURIComponent(v), { headers: { "Accept": "application/json" }, credentials: "same-origin" })
          .then(function (r) { return r.json(); })
          .then(function (j) {
            results.textContent = "";
            (j.items || []).forEach(function (it) {
              var li = document.createElement("li"), b = document.createElement("button");
              b.type = "button"; b.className = "linkish";
              b.textContent = it.name + (it.role ? " — " + it.role : "") + (it.unit ? " (" + it.unit + ")" : "") + " · " + it.extension;
              b.addEventListener("click", function () { $("transfer-ext").value = it.extension; $("transfer-ext").focus(); });
              li.appendChild(b);
              results.appendChild(li);
            });
          });
      }, 200);
    });
    search.addEventListener("keydown", function (e) {
      var first = results.querySelector("button");
      if (e.key === "Enter" && first) { e.preventDefault(); first.click(); }
      if (e.key === "ArrowDown" && first) { e.preventDefault(); first.focus(); }
    });
  }

  // ---- supervisor live view ----
  var sup = $("supervisor");
  if (sup) {
    var pending = null;
    var reload = function () {
      pending = null;
      fetch(sup.dataset.refresh, { headers: { "Accept": "text/html" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
        .then(function (html) {
          var doc = new DOMParser().parseFromString(html, "text/html");
          var fresh = doc.getElementById("live"), old = $("live");
          if (fresh && old) { old.replaceWith(document.importNode(fresh, true)); }
        })
        .catch(function () {});
    };
    var soon = function () { if (!pending) { pending = setTimeout(reload, 250); } };
    stream("/api/cti/events", soon, soon);
    setInterval(soon, 5000); // the waits grow between events
    document.querySelectorAll("form[data-cti=demo]").forEach(function (f) {
      f.addEventListener("submit", function (e) {
        e.preventDefault();
        post("/api/cti/demo/call", { queue: $("demo-queue").value, from: $("demo-from").value })
          .then(function (j) { say(j.callId); soon(); })
          .catch(function (err) { say(err.message, true); });
      });
    });
  }

  document.querySelectorAll("[data-print]").forEach(function (b) {
    b.addEventListener("click", function () { window.print(); });
  });
})();
