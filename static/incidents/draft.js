/*
 * Draft autosave of the incident form: a reload or a lost connection loses nothing.
 *
 * The form ([data-draft-key]) is saved to localStorage on every change, keyed by case and incident. On the
 * next load of the same form the draft is restored (rows added as needed) and a notice offers to discard it.
 * A form the server sent back with errors ([data-draft-bound]) already holds the latest input, so it is not
 * overwritten. The idempotency token is part of the draft: resending a restored form whose first submit did
 * reach the server leads to the incident it created, not to a second one. The page shown after a successful
 * save carries [data-draft-clear="key"], which removes the draft.
 */
(function () {
  "use strict";

  var SKIP = /^(csrfmiddlewaretoken|.*-(INITIAL_FORMS|MIN_NUM_FORMS|MAX_NUM_FORMS))$/;
  var TOTAL = /^(.*)-TOTAL_FORMS$/;

  function storage() {
    try { return window.localStorage; } catch (error) { return null; }
  }

  function collect(form) {
    var fields = {};
    var counts = {};
    Array.prototype.forEach.call(form.elements, function (element) {
      var name = element.name;
      if (!name || SKIP.test(name) || element.type === "submit" || element.type === "button") { return; }
      var total = TOTAL.exec(name);
      if (total) { counts[total[1]] = parseInt(element.value, 10) || 0; return; }
      if (element.type === "checkbox" || element.type === "radio") {
        if (!fields[name]) { fields[name] = []; }
        if (element.checked) { fields[name].push(element.value); }
      } else if (element.type === "select-multiple") {
        fields[name] = Array.prototype.filter.call(element.options, function (option) { return option.selected; })
          .map(function (option) { return option.value; });
      } else {
        fields[name] = element.value;
      }
    });
    return { version: 1, counts: counts, fields: fields };
  }

  function restore(form, draft) {
    if (window.CustosIncidentForm) {
      Object.keys(draft.counts || {}).forEach(function (prefix) {
        window.CustosIncidentForm.ensureRows(prefix, draft.counts[prefix]);
      });
    }
    Array.prototype.forEach.call(form.elements, function (element) {
      var name = element.name;
      if (!name || !Object.prototype.hasOwnProperty.call(draft.fields, name)) { return; }
      var value = draft.fields[name];
      if (element.type === "checkbox" || element.type === "radio") {
        element.checked = Array.isArray(value) && value.indexOf(element.value) !== -1;
      } else if (element.type === "select-multiple") {
        Array.prototype.forEach.call(element.options, function (option) {
          option.selected = Array.isArray(value) && value.indexOf(option.value) !== -1;
        });
      } else if (typeof value === "string") {
        element.value = value;
      }
    });
    if (window.CustosIncidentForm) { window.CustosIncidentForm.syncSourceOptions(); }
    ["id_latitude", "id_longitude"].forEach(function (id) {
      var input = document.getElementById(id);
      if (input) { input.dispatchEvent(new Event("change", { bubbles: true })); }
    });
  }

  function sameContent(a, b) {
    var left = JSON.parse(JSON.stringify(a.fields));
    var right = JSON.parse(JSON.stringify(b.fields));
    delete left.idempotency_token;
    delete right.idempotency_token;
    return JSON.stringify(left) === JSON.stringify(right) && JSON.stringify(a.counts) === JSON.stringify(b.counts);
  }

  function start() {
    var store = storage();
    if (!store) { return; }
    Array.prototype.forEach.call(document.querySelectorAll("[data-draft-clear]"), function (marker) {
      store.removeItem(marker.getAttribute("data-draft-clear"));
    });
    var form = document.querySelector("form[data-draft-key]");
    if (!form) { return; }
    var key = form.getAttribute("data-draft-key");
    var notice = document.querySelector("[data-draft-notice]");
    var saved = null;
    try { saved = JSON.parse(store.getItem(key) || "null"); } catch (error) { saved = null; }
    if (saved && saved.version === 1 && !form.hasAttribute("data-draft-bound") && !sameContent(saved, collect(form))) {
      restore(form, saved);
      if (notice) { notice.hidden = false; }
    }
    var timer = null;
    function save() {
      timer = null;
      try { store.setItem(key, JSON.stringify(collect(form))); } catch (error) { /* storage full or refused */ }
    }
    function later() {
      if (timer) { window.clearTimeout(timer); }
      timer = window.setTimeout(save, 300);
    }
    form.addEventListener("input", later);
    form.addEventListener("change", later);
    form.addEventListener("submit", save);
    window.addEventListener("pagehide", function () { if (timer) { save(); } });
    if (notice) {
      var discard = notice.querySelector("[data-draft-discard]");
      if (discard) {
        discard.addEventListener("click", function () {
          store.removeItem(key);
          form.removeEventListener("input", later);
          form.removeEventListener("change", later);
          window.location.reload();
        });
      }
    }
  }

  if (document.readyState !== "complete") {
    // Deferred scripts run before DOMContentLoaded: waiting for it lets form.js (loaded first) set up its rows.
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
