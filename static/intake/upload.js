/* Resumable evidence uploads (tus 1.0 through the vendored tus-js-client), one row per file.
 *
 * Loaded with defer; no inline script (Content-Security-Policy). Reads from the page:
 *   form[data-upload]            data-tus-endpoint (api:tus-create of the case),
 *                                data-status-url-template + data-item-placeholder (intake:item_status);
 *   #upload-row-template         one file's row, its form fields named "__prefix__-<field>";
 *   #upload-texts                the translated messages (json_script).
 * Without tus support (or without script) the page stays the plain multipart form it was rendered as.
 *
 * Resuming: tus-js-client keeps each unfinished upload's URL in localStorage under a fingerprint of the
 * file (name, type, size, last modified, endpoint) and retries dropped requests by itself (retryDelays).
 * After a reload or a closed laptop, adding the same file again finds the stored URL, asks the server
 * for its offset and continues from there. Only the file name is stored with it: a file's description
 * (collector, consent, ...) can identify witnesses and must not be left behind in the browser.
 */
(function () {
  "use strict";

  var POLL_MS = 2000;
  var POLL_ERROR_MS = 10000;
  var CHUNK_BYTES = 5 * 1024 * 1024;
  var RETRY_DELAYS = [0, 1000, 3000, 5000, 10000, 20000, 30000, 60000];
  var ITEM_HEADER = "Custos-Evidence-Item";
  var PARALLEL = 3; // "Upload all" sends this many files at a time; the rest wait their turn

  function format(text, values) {
    return String(text).replace(/%\((\w+)\)s/g, function (match, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : match;
    }).replace(/%%/g, "%");
  }

  function readTexts() {
    var block = document.getElementById("upload-texts");
    try { return block ? JSON.parse(block.textContent) : {}; } catch (error) { return {}; }
  }

  function humanSize(bytes) {
    var language = document.documentElement.lang || undefined;
    var units = ["byte", "kilobyte", "megabyte", "gigabyte", "terabyte"];
    var value = bytes, unit = 0;
    while (value >= 1000 && unit < units.length - 1) { value /= 1000; unit += 1; }
    try {
      return new Intl.NumberFormat(language, {
        style: "unit", unit: units[unit], unitDisplay: "short", maximumFractionDigits: unit ? 1 : 0
      }).format(value);
    } catch (error) {
      return Math.round(value * 10) / 10 + " " + ["B", "kB", "MB", "GB", "TB"][unit];
    }
  }

  function show(elements, visible) {
    Array.prototype.forEach.call(elements, function (element) { element.hidden = !visible; });
  }

  // Stores what resuming needs (the upload's URL) and the file name, never the description.
  function lean(storage) {
    return {
      findAllUploads: function () { return storage.findAllUploads(); },
      findUploadsByFingerprint: function (fingerprint) { return storage.findUploadsByFingerprint(fingerprint); },
      removeUpload: function (key) { return storage.removeUpload(key); },
      addUpload: function (fingerprint, upload) {
        return storage.addUpload(fingerprint, {
          size: upload.size,
          metadata: { filename: (upload.metadata && upload.metadata.filename) || "" },
          creationTime: upload.creationTime,
          uploadUrl: upload.uploadUrl
        });
      }
    };
  }

  function setup(form) {
    if (!window.tus || !window.tus.isSupported) { return; }
    var texts = readTexts();
    var endpoint = new URL(form.getAttribute("data-tus-endpoint"), window.location.href).href;
    var statusTemplate = form.getAttribute("data-status-url-template");
    var placeholder = form.getAttribute("data-item-placeholder");
    var csrfInput = form.querySelector("input[name=csrfmiddlewaretoken]");
    var csrfToken = csrfInput ? csrfInput.value : "";
    var rowTemplate = document.getElementById("upload-row-template");
    var list = form.querySelector("[data-upload-list]");
    var emptyNote = form.querySelector("[data-empty-list]");
    var announce = form.querySelector("[data-announce]");
    var fileInput = form.querySelector("input[type=file]");
    var dropZone = form.querySelector("[data-drop-zone]");
    var submit = form.querySelector("[data-submit]");
    var urlStorage = lean(window.tus.defaultOptions.urlStorage);
    var rows = [];
    var counter = 0;

    form.classList.add("js-upload");
    show(form.querySelectorAll("[data-js-only]"), true);
    show(form.querySelectorAll("[data-no-js]"), false);
    fileInput.required = false;
    fileInput.removeAttribute("aria-invalid");
    if (submit.getAttribute("data-js-label")) { submit.textContent = submit.getAttribute("data-js-label"); }

    function say(text) {
      announce.textContent = "";
      window.setTimeout(function () { announce.textContent = text; }, 50);
    }

    // --- Defaults and metadata -------------------------------------------------------------------

    function defaultControl(name) {
      var control = form.elements.namedItem(name);
      return control && control.closest && !control.closest("[data-upload-row]") ? control : null;
    }

    function copyDefaults(row) {
      row.controls.forEach(function (control) {
        var source = defaultControl(control.fieldName);
        if (!source) { return; }
        if (control.type === "checkbox") { control.checked = source.checked; } else { control.value = source.value; }
      });
    }

    function metadataOf(row) {
      var metadata = { filename: row.file.name, filetype: row.file.type || "application/octet-stream" };
      row.controls.forEach(function (control) {
        var name = control.fieldName, value;
        if (control.type === "checkbox") {
          value = control.checked ? "true" : "false";
        } else if (control.type === "datetime-local") {
          var when = control.value ? new Date(control.value) : null; // the browser's own time zone
          value = when && !isNaN(when.getTime()) ? when.toISOString() : "";
        } else {
          value = control.value.trim();
        }
        if (value !== "") { metadata[name] = value; }
      });
      return metadata;
    }

    // --- Rows -------------------------------------------------------------------------------------

    function setState(row, state, message, isError) {
      row.state = state;
      row.element.setAttribute("data-state", state);
      row.status.textContent = message || "";
      row.error.hidden = !isError;
      row.error.textContent = isError ? message : "";
      if (isError) { row.status.textContent = ""; }
      row.buttons.start.hidden = state !== "queued" && state !== "waiting";
      row.buttons.pause.hidden = state !== "uploading";
      row.buttons.resume.hidden = state !== "paused" && state !== "failed";
      row.buttons.remove.hidden = state === "uploading" || state === "processing" || state === "archived" || state === "processing-failed";
      row.fields.disabled = state !== "queued" && state !== "waiting";
    }

    function setProgress(row, sent, total) {
      var percent = total ? Math.floor((sent / total) * 100) : 100;
      row.progress.value = percent;
      row.progress.textContent = percent + "%";
      row.percent.textContent = percent + "%";
      return percent;
    }

    function addFile(file) {
      counter += 1;
      var prefix = "upload-" + counter;
      var holder = document.createElement("ol");
      holder.innerHTML = rowTemplate.innerHTML.replace(/__prefix__/g, prefix);
      var element = holder.firstElementChild;
      var row = {
        file: file,
        element: element,
        state: "queued",
        upload: null,
        itemId: null,
        status: element.querySelector("[data-status]"),
        error: element.querySelector("[data-error]"),
        progress: element.querySelector("[data-progress]"),
        percent: element.querySelector("[data-percent]"),
        fields: element.querySelector("[data-row-fields]"),
        result: element.querySelector("[data-result]"),
        buttons: {}
      };
      element.querySelector("[data-file-name]").textContent = file.name;
      element.querySelector("[data-file-size]").textContent = "(" + humanSize(file.size) + ")";
      element.querySelector("[data-progress-label]").textContent = format(texts.progress_label, { name: file.name });
      element.querySelector("details").setAttribute("data-testid", "upload-details");
      row.controls = Array.prototype.filter.call(
        row.fields.querySelectorAll("input, select, textarea"),
        function (control) { return control.name && control.name.indexOf(prefix + "-") === 0; }
      );
      row.controls.forEach(function (control) { control.fieldName = control.name.slice(prefix.length + 1); });
      ["start", "pause", "resume", "remove"].forEach(function (action) {
        var button = element.querySelector("[data-action=" + action + "]");
        row.buttons[action] = button;
        button.setAttribute("aria-label", button.textContent + ": " + file.name);
      });
      row.buttons.start.addEventListener("click", function () {
        if (row.state === "waiting") { row.state = "queued"; }
        start(row);
      });
      row.buttons.pause.addEventListener("click", function () { pause(row); });
      row.buttons.resume.addEventListener("click", function () { resume(row); });
      row.buttons.remove.addEventListener("click", function () { remove(row); });
      copyDefaults(row);
      list.appendChild(element);
      rows.push(row);
      emptyNote.hidden = true;
      setState(row, "queued", texts.queued);
      return row;
    }

    function addFiles(files) {
      var added = 0;
      Array.prototype.forEach.call(files || [], function (file) { addFile(file); added += 1; });
      if (added) { say(format(texts.added, { count: added })); }
    }

    function remove(row) {
      if (row.upload && row.state !== "queued") {
        // Abandon it on the server too (tus termination) and forget its stored URL.
        row.upload.abort(true).catch(function () { /* already gone or offline: it expires on the server */ });
      }
      rows.splice(rows.indexOf(row), 1);
      pump();
      row.element.parentNode.removeChild(row.element);
      emptyNote.hidden = rows.length > 0;
      fileInput.focus();
    }

    // --- Uploading --------------------------------------------------------------------------------

    function reasonOf(error) {
      var response = error && error.originalResponse;
      var body = response ? response.getBody() : "";
      if (body && body.length < 500) { return body; }
      return (error && error.message) || texts.unknown_error;
    }

    function active() {
      return rows.filter(function (row) { return row.state === "starting" || row.state === "uploading"; }).length;
    }

    function pump() {
      rows.forEach(function (row) {
        if (row.state === "waiting" && active() < PARALLEL) { row.state = "queued"; start(row); }
      });
    }

    function enqueue(row) {
      if (row.state !== "queued") { return; }
      setState(row, "waiting", texts.waiting);
    }

    function start(row) {
      if (row.state !== "queued") { return; }
      setState(row, "starting", texts.starting);
      var upload = new window.tus.Upload(row.file, {
        endpoint: endpoint,
        chunkSize: CHUNK_BYTES,
        retryDelays: RETRY_DELAYS,
        metadata: metadataOf(row),
        headers: { "X-CSRFToken": csrfToken },
        urlStorage: urlStorage,
        storeFingerprintForResuming: true,
        removeFingerprintOnSuccess: true,
        onProgress: function (sent, total) {
          var percent = setProgress(row, sent, total);
          if (row.state !== "paused") {
            setState(row, "uploading", format(texts.uploading, { percent: percent, sent: humanSize(sent), total: humanSize(total) }));
          }
        },
        onShouldRetry: function (error, attempt, options) {
          var status = error.originalResponse ? error.originalResponse.getStatus() : 0;
          var retry = !status || status === 409 || status === 423 || status >= 500;
          if (retry) { row.status.textContent = navigator.onLine === false ? texts.offline : texts.retrying; }
          return retry;
        },
        onAfterResponse: function (request, response) {
          var item = response.getHeader(ITEM_HEADER);
          if (item) { row.itemId = item; }
        },
        onError: function (error) {
          setState(row, "failed", format(texts.failed, { reason: reasonOf(error) }), true);
          say(row.file.name + ": " + row.error.textContent);
          pump();
        },
        onSuccess: function (payload) {
          var response = payload && payload.lastResponse;
          row.itemId = (response && response.getHeader(ITEM_HEADER)) || row.itemId;
          setProgress(row, 1, 1);
          finished(row);
          pump();
        }
      });
      row.upload = upload;
      upload.findPreviousUploads().then(function (previous) {
        if (previous.length) {
          upload.resumeFromPreviousUpload(previous[0]);
          row.status.textContent = texts.resuming_earlier;
        }
        upload.start();
      });
    }

    function pause(row) {
      if (!row.upload || row.state !== "uploading") { return; }
      row.upload.abort();
      setState(row, "paused", format(texts.paused, { percent: row.progress.value }));
      row.buttons.resume.focus();
      pump();
    }

    function resume(row) {
      if (!row.upload || (row.state !== "paused" && row.state !== "failed")) { return; }
      setState(row, "uploading", texts.starting);
      row.upload.start();
    }

    // --- After the upload: processing status --------------------------------------------------------

    function finished(row) {
      setState(row, "processing", format(texts.processing, { status: "…" }));
      if (!row.itemId) {
        row.status.textContent = texts.status_unavailable;
        return;
      }
      poll(row);
    }

    function poll(row) {
      var request = new XMLHttpRequest();
      request.open("GET", statusTemplate.replace(placeholder, row.itemId));
      request.setRequestHeader("Accept", "application/json");
      request.onload = function () {
        if (request.status === 401) { row.status.textContent = texts.signed_out; return; }
        var state = null;
        try { state = request.status === 200 ? JSON.parse(request.responseText) : null; } catch (error) { state = null; }
        if (!state) { row.status.textContent = texts.status_unavailable; return; }
        showItem(row, state);
        if (!state.finished) { window.setTimeout(function () { poll(row); }, POLL_MS); }
      };
      request.onerror = function () { window.setTimeout(function () { poll(row); }, POLL_ERROR_MS); };
      request.send();
    }

    function showItem(row, state) {
      var link = row.element.querySelector("[data-item-link]");
      link.href = state.url;
      link.textContent = format(texts.open_item, { reference: state.reference });
      row.result.hidden = false;
      if (state.processing_status === "archived") {
        setState(row, "archived", texts.archived);
        row.element.querySelector("[data-sha256]").textContent = state.sha256;
        row.element.querySelector("[data-hash]").hidden = false;
        say(row.file.name + ": " + texts.archived);
      } else if (state.processing_status === "failed") {
        setState(row, "processing-failed", format(texts.processing_failed, { reason: state.error }), true);
      } else {
        setState(row, "processing", format(texts.processing, { status: state.processing_status_display }));
      }
    }

    // --- Unfinished uploads of earlier visits ------------------------------------------------------

    function showUnfinished() {
      var box = form.querySelector("[data-unfinished]");
      var ul = form.querySelector("[data-unfinished-list]");
      urlStorage.findAllUploads().then(function (uploads) {
        var mine = uploads.filter(function (upload) {
          return upload.urlStorageKey && upload.urlStorageKey.indexOf(endpoint) !== -1;
        });
        ul.textContent = "";
        mine.forEach(function (upload) {
          var li = document.createElement("li");
          var name = (upload.metadata && upload.metadata.filename) || "?";
          var when = upload.creationTime ? new Date(upload.creationTime) : null;
          li.appendChild(document.createTextNode(format(texts.unfinished, {
            name: name,
            size: humanSize(upload.size || 0),
            when: when && !isNaN(when.getTime()) ? when.toLocaleString(document.documentElement.lang || undefined) : "?"
          }) + " "));
          var forget = document.createElement("button");
          forget.type = "button";
          forget.textContent = texts.forget;
          forget.setAttribute("aria-label", texts.forget + ": " + name);
          forget.addEventListener("click", function () {
            var done = function () {
              urlStorage.removeUpload(upload.urlStorageKey).then(function () {
                say(format(texts.forgotten, { name: name }));
                showUnfinished();
              });
            };
            window.tus.Upload.terminate(upload.uploadUrl, { headers: { "X-CSRFToken": csrfToken } }).then(done, done);
          });
          li.appendChild(forget);
          ul.appendChild(li);
        });
        box.hidden = mine.length === 0;
      });
    }

    // --- Events ------------------------------------------------------------------------------------

    fileInput.addEventListener("change", function () {
      addFiles(fileInput.files);
      fileInput.value = "";
    });
    ["dragenter", "dragover"].forEach(function (type) {
      dropZone.addEventListener(type, function (event) {
        event.preventDefault();
        dropZone.classList.add("drop-active");
      });
    });
    ["dragleave", "drop"].forEach(function (type) {
      dropZone.addEventListener(type, function () { dropZone.classList.remove("drop-active"); });
    });
    dropZone.addEventListener("drop", function (event) {
      event.preventDefault();
      if (event.dataTransfer) { addFiles(event.dataTransfer.files); }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var queued = rows.filter(function (row) { return row.state === "queued"; });
      if (!rows.length) { say(texts.no_files); fileInput.focus(); return; }
      queued.forEach(enqueue);
      pump();
    });
    form.querySelector("[data-apply-defaults]").addEventListener("click", function () {
      rows.forEach(function (row) { if (row.state === "queued") { copyDefaults(row); } });
    });
    window.addEventListener("online", function () {
      rows.forEach(function (row) { if (row.state === "failed") { resume(row); } });
    });
    showUnfinished();
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-upload]"), setup);
  });
})();
