// Command screen charts: every slice and bar links to the records behind it.
(function () {
  var data = JSON.parse(document.getElementById("chart-data").textContent);
  var charts = [];
  document.querySelectorAll(".chart").forEach(function (el) {
    var key = el.id.replace("chart-", "");
    var items = data[key] || [];
    var chart = echarts.init(el);
    var option;
    if (el.dataset.kind === "pie") {
      option = {
        tooltip: { trigger: "item", formatter: "{b}：{c}（{d}%）" },
        legend: { bottom: 0, type: "scroll" },
        series: [{ type: "pie", radius: ["35%", "65%"], center: ["50%", "45%"],
                   data: items.filter(function (i) { return i.value > 0; }),
                   label: { formatter: "{b}\n{c}" } }]
      };
    } else {
      option = {
        tooltip: { trigger: "axis" },
        grid: { left: 40, right: 10, top: 20, bottom: 60 },
        xAxis: { type: "category", data: items.map(function (i) { return i.name; }),
                 axisLabel: { interval: 0, rotate: items.length > 6 ? 40 : 0 } },
        yAxis: { type: "value" },
        series: [{ type: "bar", data: items.map(function (i) { return i.value; }), label: { show: true, position: "top" },
                   itemStyle: { color: "#c0392b" } }]
      };
    }
    // Chart text in the page's fonts (jiceng.css), so a client without a Chinese font still reads it.
    option.textStyle = { fontFamily: getComputedStyle(document.body).fontFamily };
    chart.setOption(option);
    chart.on("click", function (params) {
      var item = params.data && params.data.url ? params.data : items[params.dataIndex];
      if (item && item.url) { window.location.href = item.url; }
    });
    el.dataset.ready = "1";
    charts.push(chart);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
