/* Keyboard shortcuts of the review pages (loaded with defer; no inline script, for the Content-Security-Policy).
 *
 * Queue: j / k move the selection down / up the list, Enter opens the selected item.
 * Item review: a approve, r reject, i ask for more information (each presses that decision's button, so the
 * form and the server-side checks are exactly those of a click), n opens the next item in the queue.
 * Keys are ignored while typing in a field, and with Ctrl, Alt or Meta held.
 */
(function () {
  "use strict";

  function typing(target) {
    if (!target || !target.tagName) {
      return false;
    }
    var tag = target.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  function setupQueue(table) {
    var rows = Array.prototype.slice.call(table.querySelectorAll("[data-review-row]"));
    var current = -1;

    function select(index) {
      if (rows.length === 0) {
        return;
      }
      if (current >= 0) {
        rows[current].classList.remove("selected");
        rows[current].removeAttribute("aria-selected");
      }
      current = Math.max(0, Math.min(rows.length - 1, index));
      rows[current].classList.add("selected");
      rows[current].setAttribute("aria-selected", "true");
      var link = rows[current].querySelector("[data-review-link]");
      if (link) {
        link.focus();
      }
    }

    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.altKey || event.metaKey || typing(event.target)) {
        return;
      }
      if (event.key === "j") {
        select(current + 1);
        event.preventDefault();
      } else if (event.key === "k") {
        select(current - 1);
        event.preventDefault();
      } else if (event.key === "Enter" && current >= 0) {
        var link = rows[current].querySelector("[data-review-link]");
        if (link && document.activeElement !== link) {
          window.location.assign(link.href);
          event.preventDefault();
        }
      }
    });
  }

  function setupItem() {
    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.altKey || event.metaKey || typing(event.target)) {
        return;
      }
      if (event.key === "n") {
        var next = document.querySelector("[data-review-next]");
        if (next) {
          window.location.assign(next.href);
          event.preventDefault();
        }
        return;
      }
      var button = document.querySelector('[data-review-key="' + event.key + '"]');
      if (button && (event.key === "a" || event.key === "r" || event.key === "i")) {
        button.click();
        event.preventDefault();
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var table = document.querySelector("[data-review-queue]");
    if (table) {
      setupQueue(table);
    } else if (document.querySelector("[data-review-form]") || document.querySelector("[data-review-next]")) {
      setupItem();
    }
  });
})();
