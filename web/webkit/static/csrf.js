// CSRF protection for the site's own scripts and forms (issue 5). The server gives the session's
// token in the sportello_csrf cookie, readable only by pages of this site; every request that
// changes something must carry it: fetch() and XMLHttpRequest get the X-CSRF-Token header, and a
// POST form without the csrf_token field gets one just before it is sent.
(function () {
  "use strict";
  function token() {
    var m = document.cookie.match(/(?:^|;\s*)sportello_csrf=([^;]*)/);
    return m ? decodeURIComponent(m[1]) : "";
  }
  function sameOrigin(url) {
    try { return new URL(url, location.href).origin === location.origin; } catch (e) { return false; }
  }
  var safe = { GET: 1, HEAD: 1, OPTIONS: 1, TRACE: 1 };
  var fetch0 = window.fetch;
  if (fetch0) {
    window.fetch = function (input, init) {
      init = init || {};
      var url = typeof input === "string" ? input : (input && input.url) || "";
      var method = (init.method || (input && input.method) || "GET").toUpperCase();
      var t = token();
      if (!safe[method] && t && sameOrigin(url)) {
        var h = new Headers(init.headers || (input && input.headers) || {});
        if (!h.has("X-CSRF-Token")) h.set("X-CSRF-Token", t);
        init = Object.assign({}, init, { headers: h });
      }
      return fetch0.call(this, input, init);
    };
  }
  function addField(f) {
    if (!(f instanceof HTMLFormElement) || (f.method || "").toLowerCase() !== "post") return;
    if (!sameOrigin(f.action) || f.querySelector('input[name="csrf_token"]')) return;
    var t = token();
    if (!t) return;
    var i = document.createElement("input");
    i.type = "hidden"; i.name = "csrf_token"; i.value = t;
    f.appendChild(i);
  }
  document.addEventListener("submit", function (ev) { addField(ev.target); }, true);
  // form.submit() from a script fires no submit event.
  var submit0 = HTMLFormElement.prototype.submit;
  HTMLFormElement.prototype.submit = function () { addField(this); return submit0.call(this); };
  // XMLHttpRequest: the header is added at send(), once the method and URL are known.
  var open0 = XMLHttpRequest.prototype.open, send0 = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.open = function (method, url) {
    this._sportelloCSRF = !safe[String(method).toUpperCase()] && sameOrigin(url);
    return open0.apply(this, arguments);
  };
  XMLHttpRequest.prototype.send = function () {
    var t = token();
    if (this._sportelloCSRF && t) this.setRequestHeader("X-CSRF-Token", t);
    return send0.apply(this, arguments);
  };
})();
