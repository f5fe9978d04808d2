// Sportello: the supervisor's and the statistics' pages (issue 7). The supervisor page reloads
// its live section when an event arrives and every few seconds. The operator's desk has its own
// script (desk.js). No library; every string shown comes from the page (the catalogue).
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
