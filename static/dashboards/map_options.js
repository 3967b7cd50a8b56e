/* Give Leaflet maps a maximum zoom even without a tile layer (the offline default), as leaflet.markercluster
 * requires one ("Map has no maxZoom specified"). Loaded with defer after common/_map_assets.html: deferred
 * scripts run in order before DOMContentLoaded, when common/map.js creates the maps. Can go once static/common/map.js sets maxZoom on the map itself.
 */
(function () {
  "use strict";
  if (window.L && L.Map && L.Map.mergeOptions) {
    L.Map.mergeOptions({ maxZoom: 18 });
  }
})();
