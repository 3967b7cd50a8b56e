/* Copy buttons (the item page's hashes). Loaded with defer; no inline script (Content-Security-Policy).
 *
 * <code id="hash-sha256">…</code> <button type="button" data-copy="hash-sha256">Copy</button>
 * <p role="status" data-copy-status data-copied="Copied." data-select="Selected: press Ctrl+C."></p>
 *
 * Uses the asynchronous clipboard where the browser allows it (a secure context); otherwise it selects
 * the text so that the user can copy it with the keyboard, and says so.
 */
(function () {
  "use strict";

  function selectText(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function tell(status, attribute) {
    if (!status) { return; }
    status.textContent = "";
    window.setTimeout(function () { status.textContent = status.getAttribute(attribute) || ""; }, 50);
  }

  function fallback(element, status) {
    selectText(element);
    var copied = false;
    try { copied = Boolean(document.execCommand && document.execCommand("copy")); } catch (error) { copied = false; }
    tell(status, copied ? "data-copied" : "data-select");
  }

  document.addEventListener("DOMContentLoaded", function () {
    var status = document.querySelector("[data-copy-status]");
    Array.prototype.forEach.call(document.querySelectorAll("[data-copy]"), function (button) {
      button.addEventListener("click", function () {
        var target = document.getElementById(button.getAttribute("data-copy"));
        if (!target) { return; }
        var text = target.textContent.trim();
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(text).then(
            function () { tell(status, "data-copied"); },
            function () { fallback(target, status); }
          );
        } else {
          fallback(target, status);
        }
      });
    });
  });
})();
