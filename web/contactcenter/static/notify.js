// Sportello: a new contact reaches the operator on whatever page is open (issue 16). The layout
// loads this script for the roles that have a desk. One tab at a time listens to the operator's
// events (a lease renewed in localStorage, so that ten open tabs hold one connection, not ten);
// it shares them with the other tabs over a BroadcastChannel. A ringing contact gives a short
// sound (ring.wav, embedded), a title badge "(1) ☎", a banner with a link to the desk and —
// when the page is hidden and the operator allowed it on the desk — a desktop notification.
// When the desk is open in a tab, the desk plays the sound itself (its own stream) and this
// script only shows the badge and the banner. Pages that have no use for it ignore it: it adds
// one element inside <main> when a contact rings, nothing else. Texts: the page's catalogue.
"use strict";
(function () {
  const labelsEl = document.getElementById("notify-labels");
  const labels = labelsEl ? JSON.parse(labelsEl.textContent) : {};
  const L = (key, ...args) => {
    let s = labels[key] || key;
    args.forEach((a) => { s = s.replace(/%[sd]/, String(a)); });
    return s.replace(/%%/g, "%");
  };
  const onDesk = !!document.getElementById("desk");
  const baseTitle = document.title;
  const me = Math.random().toString(36).slice(2);
  const channel = "BroadcastChannel" in window ? new BroadcastChannel("sportello-cti") : null;
  let deskSeen = 0;   // when a desk tab last said it is open
  let ringing = null; // the call ringing now, by id

  function badge(n) {
    document.title = n > 0 ? "(" + n + ") " + L("cti.notify.badge") + " " + baseTitle : baseTitle;
  }

  let audio = null;
  function sound() {
    try {
      audio = audio || new Audio("/static/ring.wav");
      audio.currentTime = 0;
      // Browsers may refuse sound before the first click on the site: the badge stays.
      const p = audio.play();
      if (p && p.catch) { p.catch(() => {}); }
    } catch (e) { /* no audio: the badge and the banner remain */ }
  }

  function desktop(pop) {
    if (!("Notification" in window) || Notification.permission !== "granted") { return; }
    try {
      const n = new Notification(L("cti.notify.title"), { body: L("cti.notify.body", pop.from || "—", pop.queue || "—"),
        tag: "sportello-" + pop.callId });
      n.onclick = () => {
        window.focus();
        if (!onDesk) { location.href = "/operatore"; }
        n.close();
      };
    } catch (e) { /* notifications unavailable here */ }
  }

  function banner(pop) {
    const main = document.querySelector("main");
    if (!main || onDesk) { return; }
    let b = document.getElementById("notify-banner");
    if (!b) {
      b = document.createElement("div");
      b.id = "notify-banner";
      b.className = "notify-banner";
      b.setAttribute("role", "alert");
      main.insertBefore(b, main.firstChild);
    }
    b.textContent = "";
    const p = document.createElement("p");
    p.textContent = L("cti.notify.body", pop.from || "—", pop.queue || "—") + " ";
    const a = document.createElement("a");
    a.href = "/operatore";
    a.textContent = L("cti.notify.go");
    p.appendChild(a);
    b.appendChild(p);
    const close = document.createElement("button");
    close.type = "button";
    close.className = "secondary";
    close.textContent = L("cti.notify.close");
    close.addEventListener("click", () => { b.remove(); badge(0); });
    b.appendChild(close);
  }

  function clear(callId) {
    if (callId && ringing && ringing !== callId) { return; }
    ringing = null;
    badge(0);
    const b = document.getElementById("notify-banner");
    if (b) { b.remove(); }
  }

  // A contact rings: every tab shows it; one makes the sound (the desk when it is open).
  function ring(pop, loud) {
    ringing = pop.callId;
    badge(1);
    banner(pop);
    if (loud) {
      sound();
      if (document.hidden || !onDesk) { desktop(pop); }
    }
  }

  // The desk calls these.
  window.SportelloNotify = {
    ring: (pop) => ring(pop, true),
    badge: (n) => { if (n > 0) { badge(n); } else { clear(); } },
  };

  if (channel) {
    channel.onmessage = (ev) => {
      const m = ev.data || {};
      if (m.type === "desk") { deskSeen = Date.now(); }
      if (m.type === "pop" && !onDesk) { ring(m.pop, false); }
      if (m.type === "end" && !onDesk) { clear(m.callId); }
    };
  }
  if (onDesk) {
    // The desk has its own stream: it tells the other tabs it is open, and they stay quiet.
    const ping = () => { if (channel) { channel.postMessage({ type: "desk" }); } };
    ping();
    setInterval(ping, 4000);
    return;
  }
  document.addEventListener("visibilitychange", () => { if (!document.hidden && !ringing) { badge(0); } });

  // The leader tab holds the stream; a lease in localStorage, renewed every 3 s, elects it.
  const leaseKey = "sportello.cti.leader";
  let es = null;
  function lead() {
    if (es) { return; }
    es = new EventSource("/api/cti/events?mine=1");
    es.addEventListener("pop", (ev) => {
      const m = JSON.parse(ev.data);
      if (!m.pop) { return; }
      if (channel) { channel.postMessage({ type: "pop", pop: m.pop }); }
      ring(m.pop, Date.now() - deskSeen > 10000);
    });
    const end = (ev) => {
      const m = JSON.parse(ev.data);
      const e = m.event || {};
      if (["answered", "no-answer", "abandoned", "completed", "overflowed", "callback-accepted"].includes(e.kind)) {
        if (channel) { channel.postMessage({ type: "end", callId: e.callId }); }
        clear(e.callId);
      }
    };
    es.addEventListener("contact", end);
    es.addEventListener("cti", end);
    // Not an operator of the contact center (404), or the stream refused: nothing to listen to.
    es.onerror = () => { if (es && es.readyState === EventSource.CLOSED) { es = null; stopped = true; } };
  }
  let stopped = false;
  function elect() {
    if (stopped) { return; }
    let lease = null;
    try { lease = JSON.parse(localStorage.getItem(leaseKey) || "null"); } catch (e) { lease = null; }
    const now = Date.now();
    if (!lease || lease.id === me || now - lease.t > 8000) {
      try { localStorage.setItem(leaseKey, JSON.stringify({ id: me, t: now })); } catch (e) { /* private mode: lead anyway */ }
      lead();
    } else if (es) {
      es.close();
      es = null;
    }
  }
  elect();
  setInterval(elect, 3000);
  window.addEventListener("pagehide", () => {
    if (es) { es.close(); es = null; }
    try {
      const lease = JSON.parse(localStorage.getItem(leaseKey) || "null");
      if (lease && lease.id === me) { localStorage.removeItem(leaseKey); }
    } catch (e) { /* nothing to release */ }
  });
})();
