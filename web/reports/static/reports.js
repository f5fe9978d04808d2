// Sportello: the service-level pages. Everything works without it: the report has a printable
// page, and the statistics' dates apply with the range "personalizzato".
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // The print button prints the page (its print style sheet leaves the report alone).
  document.querySelectorAll("[data-print]").forEach(function (b) {
    b.hidden = false;
    b.addEventListener("click", function () { window.print(); });
  });
  // Typing a date on the statistics' form means a custom range.
  var range = document.getElementById("st-range");
  ["st-from", "st-to"].forEach(function (id) {
    var f = document.getElementById(id);
    if (f && range) { f.addEventListener("change", function () { range.value = "custom"; }); }
  });
});
