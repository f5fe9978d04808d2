// The operator console for a new call (issue 6, TK-1, KB-9): while the operator types the
// description, the pills that may answer it appear beside the form, fetched from /api/search;
// each has a "Risolto con questa scheda" button that submits the form with the pill, solving the
// request at level 1 in one click. The searches are kept in the "queries" field, so that an
// escalation says what was looked for. Without JavaScript the form still opens the ticket.
(function () {
  "use strict";
  var form = document.getElementById("tk-new");
  var desc = document.getElementById("description");
  var list = document.getElementById("tk-suggest-list");
  var empty = document.getElementById("tk-suggest-empty");
  var queries = document.getElementById("queries");
  var labelTpl = document.getElementById("tk-solve-label");
  if (!form || !desc || !list) return;
  var solveLabel = labelTpl ? labelTpl.innerHTML.trim() : "Risolto con questa scheda";
  var timer = 0, seq = 0, last = "";

  function remember(q) {
    if (!queries) return;
    var have = queries.value.split("\n").map(function (s) { return s.trim(); });
    if (have.indexOf(q) < 0) queries.value = (queries.value.trim() ? queries.value.trim() + "\n" : "") + q;
  }

  function show(hits) {
    while (list.firstChild) list.removeChild(list.firstChild);
    empty.hidden = hits.length > 0;
    hits.forEach(function (h) {
      var li = document.createElement("li");
      li.className = "tk-hit";
      var a = document.createElement("a");
      a.href = "/schede/" + encodeURIComponent(h.code || h.iri.split("/").pop());
      a.target = "_blank";
      a.rel = "noopener";
      a.textContent = h.title;
      li.appendChild(a);
      if (h.office) li.appendChild(document.createTextNode(" · " + h.office));
      (h.highlights || []).slice(0, 1).forEach(function (frag) {
        // The server leaves only <mark> in fragments (web/search.go markOnly); text is set
        // through a parsed copy so nothing else can slip in.
        var p = document.createElement("p");
        p.className = "tk-hl";
        frag.split(/(<mark>|<\/mark>)/).reduce(function (inMark, part) {
          if (part === "<mark>") return true;
          if (part === "</mark>") return false;
          // A textarea decodes entities and keeps every space: an HTML document parse drops a
          // part that is only the space between two marks ("Bollo auto" read "Bolloauto").
          var ta = document.createElement("textarea");
          ta.innerHTML = part;
          var t = document.createTextNode(ta.value);
          if (inMark) { var m = document.createElement("mark"); m.appendChild(t); p.appendChild(m); } else p.appendChild(t);
          return inMark;
        }, false);
        li.appendChild(p);
      });
      var b = document.createElement("button");
      b.type = "submit";
      b.name = "pill";
      b.value = h.iri;
      b.className = "tk-solve";
      b.textContent = solveLabel;
      li.appendChild(b);
      list.appendChild(li);
    });
  }

  function suggest() {
    var q = desc.value.trim();
    if (q.length < 3 || q === last) return;
    last = q;
    var my = ++seq;
    fetch("/api/search?kind=pill&limit=5&q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { hits: [] }; })
      .then(function (resp) {
        if (my !== seq) return; // an older answer arriving late
        remember(q);
        show((resp.hits || []).filter(function (h) { return h.kind === "pill" || !h.kind; }));
      })
      .catch(function () {});
  }

  desc.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(suggest, 250);
  });
  if (desc.value.trim()) suggest();
})();
