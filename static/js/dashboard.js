// The dashboard's charts, drawn with the vendored ECharts from the data of <script id="dashboard-data"
// type="application/json"> (Django's json_script: data, not code, so no inline script runs).
(function () {
  "use strict";

  function number(values) {
    return values.map(function (v) { return Number(v); });
  }

  function draw() {
    var source = document.getElementById("dashboard-data");
    if (!source || !window.echarts) return;
    var data = JSON.parse(source.textContent);
    var dark = document.body.classList.contains("screen");
    var text = dark ? "#ffffff" : "#222222";
    var big = dark ? 18 : 12;
    var charts = [];

    var monthly = document.getElementById("chart-monthly");
    if (monthly) {
      var series = [
        { name: "累计计划投资", type: "line", data: number(data.plan) },
        { name: "累计完成投资", type: "bar", data: number(data.completed) }
      ];
      if (data.previous.length) {
        series.push({ name: data.previousLabel, type: "line", lineStyle: { type: "dashed" }, data: number(data.previous) });
      }
      var chart = echarts.init(monthly);
      chart.setOption({
        textStyle: { color: text, fontSize: big },
        tooltip: { trigger: "axis" },
        legend: { textStyle: { color: text, fontSize: big } },
        xAxis: { type: "category", data: data.months, axisLabel: { color: text, fontSize: big } },
        yAxis: { type: "value", name: "万元", axisLabel: { color: text, fontSize: big } },
        series: series
      });
      charts.push(chart);
    }

    var units = document.getElementById("chart-units");
    if (units) {
      var chartUnits = echarts.init(units);
      chartUnits.setOption({
        textStyle: { color: text, fontSize: big },
        tooltip: { trigger: "axis", valueFormatter: function (v) { return v + "%"; } },
        grid: { left: 110 },
        xAxis: { type: "value", name: "%", axisLabel: { color: text, fontSize: big } },
        yAxis: {
          type: "category", inverse: true, axisLabel: { color: text, fontSize: big },
          data: data.units.map(function (u) { return u.name; })
        },
        series: [{ name: "投资完成率", type: "bar", data: number(data.units.map(function (u) { return u.rate; })) }]
      });
      chartUnits.on("click", function (params) {
        var unit = data.units[params.dataIndex];
        if (unit && unit.url) window.location.href = unit.url;
      });
      units.style.height = Math.max(320, data.units.length * 26 + 60) + "px";
      chartUnits.resize();
      charts.push(chartUnits);
    }

    var compare = document.getElementById("chart-compare");
    if (compare && data.compare) {
      var chartCompare = echarts.init(compare);
      chartCompare.setOption({
        textStyle: { color: text, fontSize: big },
        tooltip: { trigger: "axis", valueFormatter: function (v) { return v + "%"; } },
        legend: { textStyle: { color: text, fontSize: big } },
        xAxis: { type: "category", data: ["投资完成率", "开复工率"], axisLabel: { color: text, fontSize: big } },
        yAxis: { type: "value", name: "%", axisLabel: { color: text, fontSize: big } },
        series: data.compare.labels.map(function (label, i) {
          return { name: label, type: "bar", data: [Number(data.compare.rate[i]), Number(data.compare.startRate[i])] };
        })
      });
      charts.push(chartCompare);
    }

    window.addEventListener("resize", function () {
      charts.forEach(function (c) { c.resize(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    draw();
    var full = document.querySelector("[data-fullscreen]");
    if (full) {
      full.addEventListener("click", function () {
        if (document.fullscreenElement) {
          document.exitFullscreen();
        } else if (document.documentElement.requestFullscreen) {
          document.documentElement.requestFullscreen();
        }
      });
    }
  });
})();
