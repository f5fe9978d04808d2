// Sportello: the little JavaScript the pages need. Everything works without it.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // "Espandi tutto" on the classification tree: open every <details>, or close them again.
  document.querySelectorAll("[data-expand-all]").forEach(function (btn) {
    var open = false;
    btn.addEventListener("click", function () {
      open = !open;
      document.querySelectorAll(".tree details").forEach(function (d) { d.open = open; });
    });
  });
});
