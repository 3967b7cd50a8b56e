/*
 * The incident form (templates/incidents/form.html): inline rows, weapon search by alias, place search,
 * and one submit at a time. No inline script (the Content-Security-Policy forbids it): data comes from
 * json_script blocks and data-* attributes.
 *
 * - [data-formset="prefix"]: "Add another" clones the row <template>, numbering it like Django's formsets
 *   (__prefix__), and raises the management form's TOTAL_FORMS. New source rows become choices ("new-N")
 *   of every allegation's and figure's source.
 * - input[data-weapon-search="select id"]: filters that select's options by names and aliases in English and
 *   Ukrainian (#weapon-search-data: slug -> normalised search text). Selected options always stay visible.
 * - #id_place_name with the #incident-places datalist: choosing a known place fills admin units, coordinates
 *   and precision (the map's marker follows the coordinate inputs).
 * - On submit the button is disabled, so a double click sends one request (the server's idempotency token
 *   is what guarantees one incident).
 */
(function () {
  "use strict";

  function readJson(id, fallback) {
    var block = document.getElementById(id);
    if (!block) { return fallback; }
    try { return JSON.parse(block.textContent); } catch (error) { return fallback; }
  }

  function normalise(text) {
    var value = String(text || "");
    if (value.normalize) { value = value.normalize("NFKC"); }
    return value.toLowerCase().replace(/\s+/g, " ").trim();
  }

  var weaponData = {};

  function filterWeapons(input) {
    var select = document.getElementById(input.getAttribute("data-weapon-search"));
    if (!select) { return; }
    var term = normalise(input.value);
    Array.prototype.forEach.call(select.options, function (option) {
      var haystack = (weaponData[option.value] || "") + " " + normalise(option.textContent);
      option.hidden = term !== "" && haystack.indexOf(term) === -1 && !option.selected;
    });
    Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
      var visible = Array.prototype.some.call(group.children, function (option) { return !option.hidden; });
      group.hidden = !visible;
    });
  }

  function initWeaponSearch(root) {
    Array.prototype.forEach.call(root.querySelectorAll("[data-weapon-search]"), function (input) {
      if (input.custosReady) { return; }
      input.custosReady = true;
      input.addEventListener("input", function () { filterWeapons(input); });
      input.addEventListener("keydown", function (event) {
        if (event.key === "Enter") { event.preventDefault(); }  // Enter in the search box must not submit the form
      });
    });
  }

  // --- Sources offered to allegation and figure rows -------------------------------------------

  function sourceRowCount() {
    var total = document.querySelector("input[name='sources-TOTAL_FORMS']");
    return total ? parseInt(total.value, 10) || 0 : 0;
  }

  function sourceRowLabel(index) {
    var form = document.querySelector("[data-incident-form]");
    var base = (form && form.getAttribute("data-new-source-label")) || "New source row";
    var title = document.querySelector("[name='sources-" + index + "-title']");
    return base + " " + (index + 1) + (title && title.value ? ": " + title.value : "");
  }

  function syncSourceOptions(select) {
    var count = sourceRowCount();
    for (var index = 0; index < count; index += 1) {
      var value = "new-" + index;
      var option = select.querySelector("option[value='" + value + "']");
      if (!option) {
        option = document.createElement("option");
        option.value = value;
        select.appendChild(option);
      }
      option.textContent = sourceRowLabel(index);
    }
  }

  function sourceSelects() {
    return document.querySelectorAll("[data-formset='allegations'] [data-formset-rows] select[name$='-source'], " +
      "[data-formset='figures'] [data-formset-rows] select[name$='-source']");
  }

  function syncAllSourceOptions() {
    Array.prototype.forEach.call(sourceSelects(), syncSourceOptions);
  }

  // --- Inline rows -------------------------------------------------------------------------------

  function addRow(container) {
    var prefix = container.getAttribute("data-formset");
    var total = container.querySelector("input[name='" + prefix + "-TOTAL_FORMS']");
    var maximum = container.querySelector("input[name='" + prefix + "-MAX_NUM_FORMS']");
    var template = container.querySelector("template[data-formset-template]");
    var rows = container.querySelector("[data-formset-rows]");
    if (!total || !template || !rows) { return null; }
    var index = parseInt(total.value, 10) || 0;
    if (maximum && index >= (parseInt(maximum.value, 10) || 1000)) { return null; }
    var html = template.innerHTML.replace(/__prefix__/g, String(index)).replace(/__number__/g, String(index + 1));
    var holder = document.createElement("div");
    holder.innerHTML = html;
    var row = holder.firstElementChild;
    rows.appendChild(row);
    total.value = String(index + 1);
    initWeaponSearch(row);
    if (prefix === "sources") {
      syncAllSourceOptions();
    } else {
      Array.prototype.forEach.call(row.querySelectorAll("select[name$='-source']"), syncSourceOptions);
    }
    return row;
  }

  function ensureRows(prefix, count) {
    var container = document.querySelector("[data-formset='" + prefix + "']");
    if (!container) { return; }
    var total = container.querySelector("input[name='" + prefix + "-TOTAL_FORMS']");
    var guard = 0;
    while (total && (parseInt(total.value, 10) || 0) < count && guard < 200) {
      if (!addRow(container)) { break; }
      guard += 1;
    }
  }

  // --- Places ------------------------------------------------------------------------------------

  function initPlaces(form) {
    var input = form.querySelector("#id_place_name");
    var places = readJson("incident-places-data", []);
    var status = form.querySelector("[data-place-status]");
    if (!input || !places.length) { return; }
    function field(name) { return form.querySelector("#id_" + name); }
    function fill() {
      var wanted = normalise(input.value);
      var place = null;
      for (var index = 0; index < places.length; index += 1) {
        if (normalise(places[index].name) === wanted) { place = places[index]; break; }
      }
      if (!place) { return; }
      ["admin1", "admin2", "admin3"].forEach(function (name) { if (field(name)) { field(name).value = place[name] || ""; } });
      if (place.precision && field("location_precision")) { field("location_precision").value = place.precision; }
      if (place.lat !== "" && place.lon !== "" && field("latitude") && field("longitude")) {
        field("latitude").value = place.lat;
        field("longitude").value = place.lon;
        field("latitude").dispatchEvent(new Event("change", { bubbles: true }));
        field("longitude").dispatchEvent(new Event("change", { bubbles: true }));
      }
      if (status) { status.textContent = (status.getAttribute("data-filled-text") || "").replace("%(place)s", place.name); }
    }
    input.addEventListener("change", fill);
  }

  // --- Submit once -------------------------------------------------------------------------------

  function initSubmit(form) {
    form.addEventListener("submit", function (event) {
      if (form.custosSubmitting) { event.preventDefault(); return; }
      form.custosSubmitting = true;
      var button = form.querySelector("[data-submit]");
      if (button) {
        // Disabled after the submit has started: a disabled button would not be sent with the form.
        window.setTimeout(function () {
          button.disabled = true;
          button.textContent = button.getAttribute("data-busy-text") || button.textContent;
        }, 0);
      }
      form.setAttribute("aria-busy", "true");
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("[data-incident-form]");
    if (!form) { return; }
    weaponData = readJson("weapon-search-data", {});
    initWeaponSearch(form);
    Array.prototype.forEach.call(form.querySelectorAll("[data-formset]"), function (container) {
      var button = container.querySelector("[data-formset-add]");
      if (button) {
        button.addEventListener("click", function () {
          var row = addRow(container);
          var first = row && row.querySelector("input:not([type=hidden]), select, textarea");
          if (first) { first.focus(); }
        });
      }
    });
    form.addEventListener("input", function (event) {
      if (event.target && /^sources-\d+-title$/.test(event.target.name || "")) { syncAllSourceOptions(); }
    });
    syncAllSourceOptions();
    initPlaces(form);
    initSubmit(form);
    var errors = form.querySelector("[data-form-errors]");
    if (errors) { errors.focus(); }
  });

  window.CustosIncidentForm = { ensureRows: ensureRows, syncSourceOptions: syncAllSourceOptions };
})();
