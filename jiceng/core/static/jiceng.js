// Small behaviours every page shares, wired by data attributes instead of inline handlers,
// so the Content-Security-Policy can forbid inline script (docs/deployment.md):
//   <form data-confirm="…">, <button data-confirm="…">  ask before a destructive step
//   <select data-autosubmit>                              submit the form on change
//   <a data-back>                                         go back one page
//   <button data-print>                                   print the page
(function () {
  document.addEventListener("submit", function (e) {
    var form = e.target;
    var text = form.getAttribute && form.getAttribute("data-confirm");
    if (text && !window.confirm(text)) { e.preventDefault(); e.stopImmediatePropagation(); }
  }, true);
  document.addEventListener("click", function (e) {
    var el = e.target.closest && e.target.closest("[data-confirm]:not(form), [data-back], [data-print]");
    if (!el) { return; }
    if (el.hasAttribute("data-back")) { e.preventDefault(); window.history.back(); return; }
    if (el.hasAttribute("data-print")) { e.preventDefault(); window.print(); return; }
    if (!window.confirm(el.getAttribute("data-confirm"))) { e.preventDefault(); e.stopImmediatePropagation(); }
  }, true);
  document.addEventListener("change", function (e) {
    var el = e.target;
    if (el.hasAttribute && el.hasAttribute("data-autosubmit") && el.form) { el.form.submit(); }
  });
})();
