// Charts of the request pages (ranking bars, command-screen panel). Each chart reads a JSON
// block; bars with a url open the requests behind them.
(function () {
  function bar(el, items, color) {
    var chart = echarts.init(el);
    chart.setOption({
      tooltip: { trigger: "axis" },
      grid: { left: 50, right: 10, top: 20, bottom: 70 },
      xAxis: { type: "category", data: items.map(function (i) { return i.name; }),
               axisLabel: { interval: 0, rotate: items.length > 6 ? 40 : 0 } },
      yAxis: { type: "value", max: 100 },
      series: [{ type: "bar", data: items.map(function (i) { return i.value; }),
                 label: { show: items.length <= 12, position: "top" }, itemStyle: { color: color || "#c0392b" } }]
    });
    chart.on("click", function (p) { var i = items[p.dataIndex]; if (i && i.url) { window.location.href = i.url; } });
    el.dataset.ready = "1";
    return chart;
  }
  function trend(el, data) {
    var chart = echarts.init(el);
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { bottom: 0 },
      grid: { left: 40, right: 10, top: 20, bottom: 50 },
      xAxis: { type: "category", data: data.months },
      yAxis: { type: "value" },
      series: [
        { name: "受理", type: "bar", data: data.received, itemStyle: { color: "#c0392b" } },
        { name: "其中已办结", type: "bar", data: data.resolved, itemStyle: { color: "#2fb344" } },
        { name: "超期办结或未办结", type: "line", data: data.late, itemStyle: { color: "#f59f00" } }
      ]
    });
    chart.on("click", function (p) { var url = data.urls[p.dataIndex]; if (url) { window.location.href = url; } });
    el.dataset.ready = "1";
    return chart;
  }
  function start() {
    if (typeof echarts === "undefined") { return; }
    var charts = [];
    var ranking = document.getElementById("ranking-data");
    var el = document.getElementById("ranking-chart");
    if (ranking && el) { charts.push(bar(el, JSON.parse(ranking.textContent))); }
    document.querySelectorAll("[data-requests-panel]").forEach(function (panel) {
      var data = JSON.parse(document.getElementById(panel.dataset.requestsPanel).textContent);
      var t = panel.querySelector(".requests-trend");
      if (t) { charts.push(trend(t, data.trend)); }
      var r = panel.querySelector(".requests-ranking");
      if (r && data.ranking.length) { charts.push(bar(r, data.ranking, "#206bc4")); }
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
