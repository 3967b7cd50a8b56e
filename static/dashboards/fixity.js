/* The progress bar of a case's fixity check on the dashboard (loaded with defer; no inline script, for the CSP).
 *
 * Polls the panel's data-progress-url (dashboards:fixity_progress) every 2 seconds and updates the <progress>
 * element and the status line until the run is finished; then reloads the page once so that the counts,
 * the integrity banner and the notification badge show the result. Without script the page shows the state
 * it was rendered with; reloading it updates it.
 */
(function () {
  "use strict";

  var INTERVAL_MS = 2000;

  function setup(panel) {
    var url = panel.getAttribute("data-progress-url");
    var bar = panel.querySelector("progress");
    var status = panel.querySelector("[data-progress-status]");

    function show(state) {
      bar.value = state.percent;
      bar.textContent = state.percent + "%";
      status.textContent = state.status_display;
    }

    function poll() {
      var request = new XMLHttpRequest();
      request.open("GET", url);
      request.setRequestHeader("Accept", "application/json");
      request.onload = function () {
        if (request.status !== 200) {
          return; // signed out or no longer a lead: stop; a reload shows why
        }
        var state;
        try {
          state = JSON.parse(request.responseText);
        } catch (ignored) {
          return;
        }
        show(state);
        if (state.finished) {
          window.location.reload();
        } else {
          window.setTimeout(poll, INTERVAL_MS);
        }
      };
      request.onerror = function () {
        window.setTimeout(poll, INTERVAL_MS * 5); // the network may come back
      };
      request.send();
    }

    if (panel.getAttribute("data-finished") !== "true") {
      window.setTimeout(poll, INTERVAL_MS);
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var panel = document.getElementById("fixity-progress");
    if (panel) {
      setup(panel);
    }
  });
})();
