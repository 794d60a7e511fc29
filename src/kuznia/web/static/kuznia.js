// Kuznia's own script: draws the Plotly figures a page carries as JSON, also after HTMX
// swaps in new content. Everything else works without JavaScript.
(function () {
  "use strict";

  function draw(root) {
    if (typeof window.Plotly === "undefined") {
      return;
    }
    root.querySelectorAll(".chart[data-figure]").forEach(function (element) {
      if (element.dataset.drawn) {
        return;
      }
      var source = document.getElementById(element.dataset.figure);
      if (!source) {
        return;
      }
      var figure = JSON.parse(source.textContent);
      element.dataset.drawn = "1";
      window.Plotly.newPlot(element, figure.data, figure.layout, {
        responsive: true,
        displaylogo: false,
        modeBarButtonsToRemove: ["select2d", "lasso2d"],
      });
    });
  }

  function drawAll() {
    draw(document);
  }

  // plotly.min.js is loaded with `defer` before this file, so it is there by DOMContentLoaded.
  document.addEventListener("DOMContentLoaded", drawAll);
  // After a swap: the whole document, since an element that replaced itself (outerHTML, as
  // a polled analysis does) is no longer the event's target; drawn charts are skipped.
  document.addEventListener("htmx:afterSettle", drawAll);
})();
