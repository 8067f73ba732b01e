// nadzor: draw every chart on the page. Specs sit in <script type="application/json" data-chart="ID"> tags
// (JSON, never executed); Vega runs with its expression interpreter so the page needs no 'unsafe-eval'.
(function () {
  function draw(root) {
    if (typeof vegaEmbed === "undefined") return;
    root.querySelectorAll('script[type="application/json"][data-chart]').forEach(function (tag) {
      var target = document.getElementById(tag.getAttribute("data-chart"));
      if (!target || target.dataset.drawn) return;
      target.dataset.drawn = "1";
      var spec = JSON.parse(tag.textContent);
      vegaEmbed(target, spec, {
        actions: {export: true, source: false, compiled: false, editor: false},
        renderer: "svg",
        ast: true,
        expr: vega.expressionInterpreter
      }).then(function () { target.setAttribute("data-rendered", "1"); })
        .catch(function (err) { target.textContent = "Chart could not be drawn: " + err.message; });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSwap", function (e) { draw(e.target); });
})();
