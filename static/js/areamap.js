/* Areas coloured by class on a Leaflet map, without tiles (templates/referrals/_area_map.html).
 *
 * <div class="areamap" data-features="ID1" data-values="ID2" data-legend="ID3">: ID1 is a
 * json_script block holding a GeoJSON FeatureCollection whose features carry properties.pcode
 * and properties.name; ID2 maps a P-code to {c: class, t: text for the tooltip, u: link or null};
 * ID3 is the legend list, whose swatches (class "scale-<c>", attribute data-class) give the
 * colours, so that the palette lives in the stylesheet only.
 */
(function () {
  "use strict";

  function readJSON(id) {
    var element = id && document.getElementById(id);
    if (!element) return null;
    try {
      return JSON.parse(element.textContent);
    } catch (error) {
      return null;
    }
  }

  function palette(legend) {
    var colours = {};
    if (!legend) return colours;
    legend.querySelectorAll(".swatch[data-class]").forEach(function (swatch) {
      colours[swatch.getAttribute("data-class")] = window.getComputedStyle(swatch).backgroundColor;
    });
    return colours;
  }

  function tooltip(name, text) {
    var box = document.createElement("span");
    var strong = document.createElement("strong");
    strong.textContent = name;
    box.appendChild(strong);
    if (text) box.appendChild(document.createTextNode(": " + text));
    return box;
  }

  function draw(element) {
    var features = readJSON(element.getAttribute("data-features"));
    var values = readJSON(element.getAttribute("data-values")) || {};
    if (typeof L === "undefined" || !features || !features.features || !features.features.length) {
      return;
    }
    var colours = palette(document.getElementById(element.getAttribute("data-legend")));
    var map = L.map(element, {
      attributionControl: false,
      zoomSnap: 0.25,
      scrollWheelZoom: false,
    });
    var layer = L.geoJSON(features, {
      style: function (feature) {
        var value = values[feature.properties.pcode] || {};
        return {
          color: "#4a5563",
          weight: 1,
          fillColor: colours[value.c] || colours.none || "#d7dce3",
          fillOpacity: 0.85,
        };
      },
      onEachFeature: function (feature, shape) {
        var value = values[feature.properties.pcode] || {};
        shape.bindTooltip(tooltip(feature.properties.name, value.t), { sticky: true });
        if (value.u) {
          shape.on("click", function () {
            window.location.assign(value.u);
          });
        }
        shape.on("mouseover", function () {
          shape.setStyle({ weight: 3 });
        });
        shape.on("mouseout", function () {
          shape.setStyle({ weight: 1 });
        });
      },
    }).addTo(map);
    map.fitBounds(layer.getBounds(), { padding: [8, 8] });
  }

  function start() {
    document.querySelectorAll(".areamap[data-features]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
