/*
 * Custos maps: Leaflet (vendored), with or without tiles.
 *
 * Markup (no inline script: the CSP forbids it):
 *   <div class="map" data-map
 *        data-tile-url="{{ map_settings.tile_url }}" data-tile-attribution="…"
 *        data-boundaries-url="{{ map_settings.boundaries_url }}"
 *        data-points="points-json-id"        (optional: id of a json_script block, see below)
 *        data-cluster                          (optional: cluster the points; needs leaflet.markercluster)
 *        data-picker data-lat-input="id_latitude" data-lon-input="id_longitude"  (optional: pick a point)
 *        data-no-tiles-text="…" data-coordinates-label="…"></div>
 *
 * Points are [{lat, lon, label, url?, kind?}] in a <script type="application/json"> block
 * (Django's json_script filter). With no tile URL, or when tiles fail to load (offline), the map
 * still shows the points, the boundaries if a GeoJSON file is configured, a grid of degrees and
 * the coordinates under the pointer, and says that tiles are unavailable.
 */
(function () {
  "use strict";

  var UKRAINE = [[44.0, 22.0], [52.5, 40.5]];

  function readPoints(element) {
    var id = element.getAttribute("data-points");
    if (!id) { return []; }
    var block = document.getElementById(id);
    if (!block) { return []; }
    try { return JSON.parse(block.textContent) || []; } catch (error) { return []; }
  }

  function showNoTilesNotice(map, element) {
    if (element.classList.contains("map-offline")) { return; }
    element.classList.add("map-offline");
    var Notice = L.Control.extend({
      onAdd: function () {
        var box = L.DomUtil.create("div", "map-notice");
        box.textContent = element.getAttribute("data-no-tiles-text") || "Map tiles unavailable: points and coordinates only.";
        box.setAttribute("role", "status");
        return box;
      }
    });
    new Notice({ position: "bottomleft" }).addTo(map);
    drawGraticule(map);
  }

  function drawGraticule(map) {
    var lines = [];
    for (var lat = -80; lat <= 80; lat += 1) { lines.push([[lat, -180], [lat, 180]]); }
    for (var lon = -180; lon <= 180; lon += 1) { lines.push([[-85, lon], [85, lon]]); }
    L.polyline(lines, { className: "map-graticule", interactive: false, weight: 1 }).addTo(map);
  }

  function addCoordinates(map, element) {
    var Coordinates = L.Control.extend({
      onAdd: function () {
        var box = L.DomUtil.create("div", "map-coordinates");
        box.setAttribute("aria-live", "off");
        box.textContent = element.getAttribute("data-coordinates-label") || "Coordinates";
        map.on("mousemove", function (event) {
          box.textContent = event.latlng.lat.toFixed(5) + ", " + event.latlng.lng.toFixed(5);
        });
        return box;
      }
    });
    new Coordinates({ position: "bottomright" }).addTo(map);
  }

  function addBoundaries(map, url) {
    if (!url || !window.fetch) { return; }
    fetch(url, { credentials: "same-origin" }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (geojson) {
      if (geojson) { L.geoJSON(geojson, { className: "map-boundary", interactive: false }).addTo(map); }
    }).catch(function () { /* boundaries are optional */ });
  }

  function addPoints(map, element, points) {
    var layer = element.hasAttribute("data-cluster") && L.markerClusterGroup ? L.markerClusterGroup() : L.featureGroup();
    points.forEach(function (point) {
      if (point.lat === null || point.lon === null || point.lat === undefined) { return; }
      var marker = L.circleMarker([point.lat, point.lon], { radius: 7, className: "map-point " + (point.kind || "") });
      var popup = document.createElement("div");
      if (point.url) {
        var link = document.createElement("a");
        link.href = point.url;
        link.textContent = point.label || point.url;
        popup.appendChild(link);
      } else {
        popup.textContent = point.label || "";
      }
      var where = document.createElement("div");
      where.className = "map-popup-coordinates";
      where.textContent = Number(point.lat).toFixed(5) + ", " + Number(point.lon).toFixed(5);
      popup.appendChild(where);
      marker.bindPopup(popup);
      marker.bindTooltip(point.label || "");
      layer.addLayer(marker);
    });
    layer.addTo(map);
    return layer;
  }

  function addPicker(map, element) {
    var latInput = document.getElementById(element.getAttribute("data-lat-input"));
    var lonInput = document.getElementById(element.getAttribute("data-lon-input"));
    if (!latInput || !lonInput) { return; }
    var marker = null;

    function place(latlng, pan) {
      if (!marker) {
        marker = L.marker(latlng, { draggable: true, keyboard: true, title: element.getAttribute("data-marker-title") || "" });
        marker.on("dragend", function () { write(marker.getLatLng()); });
        marker.addTo(map);
      } else {
        marker.setLatLng(latlng);
      }
      if (pan) { map.setView(latlng, Math.max(map.getZoom(), 11)); }
    }

    function write(latlng) {
      latInput.value = latlng.lat.toFixed(6);
      lonInput.value = latlng.lng.toFixed(6);
      latInput.dispatchEvent(new Event("change", { bubbles: true }));
      lonInput.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function readInputs() {
      var lat = parseFloat(latInput.value), lon = parseFloat(lonInput.value);
      if (isFinite(lat) && isFinite(lon) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180) {
        place([lat, lon], true);
      }
    }

    map.on("click", function (event) { place(event.latlng, false); write(event.latlng); });
    latInput.addEventListener("change", readInputs);
    lonInput.addEventListener("change", readInputs);
    readInputs();
    element.custosPlace = function (lat, lon) { place([lat, lon], true); write(L.latLng(lat, lon)); };
  }

  function create(element) {
    if (!window.L || element.custosMap) { return null; }
    // maxZoom on the map itself: without a tile layer Leaflet has none, and clustering needs one.
    var map = L.map(element, { scrollWheelZoom: false, keyboard: true, maxZoom: 18 });
    element.custosMap = map;
    map.fitBounds(UKRAINE);
    var tileUrl = element.getAttribute("data-tile-url");
    if (tileUrl) {
      var failures = 0;
      var tiles = L.tileLayer(tileUrl, { attribution: element.getAttribute("data-tile-attribution") || "", maxZoom: 18 });
      tiles.on("tileerror", function () { failures += 1; if (failures >= 4) { showNoTilesNotice(map, element); } });
      tiles.addTo(map);
    } else {
      showNoTilesNotice(map, element);
    }
    addCoordinates(map, element);
    addBoundaries(map, element.getAttribute("data-boundaries-url"));
    var points = readPoints(element);
    var layer = addPoints(map, element, points);
    if (layer.getLayers().length === 1) {
      map.setView(layer.getLayers()[0].getLatLng ? layer.getLayers()[0].getLatLng() : UKRAINE[0], 12);
    } else if (layer.getLayers().length > 1 && layer.getBounds().isValid()) {
      map.fitBounds(layer.getBounds().pad(0.2));
    }
    if (element.hasAttribute("data-picker")) { addPicker(map, element); }
    return map;
  }

  window.CustosMap = { create: create };
  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-map]"), create);
  });
})();
