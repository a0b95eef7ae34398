// Explorable figures: draws every <figure class="gpnn-chart"> of the page with Vega-Lite.
//
// Loaded as a module on every page; it imports the Vega bundle (vega.js, beside this file,
// written by the build) only on pages that hold a chart. Nothing is requested from any other
// host: specs carry their data, and the loader given to Vega refuses every request.
//
// The figure, as gpnn.site.charts.chart writes it:
//   <figure class="gpnn-chart" data-chart="KEY">
//     <div class="gpnn-chart-view"></div>
//     <script type="application/json" class="gpnn-chart-spec">{Vega-Lite spec}</script>
//     <div class="gpnn-chart-controls"></div>
//     <noscript><img alt="..." src="..."></noscript>
//     <figcaption>...</figcaption>
//   </figure>
//
// The spec's usermeta.gpnn describes the controls, built here as plain HTML bound to the
// chart's params (a visible label, the current value, native keyboard handling):
//   controls: [{param, label, min, max, step, values?, marks?: [{value, label}]}
//              | {param, label, type: "checkbox"}]
//   presets:  [{label, values: {param: value}}]      buttons that set several params at once
//   readouts: [{param, label, values}]                shows values[param] as the param moves
//   controller: NAME                                  NAME.js (beside this file) computes in the page
//
// Once drawn: figure.dataset.ready = "true", window.gpnnCharts[KEY] is the Vega view, and the
// figure fires "gpnn-chart-ready". Colours follow the colour scheme through charts.css.

const figures = [...document.querySelectorAll("figure.gpnn-chart")];
window.gpnnCharts = {};

if (figures.length) {
  let failure = null;
  try {
    // Sets window.vegaEmbed. (In vl-convert-python 1.9's bundle window.vega and window.vegaLite
    // are null: only vegaEmbed and the methods of the views it returns are used.)
    await import(new URL("./vega.js", import.meta.url).href);
  } catch (error) {
    failure = error;
  }
  const refuse = (uri) => Promise.reject(new Error(`charts load no files (${uri})`));
  const loader = { load: refuse, sanitize: refuse, http: refuse, file: refuse };
  for (const figure of figures) {
    await embed(figure, loader, failure);
  }
}

async function embed(figure, loader, failure) {
  const target = figure.querySelector(".gpnn-chart-view");
  try {
    if (failure) throw failure;
    const spec = narrow(JSON.parse(figure.querySelector("script.gpnn-chart-spec").textContent), target);
    const meta = (spec.usermeta && spec.usermeta.gpnn) || {};
    const { view } = await window.vegaEmbed(target, spec, {
      actions: false,
      renderer: "svg", // SVG elements take their colours from charts.css (the colour scheme)
      defaultStyle: false, // vega-embed's style is for its actions menu, which is off
      loader,
      tooltip: false,
    });
    const controls = figure.querySelector(".gpnn-chart-controls");
    buildControls(figure, view, meta, controls);
    if (window.gpnnCharts[figure.dataset.chart]) {
      console.error(`two charts on this page are named ${figure.dataset.chart}: give each its own key`);
    }
    window.gpnnCharts[figure.dataset.chart] = view;
    if (meta.controller) {
      if (!/^[a-z][a-z0-9-]*$/.test(meta.controller)) throw new Error(`bad controller ${meta.controller}`);
      const module = await import(new URL(`./${meta.controller}.js`, import.meta.url).href);
      await module.default({ view, figure, spec, meta, controls });
    }
    figure.dataset.ready = "true";
    figure.dispatchEvent(new CustomEvent("gpnn-chart-ready", { bubbles: true, detail: { view } }));
  } catch (error) {
    // The static image instead; with scripting on, <noscript> holds its markup as text.
    const fallback = figure.querySelector("noscript");
    target.innerHTML = fallback ? fallback.textContent : "";
    figure.dataset.error = String(error);
    console.error(`chart ${figure.dataset.chart}:`, error);
  }
}

// On a narrow screen a legend above the chart would be one row wider than the chart, its last
// entries cut off: there its entries are stacked, one per line. (Below 560 px a row of three
// legend entries no longer fits.)
function narrow(spec, target) {
  if (target.clientWidth >= 560) return spec;
  const config = spec.config || {};
  return { ...spec, config: { ...config, legend: { ...(config.legend || {}), columns: 1 } } };
}

function element(tag, attributes = {}, text = null) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (text !== null) node.textContent = text;
  return node;
}

