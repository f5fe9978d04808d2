// Sportello: the Excel import page (issue 3). While a dry run or an import runs, poll
// /api/import/{id} and move the progress bar; when it ends, reload the page to show the
// summary. Without JavaScript the page refreshes itself (a <noscript> meta refresh).
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form.import-form, form.import-upload").forEach(function (f) {
    // One click is enough: a second submit would start a second job.
    f.addEventListener("submit", function () {
      setTimeout(function () {
        f.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
      }, 0);
    });
  });
  var box = document.getElementById("import-progress");
  if (!box) return;
  var bar = document.getElementById("import-bar");
  var text = document.getElementById("import-progress-text");
  var url = box.getAttribute("data-status");
  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (st) {
        if (st.state !== "running") { location.reload(); return; }
        bar.value = st.percent;
        bar.textContent = st.percent + "%";
        if (st.text) {
          text.textContent = st.text;
        }
        setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 500);
});
