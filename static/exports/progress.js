/* The live progress bar of a bundle's page (loaded with defer; no inline script, for the Content-Security-Policy).
 *
 * Polls the element's data-progress-url (exports:progress) every 2 seconds and updates the <progress>
 * element, the status text, the error and the download link, until the bundle is done or failed.
 * Without script the page still shows the state it was rendered with; reloading it updates it.
 */
(function () {
  "use strict";

  var INTERVAL_MS = 2000;

  function setup(section) {
    var url = section.getAttribute("data-progress-url");
    var bar = section.querySelector("progress");
    var status = section.querySelector("[data-progress-status]");
    var percent = section.querySelector("[data-progress-percent]");
    var error = section.querySelector("[data-progress-error]");
    var download = section.querySelector("[data-progress-download]");
    var link = section.querySelector("[data-progress-link]");

    function show(state) {
      bar.value = state.percent;
      bar.textContent = state.percent + "%";
      percent.textContent = state.percent + "%";
      status.textContent = state.status_display;
      section.setAttribute("data-status", state.status);
      if (state.error) {
        error.textContent = state.error;
        error.hidden = false;
      }
      if (state.download_url) {
        link.setAttribute("href", state.download_url);
        download.hidden = false;
      }
    }

    function poll() {
      var request = new XMLHttpRequest();
      request.open("GET", url);
      request.setRequestHeader("Accept", "application/json");
      request.onload = function () {
        if (request.status !== 200) {
          return; // signed out or access withdrawn: stop; a reload shows why
        }
        var state;
        try {
          state = JSON.parse(request.responseText);
        } catch (ignored) {
          return;
        }
        show(state);
        if (!state.finished) {
          window.setTimeout(poll, INTERVAL_MS);
        }
      };
      request.onerror = function () {
        window.setTimeout(poll, INTERVAL_MS * 5); // the network may come back
      };
      request.send();
    }

    var initial = section.getAttribute("data-status");
    if (initial !== "done" && initial !== "failed") {
      window.setTimeout(poll, INTERVAL_MS);
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var section = document.getElementById("export-progress");
    if (section) {
      setup(section);
    }
  });
})();