// How a control shows a value: its label from `values`, else the number to 4 significant digits.
function formatValue(control, value) {
  if (control.values) return String(control.values[Math.round(value)]);
  if (Number.isInteger(value)) return String(value);
  return String(Number(value.toPrecision(4)));
}

function setSignals(view, values) {
  for (const [name, value] of Object.entries(values)) view.signal(name, value);
  return view.runAsync();
}

function buildControls(figure, view, meta, box) {
  const key = figure.dataset.chart;
  for (const control of meta.controls || []) {
    box.append(control.type === "checkbox" ? checkbox(view, key, control) : range(view, key, control));
  }
  if (meta.presets && meta.presets.length) {
    const group = element("div", { class: "gpnn-chart-presets", role: "group", "aria-labelledby": `${key}-jump` });
    group.append(element("span", { id: `${key}-jump` }, "Jump to"));
    for (const preset of meta.presets) {
      const button = element("button", { type: "button", class: "md-button" }, preset.label);
      button.addEventListener("click", () => setSignals(view, preset.values));
      group.append(button);
    }
    box.append(group);
  }
  (meta.readouts || []).forEach((readout, index) => {
    const row = element("p", { class: "gpnn-chart-readout" });
    const output = element("output", { "data-key": `${key}-readout-${index}` });
    row.append(element("span", {}, readout.label), output);
    const show = (value) => {
      const shown = readout.values[Math.round(value)];
      output.textContent = shown === null ? "–" : String(shown);
      output.dataset.value = String(shown);
    };
    show(view.signal(readout.param));
    view.addSignalListener(readout.param, (_, value) => show(value));
    box.append(row);
  });
}

function range(view, key, control) {
  const id = `${key}-${control.param}`;
  const row = element("div", { class: "gpnn-control gpnn-control-range" });
  const label = element("label", { for: id }, control.label);
  const slider = element("div", { class: "gpnn-slider" });
  const input = element("input", {
    type: "range",
    id,
    name: control.param,
    min: control.min,
    max: control.max,
    step: control.step,
  });
  input.value = String(view.signal(control.param));
  const output = element("output", { for: id, class: "gpnn-control-value" });
  slider.append(input);
  const marks = control.marks || [];
  if (marks.length) {
    // Tick marks on the track (a datalist), and their labels: the first mark's below the
    // track, the second's above it, so that close values do not overlap.
    const list = element("datalist", { id: `${id}-marks` });
    const below = element("div", { class: "gpnn-slider-marks gpnn-slider-marks-below", "aria-hidden": "true" });
    const above = element("div", { class: "gpnn-slider-marks gpnn-slider-marks-above", "aria-hidden": "true" });
    marks.forEach((mark, index) => {
      list.append(element("option", { value: mark.value, label: mark.label }));
      const fraction = (mark.value - control.min) / (control.max - control.min);
      const tag = element("span", { class: "gpnn-slider-mark" }, mark.label);
      tag.style.setProperty("--at", String(Math.min(Math.max(fraction, 0), 1)));
      (index % 2 ? above : below).append(tag);
    });
    input.setAttribute("list", list.id);
    if (above.childElementCount) slider.prepend(above);
    slider.append(list, below);
    // Where the marked values are, in words too: "true 3, estimate 2.87".
    const described = element(
      "span",
      { id: `${id}-described`, class: "gpnn-visually-hidden" },
      marks.map((mark) => `${mark.label} ${formatValue(control, mark.value)}`).join(", "),
    );
    input.setAttribute("aria-describedby", described.id);
    slider.append(described);
  }
  const show = (value) => {
    const text = formatValue(control, value);
    output.textContent = text;
    output.dataset.value = String(value);
    if (control.values) input.setAttribute("aria-valuetext", `${control.label} ${text}`);
  };
  show(view.signal(control.param));
  input.addEventListener("input", () => {
    const value = Number(input.value);
    show(value);
    view.signal(control.param, value).runAsync();
  });
  view.addSignalListener(control.param, (_, value) => {
    if (Number(input.value) !== value) input.value = String(value);
    show(value);
  });
  row.append(label, slider, output);
  return row;
}

function checkbox(view, key, control) {
  const id = `${key}-${control.param}`;
  const row = element("div", { class: "gpnn-control gpnn-control-checkbox" });
  const input = element("input", { type: "checkbox", id, name: control.param });
  input.checked = Boolean(view.signal(control.param));
  input.addEventListener("change", () => view.signal(control.param, input.checked).runAsync());
  view.addSignalListener(control.param, (_, value) => {
    input.checked = Boolean(value);
  });
  row.append(input, element("label", { for: id }, control.label));
  return row;
}
