// Charts with uPlot (vendored from npm, /static/vendor/uplot/). Every chart has a text
// alternative: a table of the same numbers right after it, and a summary in its label.
import uPlot from "/static/vendor/uplot/uPlot.esm.js";
import { h } from "./dom.js";

const live = new Set();

function cssVar(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

/** Redraw every chart with the current theme's colours (after the theme changes). */
export function rethemeCharts() {
  for (const redraw of live) redraw();
}

/**
 * A line chart of `series` ({label, values}) over `x` (seconds), with a data table as its
 * text alternative. `onPick(seconds)` is called when the chart is clicked.
 */
export function lineChart({ title, x, series, unit = "", onPick }) {
  const figure = h("figure", { class: "chart" });
  const plotHost = h("div", { role: "img", "aria-label": summary(title, x, series, unit) });
  const table = dataTable(title, x, series);
  figure.append(h("figcaption", {}, title), plotHost, h("details", {}, h("summary", {}, "Show the numbers"), table));
  let plot = null;
  const draw = () => {
    if (!figure.isConnected) { live.delete(draw); return; }
    if (plot) plot.destroy();
    const axisColor = cssVar("--text");
    const grid = { stroke: cssVar("--grid"), width: 1 };
    const width = Math.max(280, plotHost.clientWidth || figure.clientWidth || 600);
    plot = new uPlot({
      width, height: 220,
      scales: { x: { time: false } },
      axes: [
        { stroke: axisColor, grid, label: "seconds", labelSize: 20 },
        { stroke: axisColor, grid, label: unit, labelSize: 20 },
      ],
      legend: { live: false },
      cursor: { drag: { x: false, y: false } },
      series: [{ label: "seconds" }].concat(series.map((s, i) => ({
        label: s.label, stroke: cssVar(`--chart-${(i % 6) + 1}`), width: 2, points: { show: true },
      }))),
      hooks: onPick ? { ready: [(u) => u.over.addEventListener("click", () => {
        const idx = u.cursor.idx; if (idx !== null && idx !== undefined) onPick(x[idx]);
      })] } : {},
    }, [x, ...series.map((s) => s.values)], plotHost);
  };
  live.add(draw);
  requestAnimationFrame(draw);
  return figure;
}

function summary(title, x, series, unit) {
  const parts = series.map((s) => {
    const present = s.values.filter((v) => v !== null && v !== undefined);
    if (!present.length) return `${s.label}: no values`;
    return `${s.label} from ${present[0]} to ${present[present.length - 1]}, lowest ${Math.min(...present)}, highest ${Math.max(...present)}`;
  });
  return `${title}, ${x.length} points over ${x.length ? x[x.length - 1] : 0} seconds${unit ? ` (${unit})` : ""}: ${parts.join("; ")}.`;
}

function dataTable(title, x, series) {
  return h("table", {},
    h("caption", { class: "sr-only" }, title),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "From (s)"), series.map((s) => h("th", { scope: "col" }, s.label)))),
    h("tbody", {}, x.map((t, i) => h("tr", {}, h("th", { scope: "row" }, t), series.map((s) => h("td", {}, s.values[i] ?? "—"))))));
}
