/* The dashboard's charts (ECharts, served locally): the weekly trend and the categories. The
   figures come from the page (json_script), so the charts show exactly what the tables say;
   without JavaScript the tables beside them carry the same numbers. */
(function () {
  "use strict";
  if (!window.echarts) { return; }
  function data(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }
  var palette = ["#0d6efd", "#198754", "#dc3545", "#6c757d"];
  // The wall screen is dark: light text on its axes and legend.
  var dark = document.body.classList.contains("command-screen");
  var text = dark ? { color: "#c9d6e4", fontSize: 14 } : {};
  var trend = data("board-trend");
  var trendNode = document.querySelector("[data-chart='trend']");
  if (trend && trendNode) {
    var chart = echarts.init(trendNode, null, { renderer: "svg" });
    chart.setOption({
      color: palette,
      tooltip: { trigger: "axis" },
      textStyle: text,
      legend: { bottom: 0, textStyle: text },
      grid: { left: 32, right: 12, top: 12, bottom: 36 },
      xAxis: { type: "category", data: trend.weeks },
      yAxis: { type: "value", minInterval: 1 },
      series: trend.series.map(function (line) {
        return { name: line.name, type: "line", smooth: true, data: line.values };
      })
    });
    window.addEventListener("resize", function () { chart.resize(); });
    trendNode.closest("section").classList.add("is-charted");
  }
  var categories = data("board-categories");
  var categoryNode = document.querySelector("[data-chart='categories']");
  if (categories && categoryNode) {
    var bars = echarts.init(categoryNode, null, { renderer: "svg" });
    bars.setOption({
      color: palette,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: categories.labels, inverse: true },
      series: [{ type: "bar", data: categories.values, barMaxWidth: 18 }]
    });
    window.addEventListener("resize", function () { bars.resize(); });
  }
  // The map (Leaflet, no tiles from outside: the shapes alone): a street's grids, or the units
  // below a district or a city (each the outlines of its communities' grids), coloured by
  // their cases: red with an overdue one, amber with open ones, green otherwise. A click opens
  // the grid's page or the unit's dashboard; units carry their names on the map.
  var shapes = data("board-map");
  var mapNode = document.querySelector("[data-map]");
  if (shapes && mapNode && window.L) {
    var units = mapNode.getAttribute("data-map") === "units";
    var openLabel = mapNode.getAttribute("data-open-label") || "";
    var overdueLabel = mapNode.getAttribute("data-overdue-label") || "";
    var map = L.map(mapNode, { attributionControl: false, zoomSnap: 0.25 });
    var layer = L.geoJSON({ type: "FeatureCollection", features: shapes }, {
      style: function (feature) {
        var p = feature.properties;
        var colour = p.overdue ? "#dc3545" : (p.open ? "#fd7e14" : "#198754");
        return {
          color: units ? (dark ? "#0b1524" : "#ffffff") : colour,
          weight: units ? 1.5 : 1,
          fillColor: colour,
          fillOpacity: (p.open ? 0.5 : 0.25) + (dark ? 0.25 : 0)
        };
      },
      onEachFeature: function (feature, shape) {
        var p = feature.properties;
        // Names are text, never markup: the label is built from text nodes.
        var label = document.createElement("div");
        var name = document.createElement("strong");
        name.textContent = p.name;
        label.appendChild(name);
        label.appendChild(document.createElement("br"));
        label.appendChild(document.createTextNode(
          openLabel + " " + p.open + " · " + overdueLabel + " " + p.overdue
        ));
        if (units) {
          // Named in the middle of all its pieces (a unit is the outlines of its communities).
          L.tooltip({ permanent: true, direction: "center", className: "map-label" })
            .setLatLng(shape.getBounds().getCenter()).setContent(label).addTo(map);
        } else {
          shape.bindTooltip(label, { sticky: true });
        }
        shape.on("click", function () { window.location.href = p.href; });
      }
    }).addTo(map);
    map.fitBounds(layer.getBounds(), { padding: [8, 8] });
    window.addEventListener("resize", function () { map.invalidateSize(); });
  }
})();
