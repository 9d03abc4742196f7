// Small behaviours every page shares, wired by data attributes instead of inline handlers,
// so the Content-Security-Policy can forbid inline script (docs/deployment.md):
//   <form data-confirm="…">, <button data-confirm="…">  ask before a destructive step
//   <select data-autosubmit>                              submit the form on change
//   <a data-back>                                         go back one page
//   <button data-print>                                   print the page
//   [data-org-picker]                                     the organization picker of list filters
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
  // The organization picker (orgs/picker.py): pick a match, or clear the box to drop the filter.
  document.addEventListener("click", function (e) {
    var pick = e.target.closest && e.target.closest("[data-org-pick]");
    if (!pick) { return; }
    var box = pick.closest("[data-org-picker]");
    box.querySelector("[data-org-value]").value = pick.getAttribute("data-org-pick");
    box.querySelector("[data-org-search]").value = pick.getAttribute("data-org-label");
    box.querySelector("[data-org-options]").innerHTML = "";
  });
  document.addEventListener("input", function (e) {
    var el = e.target;
    if (el.hasAttribute && el.hasAttribute("data-org-search") && !el.value.trim()) {
      var box = el.closest("[data-org-picker]");
      box.querySelector("[data-org-value]").value = "";
      box.querySelector("[data-org-options]").innerHTML = "";
    }
  });
  document.addEventListener("change", function (e) {
    var el = e.target;
    if (el.hasAttribute && el.hasAttribute("data-autosubmit") && el.form) { el.form.submit(); }
  });
})();
