/* Whirlwind behaviour. Loaded as a file: the Content-Security-Policy forbids inline script. */
(function () {
  "use strict";

  // Confirm before destructive or irreversible actions: <button data-confirm="…">.
  document.addEventListener("click", function (ev) {
    var el = ev.target.closest("[data-confirm]");
    if (el && !window.confirm(el.getAttribute("data-confirm"))) {
      ev.preventDefault();
      ev.stopPropagation();
    }
  }, true);

  // Filter forms: <select data-autosubmit> submits its form on change.
  document.addEventListener("change", function (ev) {
    var el = ev.target;
    if (el.matches && el.matches("[data-autosubmit]") && el.form) {
      el.form.submit();
    }
  });

  // Deform sequences (lists of sub-records) without inline handlers.
  function wireSequences(root) {
    if (!window.deform || !window.jQuery) { return; }
    root.querySelectorAll(".ww-seq").forEach(function (seq) {
      if (seq.dataset.wired) { return; }
      seq.dataset.wired = "1";
      var $seq = window.jQuery(seq);
      window.deform.processSequenceButtons($seq, +seq.dataset.minLen, +seq.dataset.maxLen,
        +seq.dataset.nowLen, 0);
    });
  }
  document.addEventListener("click", function (ev) {
    var add = ev.target.closest(".ww-seq-add");
    if (add) {
      ev.preventDefault();
      window.deform.appendSequenceItem(add);
      return;
    }
    var remove = ev.target.closest(".ww-seq-remove");
    if (remove) {
      ev.preventDefault();
      window.deform.removeSequenceItem(remove);
    }
  });
  document.addEventListener("DOMContentLoaded", function () { wireSequences(document); });

  // Elements that want to be shown or hidden with a checkbox: data-toggle-target="#id".
  document.addEventListener("change", function (ev) {
    var sel = ev.target.getAttribute && ev.target.getAttribute("data-toggle-target");
    if (sel) {
      document.querySelectorAll(sel).forEach(function (t) { t.hidden = !ev.target.checked; });
    }
  });
}());
