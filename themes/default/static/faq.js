/* demarcate default theme: filter box for the FAQ page.
 * Progressive enhancement: without JavaScript every question is listed and the filter stays
 * hidden. No network requests, no modules, so it also works from file://. */
(function () {
  "use strict";
  var box = document.querySelector("[data-faq-filter]");
  if (!box) return;
  var input = box.querySelector("input");
  var status = box.querySelector("[role=status]");
  var items = Array.prototype.slice.call(document.querySelectorAll("[data-faq-item]"));
  var groups = Array.prototype.slice.call(document.querySelectorAll("[data-faq-group]"));
  var sets = Array.prototype.slice.call(document.querySelectorAll("[data-faq-set]"));
  var texts = items.map(function (el) { return el.textContent.toLowerCase(); });
  var questions = {};
  items.forEach(function (el) {
    var q = el.querySelector("summary") || el.querySelector("a");
    if (q) questions[q.textContent.trim().toLowerCase()] = true;
  });
  var total = Object.keys(questions).length;
  var timer = null;

  function apply() {
    var terms = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    var seen = {};
    items.forEach(function (el, i) {
      var hit = terms.every(function (t) { return texts[i].indexOf(t) !== -1; });
      el.hidden = !hit;
      /* open what matches while filtering; fold everything back when the box is cleared */
      el.open = terms.length > 0 && hit;
      if (hit) {
        var q = el.querySelector("summary") || el.querySelector("a");
        if (q) seen[q.textContent.trim().toLowerCase()] = true;
      }
    });
    groups.forEach(function (g) {
      g.hidden = !g.querySelector("[data-faq-item]:not([hidden])");
    });
    sets.forEach(function (set) {
      set.hidden = !set.querySelector("[data-faq-group]:not([hidden])");
    });
    var n = Object.keys(seen).length;
    status.textContent = terms.length
      ? (n === 0 ? "No questions match." : n + " of " + total + " questions match.")
      : "";
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(apply, 120);
  });
  box.addEventListener("submit", function (e) { e.preventDefault(); });
  box.hidden = false;

  /* Printing: show every answer. */
  window.addEventListener("beforeprint", function () {
    items.forEach(function (el) { el.setAttribute("data-was-open", el.open ? "1" : ""); el.open = true; });
  });
  window.addEventListener("afterprint", function () {
    items.forEach(function (el) { el.open = el.getAttribute("data-was-open") === "1"; });
  });
})();
