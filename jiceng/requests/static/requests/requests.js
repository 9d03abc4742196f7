// Charts of the request pages (ranking bars, command-screen panel). Each chart reads a JSON
// block; bars with a url open the requests behind them.
(function () {
  function bar(el, items, color) {
    var chart = echarts.init(el);
    chart.setOption({
      textStyle: { fontFamily: getComputedStyle(document.body).fontFamily },
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
      textStyle: { fontFamily: getComputedStyle(document.body).fontFamily },
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
  function panel(el) {
    if (!el || el.dataset.ready || typeof echarts === "undefined") { return []; }
    var data = JSON.parse(document.getElementById(el.dataset.requestsPanel).textContent);
    var out = [];
    var t = el.querySelector(".requests-trend");
    if (t) { out.push(trend(t, data.trend)); }
    var r = el.querySelector(".requests-ranking");
    if (r && data.ranking.length) { out.push(bar(r, data.ranking, "#206bc4")); }
    el.dataset.ready = "1";
    return out;
  }
  var charts = [];
  // The command-screen card's body arrives later (htmx): draw it when it lands. No inline
  // script does this, so the Content-Security-Policy can forbid inline scripts.
  document.addEventListener("htmx:load", function (e) {
    var root = e.detail && e.detail.elt;
    if (!root || !root.querySelectorAll) { return; }
    var found = Array.prototype.slice.call(root.querySelectorAll("[data-requests-panel]"));
    if (root.matches && root.matches("[data-requests-panel]")) { found.push(root); }
    found.forEach(function (p) { charts = charts.concat(panel(p)); });
  });
  function start() {
    if (typeof echarts === "undefined") { return; }
    var ranking = document.getElementById("ranking-data");
    var el = document.getElementById("ranking-chart");
    if (ranking && el) { charts.push(bar(el, JSON.parse(ranking.textContent))); }
    document.querySelectorAll("[data-requests-panel]").forEach(function (p) { charts = charts.concat(panel(p)); });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
