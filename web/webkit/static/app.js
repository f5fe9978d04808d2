// Sportello: the little JavaScript the pages need. Everything works without it.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // Branches of the classification tree and of the directory ([data-toggle]): a disclosure
  // button before the branch's link shows and hides its children (WAI-ARIA disclosure pattern).
  // The button sits beside the link, not around it, so no control is nested in another; its
  // name comes from the page (data-toggle), the state from aria-expanded. Without the script
  // every branch stays open.
  var toggles = [];
  document.querySelectorAll("[data-toggle]").forEach(function (branch) {
    var li = branch.parentElement;
    if (!li || !branch.id) return;
    var btn = document.createElement("button");
    btn.type = "button";
    btn.className = "toggle";
    btn.setAttribute("aria-controls", branch.id);
    btn.setAttribute("aria-label", branch.getAttribute("data-toggle"));
    var set = function (open) {
      btn.setAttribute("aria-expanded", open ? "true" : "false");
      branch.hidden = !open;
    };
    set(branch.hasAttribute("data-open"));
    btn.addEventListener("click", function () { set(btn.getAttribute("aria-expanded") !== "true"); });
    li.insertBefore(btn, li.firstChild);
    li.classList.add("has-toggle");
    toggles.push(set);
  });
  // "Espandi tutto" on the classification tree: open every branch, or close them again.
  document.querySelectorAll("[data-expand-all]").forEach(function (btn) {
    var open = false;
    btn.addEventListener("click", function () {
      open = !open;
      toggles.forEach(function (set) { set(open); });
    });
  });
  // A table wider than the screen scrolls inside its own box (style.css); the box then takes the
  // keyboard focus, so that it can be scrolled without a mouse (WCAG 2.1.1).
  // Tables that scripts fill or replace later (the supervisor's live view) are watched too.
  var scrollable = function (t) {
    if (t.scrollWidth > t.clientWidth + 1) t.setAttribute("tabindex", "0");
    else if (t.getAttribute("tabindex") === "0") t.removeAttribute("tabindex");
  };
  var main = document.querySelector("main");
  if (!main) return;
  var ro = window.ResizeObserver ? new ResizeObserver(function (entries) {
    entries.forEach(function (e) { scrollable(e.target); });
  }) : null;
  var watch = function () {
    main.querySelectorAll("table").forEach(function (t) {
      if (t.dataset.watched) return;
      t.dataset.watched = "1";
      scrollable(t);
      if (ro) ro.observe(t);
    });
  };
  watch();
  new MutationObserver(watch).observe(main, { childList: true, subtree: true });
  window.addEventListener("resize", function () { main.querySelectorAll("table").forEach(scrollable); });
});
