// Keyboard triage for the review queue: j/k move, x selects, p/e/i/n apply a status to the
// selected rows (or the focused one). No inline script: served from 'self' under the CSP.
"use strict";
(function () {
  var form = document.getElementById("triage");
  if (!form) { return; }
  var rows = Array.prototype.slice.call(form.querySelectorAll("li.row"));
  var keys = { p: "in_progress", e: "engaged", i: "ignored", n: "new" };
  var at = -1;
  function focusRow(index) {
    if (!rows.length) { return; }
    at = Math.max(0, Math.min(rows.length - 1, index));
    rows[at].focus();
  }
  function box(row) { return row && row.querySelector("input[type=checkbox]"); }
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (target.tagName === "INPUT" || target.tagName === "SELECT" || target.tagName === "TEXTAREA") { return; }
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (event.key === "j") { focusRow(at + 1); }
    else if (event.key === "k") { focusRow(at - 1); }
    else if (event.key === "x" && box(rows[at])) { box(rows[at]).checked = !box(rows[at]).checked; }
    else if (keys[event.key] && document.getElementById("bulk-status")) {
      var checked = form.querySelectorAll("input[name=key]:checked").length;
      if (!checked && box(rows[at])) { box(rows[at]).checked = true; }
      if (!form.querySelectorAll("input[name=key]:checked").length) { return; }
      document.getElementById("bulk-status").value = keys[event.key];
      form.submit();
    } else { return; }
    event.preventDefault();
  });
})();
