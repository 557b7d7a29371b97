// Draws the dashboard's charts from the JSON block the page carries (no request of its own). Every chart has
// its table and Excel download next to it, so nothing is only in a picture.
(function () {
  "use strict";
  var node = document.getElementById("chart-data");
  if (!node || typeof echarts === "undefined") return;
  var data = JSON.parse(node.textContent);
  var L = data.labels;
  var charts = [];
  function draw(id, option) {
    var el = document.getElementById(id);
    if (!el) return;
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption(Object.assign({ animation: false, tooltip: { trigger: "item" } }, option));
    charts.push(chart);
  }
  var c = data.children;
  draw("chart-children", {
    tooltip: { trigger: "axis" },
    legend: { top: 0, data: [L.poor, L.incidence] },
    grid: { top: 50, left: 60, right: 60, bottom: 80 },
    xAxis: { type: "category", data: c.names, axisLabel: { rotate: c.names.length > 8 ? 45 : 0 } },
    yAxis: [{ type: "value", name: L.persons }, { type: "value", name: "%" }],
    series: [
      { name: L.poor, type: "bar", data: c.poor },
      { name: L.incidence, type: "line", yAxisIndex: 1, data: c.incidence, connectNulls: false },
    ],
  });
  draw("chart-causes", { series: [{ type: "pie", radius: ["35%", "70%"], data: data.causes }] });
  draw("chart-attributes", { series: [{ type: "pie", radius: "65%", data: data.attributes }] });
  var d = data.deprivations;
  draw("chart-deprivations", {
    tooltip: { trigger: "axis" },
    legend: { top: 0, data: [L.deprived, L.multidimensional] },
    grid: { top: 50, left: 60, right: 20, bottom: 40 },
    xAxis: { type: "category", data: d.names },
    yAxis: { type: "value", name: L.persons },
    series: [
      { name: L.deprived, type: "bar", data: d.deprived },
      { name: L.multidimensional, type: "bar", data: d.poor },
    ],
  });
  var t = data.trend;
  draw("chart-trend", {
    tooltip: { trigger: "axis" },
    legend: { top: 0, data: [L.poor, L.fgt0] },
    grid: { top: 50, left: 60, right: 60, bottom: 40 },
    xAxis: { type: "category", data: t.years },
    yAxis: [{ type: "value", name: L.persons }, { type: "value", name: "%" }],
    series: [
      { name: L.poor, type: "line", data: t.poor },
      { name: L.fgt0, type: "line", yAxisIndex: 1, data: t.fgt0 },
    ],
  });
  window.addEventListener("resize", function () { charts.forEach(function (ch) { ch.resize(); }); });
  document.body.dataset.chartsDrawn = String(charts.length);
})();
