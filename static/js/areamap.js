/* Areas coloured by class, drawn as SVG without tiles (templates/referrals/_area_map.html).
 *
 * <div class="areamap" data-map="ID1" data-legend="ID2">: ID1 is a json_script block holding
 * {boundaries: [URL per admin level], areas: [{p: P-code, n: name, c: class, t: text,
 * u: link or null}]}, in the order of the page's table. The boundaries are GeoJSON
 * FeatureCollections (properties.pcode only) served once and kept by the browser
 * (geography.boundaries); the page carries only the figures. ID2 is the legend list, whose
 * swatches (class "scale-<c>", attribute data-class) give the colours, so that the palette
 * lives in the stylesheet only.
 *
 * Keyboard: the map is one tab stop; the arrow keys move from one area to the next (in the
 * table's order), Home and End go to the first and last, Enter follows the area's link. The
 * focused or hovered area is outlined and its figure written under the map. Buttons after the
 * map zoom in (on the area last focused, or the middle), out, and back to the whole map; a
 * zoomed map is moved by dragging, and follows the keyboard focus.
 */
(function () {
  "use strict";

  var SVG = "http://www.w3.org/2000/svg";
  var fetched = {};

  function readJSON(id) {
    var element = id && document.getElementById(id);
    if (!element) return null;
    try {
      return JSON.parse(element.textContent);
    } catch (error) {
      return null;
    }
  }

  function load(url) {
    if (!fetched[url]) {
      fetched[url] = fetch(url, { credentials: "same-origin" }).then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      });
    }
    return fetched[url];
  }

  function palette(legend) {
    var colours = {};
    if (!legend) return colours;
    legend.querySelectorAll(".swatch[data-class]").forEach(function (swatch) {
      colours[swatch.getAttribute("data-class")] = window.getComputedStyle(swatch).backgroundColor;
    });
    return colours;
  }

  function polygons(geometry) {
    if (!geometry) return [];
    if (geometry.type === "Polygon") return [geometry.coordinates];
    if (geometry.type === "MultiPolygon") return geometry.coordinates;
    return [];
  }

  /* Equirectangular projection, longitudes shrunk by the cosine of the middle latitude. */
  function projection(shapes) {
    var box = [Infinity, Infinity, -Infinity, -Infinity];
    shapes.forEach(function (shape) {
      polygons(shape.geometry).forEach(function (polygon) {
        polygon[0].forEach(function (point) {
          box[0] = Math.min(box[0], point[0]);
          box[1] = Math.min(box[1], point[1]);
          box[2] = Math.max(box[2], point[0]);
          box[3] = Math.max(box[3], point[1]);
        });
      });
    });
    var k = Math.cos((((box[1] + box[3]) / 2) * Math.PI) / 180);
    var scale = 100;
    return {
      x: function (lon) { return ((lon - box[0]) * k * scale).toFixed(1); },
      y: function (lat) { return ((box[3] - lat) * scale).toFixed(1); },
      width: (box[2] - box[0]) * k * scale,
      height: (box[3] - box[1]) * scale,
    };
  }

  function pathData(geometry, project) {
    var parts = [];
    polygons(geometry).forEach(function (polygon) {
      polygon.forEach(function (ring) {
        parts.push(
          "M" +
            ring
              .map(function (point) { return project.x(point[0]) + " " + project.y(point[1]); })
              .join("L") +
            "Z"
        );
      });
    });
    return parts.join("");
  }

  function label(area) {
    return area.t ? area.n + ": " + area.t : area.n;
  }

  function draw(element, data, documents) {
    var byCode = {};
    data.areas.forEach(function (area) { byCode[area.p] = area; });
    var shapes = [];
    documents.forEach(function (collection) {
      (collection.features || []).forEach(function (feature) {
        var code = feature.properties && feature.properties.pcode;
        if (byCode[code]) shapes.push({ area: byCode[code], geometry: feature.geometry });
      });
    });
    if (!shapes.length) return;
    var project = projection(shapes);
    var pad = Math.max(project.width, project.height) * 0.02;
    var colours = palette(document.getElementById(element.getAttribute("data-legend")));
    var info = document.getElementById(element.id + "-info");

    var svg = document.createElementNS(SVG, "svg");
    var whole = { x: -pad, y: -pad, w: project.width + 2 * pad, h: project.height + 2 * pad };
    var view = whole;
    svg.setAttribute("viewBox", [whole.x, whole.y, whole.w, whole.h].join(" "));
    svg.setAttribute("preserveAspectRatio", "xMidYMid meet");
    svg.setAttribute("role", "group");
    svg.setAttribute("aria-label", element.getAttribute("data-label") || "");
    svg.setAttribute("aria-describedby", element.id + "-keys");
    var keys = document.createElement("p");
    keys.id = element.id + "-keys";
    keys.className = "visually-hidden";
    keys.textContent = element.getAttribute("data-keys") || "";

    var paths = {};
    shapes.forEach(function (shape) {
      var path = document.createElementNS(SVG, "path");
      path.setAttribute("d", pathData(shape.geometry, project));
      path.setAttribute("fill", colours[shape.area.c] || colours.none || "#d7dce3");
      path.setAttribute("class", "areamap-shape");
      path.setAttribute("data-pcode", shape.area.p);
      svg.appendChild(path);
      paths[shape.area.p] = path;
    });
    /* The outline of the chosen area, drawn over every shape: a light halo under a dark line,
       visible on every fill colour. */
    var halo = document.createElementNS(SVG, "path");
    halo.setAttribute("class", "areamap-halo");
    var outline = document.createElementNS(SVG, "path");
    outline.setAttribute("class", "areamap-outline");
    svg.appendChild(halo);
    svg.appendChild(outline);

    /* Keyboard order: the table's order, one tab stop (roving tabindex). */
    var order = data.areas.filter(function (area) { return paths[area.p]; });
    order.forEach(function (area, index) {
      var path = paths[area.p];
      path.setAttribute("tabindex", index === 0 ? "0" : "-1");
      path.setAttribute("role", area.u ? "link" : "img");
      path.setAttribute("aria-label", label(area));
    });

    /* Zoom (buttons, up to 16 times) and pan (drag) by moving the viewBox. */
    var pointed = null; /* the area last focused: zooming in centres on it */
    var tools = document.createElement("div");
    tools.className = "areamap-tools";
    function button(text, name, action) {
      var b = document.createElement("button");
      b.type = "button";
      b.textContent = text;
      b.setAttribute("aria-label", name);
      b.title = name;
      b.addEventListener("click", action);
      tools.appendChild(b);
      return b;
    }
    function centre(box) { return { x: box.x + box.w / 2, y: box.y + box.h / 2 }; }
    function boxOf(area) {
      var b = paths[area.p].getBBox();
      return { x: b.x, y: b.y, w: b.width, h: b.height };
    }
    function setView(next) {
      var w = Math.min(whole.w, Math.max(whole.w / 16, next.w));
      var h = (w * whole.h) / whole.w;
      var x = Math.min(Math.max(next.x, whole.x), whole.x + whole.w - w);
      var y = Math.min(Math.max(next.y, whole.y), whole.y + whole.h - h);
      view = { x: x, y: y, w: w, h: h };
      svg.setAttribute("viewBox", [x, y, w, h].join(" "));
      var zoomed = w < whole.w;
      element.classList.toggle("areamap-zoomed", zoomed);
      zoomOut.disabled = wholeMap.disabled = !zoomed;
      zoomIn.disabled = w <= whole.w / 16;
    }
    function zoomAround(point, factor) {
      var w = view.w * factor;
      var h = view.h * factor;
      setView({ x: point.x - w / 2, y: point.y - h / 2, w: w, h: h });
    }
    var zoomIn = button("+", element.getAttribute("data-zoom-in") || "+", function () {
      zoomAround(centre(pointed ? boxOf(pointed) : view), 0.5);
    });
    var zoomOut = button("\u2212", element.getAttribute("data-zoom-out") || "-", function () {
      zoomAround(centre(view), 2);
    });
    var wholeMap = button("\u2922", element.getAttribute("data-zoom-all") || "0", function () {
      setView(whole);
    });

    var drag = null;
    var dragged = false;
    svg.addEventListener("pointerdown", function (event) {
      dragged = false;
      if (view.w < whole.w) drag = { x: event.clientX, y: event.clientY, from: view, id: event.pointerId };
    });
    svg.addEventListener("pointermove", function (event) {
      if (!drag) return;
      var rect = svg.getBoundingClientRect();
      var k = Math.max(view.w / rect.width, view.h / rect.height);
      var dx = event.clientX - drag.x;
      var dy = event.clientY - drag.y;
      if (!dragged && Math.abs(dx) + Math.abs(dy) > 4) {
        dragged = true;
        svg.setPointerCapture(drag.id);
      }
      if (dragged) {
        setView({ x: drag.from.x - dx * k, y: drag.from.y - dy * k, w: drag.from.w, h: drag.from.h });
      }
    });
    function release() { drag = null; }
    svg.addEventListener("pointerup", release);
    svg.addEventListener("pointercancel", release);

    function show(area) {
      var d = area ? paths[area.p].getAttribute("d") : "";
      halo.setAttribute("d", d);
      outline.setAttribute("d", d);
      if (info) {
        info.textContent = area ? label(area) : "";
        info.hidden = !area;
      }
    }

    function focusAt(index) {
      var area = order[(index + order.length) % order.length];
      order.forEach(function (other) { paths[other.p].setAttribute("tabindex", "-1"); });
      paths[area.p].setAttribute("tabindex", "0");
      paths[area.p].focus();
    }

    order.forEach(function (area, index) {
      var path = paths[area.p];
      path.addEventListener("focus", function () {
        pointed = area;
        show(area);
        var box = boxOf(area);
        var c = centre(box);
        if (c.x < view.x || c.x > view.x + view.w || c.y < view.y || c.y > view.y + view.h) {
          setView({ x: c.x - view.w / 2, y: c.y - view.h / 2, w: view.w, h: view.h });
        }
      });
      path.addEventListener("blur", function () { show(null); });
      path.addEventListener("mouseenter", function () { show(area); });
      path.addEventListener("mouseleave", function () {
        show(document.activeElement === path ? area : null);
      });
      if (area.u) {
        path.addEventListener("click", function () {
          if (!dragged) window.location.assign(area.u);
        });
      }
      path.addEventListener("keydown", function (event) {
        var moves = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };
        if (event.key in moves) {
          focusAt(index + moves[event.key]);
        } else if (event.key === "Home") {
          focusAt(0);
        } else if (event.key === "End") {
          focusAt(order.length - 1);
        } else if (event.key === "Enter" && area.u) {
          window.location.assign(area.u);
        } else {
          return;
        }
        event.preventDefault();
      });
    });

    element.appendChild(svg);
    element.appendChild(keys);
    element.appendChild(tools); /* after the shapes in the tab order, drawn over the map */
    setView(whole);
    element.classList.add("areamap-drawn");
  }

  function start() {
    if (typeof fetch === "undefined" || typeof Promise === "undefined") return;
    document.querySelectorAll(".areamap[data-map]").forEach(function (element) {
      var data = readJSON(element.getAttribute("data-map"));
      if (!data || !data.boundaries || !data.areas) return;
      element.classList.add("areamap-pending"); /* keep the map's place while it loads */
      Promise.all(data.boundaries.map(load))
        .then(function (documents) { draw(element, data, documents); })
        .catch(function () { /* the table below the map gives the same figures */ })
        .then(function () { element.classList.remove("areamap-pending"); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
