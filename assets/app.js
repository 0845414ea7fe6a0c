// Small progressive enhancements; every page works without them.
(function () {
  "use strict";
  document.addEventListener("submit", function (e) {
    var f = e.target;
    var msg = f && f.getAttribute && f.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { e.preventDefault(); return; }
    // Long work: show that it is under way and prevent a second submission.
    var b = f.querySelector && f.querySelector("[data-busy]");
    if (b) {
      setTimeout(function () { b.disabled = true; b.textContent = b.getAttribute("data-busy"); }, 0);
    }
  }, true);
  document.addEventListener("click", function (e) {
    if (e.target.closest && e.target.closest("[data-print]")) { window.print(); return; }
    var a = e.target.closest && e.target.closest("[data-confirm-link]");
    if (a && !window.confirm(a.getAttribute("data-confirm-link"))) { e.preventDefault(); }
  });
  document.addEventListener("change", function (e) {
    var el = e.target;
    if (el && el.hasAttribute && el.hasAttribute("data-autosubmit") && el.form) { el.form.submit(); }
  });
  document.addEventListener("DOMContentLoaded", function () {
    // Forms with errors: move focus to the first field marked invalid (ui.md).
    var bad = document.querySelector("[aria-invalid=true]");
    if (bad) { bad.focus(); }
    if (document.querySelector("[data-autoprint]")) { window.print(); }
  });
  document.addEventListener("click", function (e) {
    var b = e.target.closest && e.target.closest("[data-nav-toggle]");
    if (!b) { return; }
    var open = document.body.classList.toggle("nav-open");
    b.setAttribute("aria-expanded", open ? "true" : "false");
  });
})();
