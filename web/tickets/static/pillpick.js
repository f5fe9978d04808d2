// The ticket page's helpers (TK-6, KB-9):
//  - the pill picker: a search-as-you-type combobox over /api/search (pills only). Typing lists
//    the pills that match; arrows move, Enter (on the open list: the marked pill or the first) or
//    a click chooses, Escape closes. The chosen pill's
//    IRI goes in the hidden "pill" field, its title stays in the box. Without JavaScript the box
//    still works: the server takes what was typed as a pill's code.
//  - the reply form: choosing a canned answer fills subject and text with it, prepared for this
//    request by the server (/api/tickets/{n}/canned/{id}), for the operator to read and edit.
// The scripts hold no Italian text: labels come from the page.
(function () {
  "use strict";

  function picker(box) {
    var input = box.querySelector("input[role=combobox]");
    var hidden = box.querySelector("input[name=pill]");
    var list = box.querySelector("[role=listbox]");
    if (!input || !hidden || !list) return;
    var timer = 0, seq = 0, active = -1, hits = [];

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function mark(i) {
      var items = list.querySelectorAll("[role=option]");
      items.forEach(function (li, j) { li.setAttribute("aria-selected", j === i ? "true" : "false"); });
      active = i;
      if (i >= 0 && items[i]) {
        input.setAttribute("aria-activedescendant", items[i].id);
        items[i].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function choose(i) {
      var h = hits[i];
      if (!h) return;
      hidden.value = h.iri;
      input.value = h.title;
      box.dataset.chosen = h.iri;
      close();
      input.dispatchEvent(new CustomEvent("pillchosen", { bubbles: true, detail: h }));
    }

    function show(found) {
      hits = found;
      while (list.firstChild) list.removeChild(list.firstChild);
      found.forEach(function (h, i) {
        var li = document.createElement("li");
        li.id = list.id + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.textContent = h.title + (h.code ? " (" + h.code + ")" : "");
        li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(i); });
        list.appendChild(li);
      });
      if (found.length) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
        mark(-1);
      } else {
        close();
      }
    }

    function search() {
      var q = input.value.trim();
      if (q.length < 2) { show([]); return; }
      var my = ++seq;
      fetch("/api/search?kind=pill&limit=8&q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { hits: [] }; })
        .then(function (resp) {
          if (my !== seq) return; // an older answer arriving late
          show((resp.hits || []).filter(function (h) { return (h.kind === "pill" || !h.kind) && h.iri; }));
        })
        .catch(function () {});
    }

    input.addEventListener("input", function () {
      hidden.value = ""; // what is typed now is not the pill chosen before
      clearTimeout(timer);
      timer = setTimeout(search, 200);
    });
    input.addEventListener("keydown", function (e) {
      if (list.hidden) {
        if (e.key === "ArrowDown" && hits.length) { list.hidden = false; input.setAttribute("aria-expanded", "true"); mark(0); e.preventDefault(); }
        return;
      }
      if (e.key === "ArrowDown") { mark(Math.min(active + 1, hits.length - 1)); e.preventDefault(); }
      else if (e.key === "ArrowUp") { mark(Math.max(active - 1, 0)); e.preventDefault(); }
      // Enter on the open list chooses — the marked pill, or the first when a newer answer
      // replaced the list under the arrow — and never submits the action without its pill.
      else if (e.key === "Enter") { choose(active >= 0 ? active : 0); e.preventDefault(); }
      else if (e.key === "Escape") { close(); e.preventDefault(); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  document.querySelectorAll("[data-pillpick]").forEach(picker);

  // The reply form: a canned answer chosen fills the text, prepared by the server.
  var canned = document.getElementById("tk-canned");
  var reply = document.getElementById("tk-reply");
  if (canned && reply) {
    var subject = document.getElementById("tk-reply-subject");
    var body = document.getElementById("tk-reply-body");
    var chosen = document.getElementById("tk-reply-canned");
    var pill = reply.querySelector("input[name=pill]");
    var prepared = ""; // the text last prepared: a text the operator edited is never replaced
    var prepare = function () {
      chosen.value = canned.value;
      if (!canned.value) return;
      var url = "/api/tickets/" + encodeURIComponent(canned.dataset.ticket) + "/canned/" + encodeURIComponent(canned.value);
      if (pill && pill.value) url += "?pill=" + encodeURIComponent(pill.value);
      fetch(url, { headers: { Accept: "application/json" } })
        .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, j: j }; }); })
        .then(function (res) {
          var err = document.getElementById("tk-prepared-err");
          if (!res.ok) {
            if (!err) {
              err = document.createElement("p");
              err.id = "tk-prepared-err";
              err.className = "field-error";
              err.setAttribute("role", "alert");
              canned.parentNode.appendChild(err);
            }
            err.textContent = res.j.error || "";
            return;
          }
          if (err) err.parentNode.removeChild(err);
          subject.value = res.j.subject;
          body.value = prepared = res.j.body;
          body.focus();
        })
        .catch(function () {});
    };
    canned.addEventListener("change", prepare);
    if (pill) pill.closest("[data-pillpick]").addEventListener("pillchosen", function () {
      if (canned.value && body.value === prepared) prepare();
    });
  }
})();
