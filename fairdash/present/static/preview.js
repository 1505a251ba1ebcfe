// The threshold preview, computed in the page from each group's counts at every slider position: the same
// definitions as fairdash.audit.metrics (tested in a browser against Python's numbers). One script for the
// HTML report's slider and the dashboard's component; the verdict rules arrive with the data (data.rules,
// data.slack), never written here. fairdashPreview(root, data, onSettled) draws into root (an element or a
// shadow root) and calls onSettled({mode, global, groups}) once a move settles (null: never).
const fairdashPreview = (function () {
  const SETTLE_MS = 250;  // a pause this long after the last key press or drag step ends a move
  const instances = new WeakMap();
  const pct = v => Number.isNaN(v) ? "n/a" : (100 * v).toFixed(1) + "%";
  const count = v => v.toLocaleString("en");
  // Group labels are text from the data: escaped before they enter any innerHTML.
  const esc = text => String(text).replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  const div = (a, b) => b > 0 ? a / b : NaN;
  function rates(c) {
    const [tp, fp, tn, fn] = c, n = tp + fp + tn + fn;
    return { count: n, base_rate: div(tp + fn, n), selection_rate: div(tp + fp, n), tpr: div(tp, tp + fn), fpr: div(fp, fp + tn),
             fnr: div(fn, tp + fn), precision: div(tp, tp + fp), accuracy: div(tp + tn, n), tp, fp, tn, fn };
  }
  // As numpy's fmax and fmin (fairdash.audit.metrics): an undefined rate leaves the other to decide.
  const fmax = (a, b) => Number.isNaN(a) ? b : Number.isNaN(b) ? a : Math.max(a, b);
  const fmin = (a, b) => Number.isNaN(a) ? b : Number.isNaN(b) ? a : Math.min(a, b);
  function between(values) {
    const defined = values.filter(v => !Number.isNaN(v));
    if (defined.length < 2) return [NaN, NaN];
    const high = Math.max(...defined), low = Math.min(...defined);
    return [high - low, high > 0 ? low / high : NaN];
  }
  function disparities(rows) {
    const of = key => rows.map(r => r[key]);
    const [dpd, dpr] = between(of("selection_rate")), [eod, eor] = between(of("tpr")), [fpd, fpr] = between(of("fpr"));
    const [ppd, ppr] = between(of("precision"));
    return { demographic_parity_difference: dpd, demographic_parity_ratio: dpr, equal_opportunity_difference: eod,
             equal_opportunity_ratio: eor, equalized_odds_difference: fmax(eod, fpd), equalized_odds_ratio: fmin(eor, fpr),
             predictive_parity_difference: ppd, predictive_parity_ratio: ppr };
  }
  // The first position at or above a threshold (Python's PreviewCounts.position_of).
  function positionOf(grid, value) {
    let low = 0, high = grid.length - 1;
    while (low < high) { const mid = (low + high) >> 1; if (grid[mid] < value) low = mid + 1; else high = mid; }
    return low;
  }
  const shown = (grid, p) => p === grid.length - 1 ? "above all" : grid[p].toPrecision(4);

  function skeleton(root, data, id) {
    const last = data.thresholds.length - 1;
    root.querySelector(".fd-preview").innerHTML = `
      <div class="controls" role="radiogroup" aria-label="Thresholds">
        <label><input type="radio" name="fd-mode-${id}" value="global" id="fd-mode-global"> one threshold for everyone</label>
        <label><input type="radio" name="fd-mode-${id}" value="per_group" id="fd-mode-groups"> one per group</label>
      </div>
      <div id="fd-global" class="slider-row"><label for="fd-threshold">selected when the score is at least</label>
        <input type="range" id="fd-threshold" min="0" max="${last}" step="1"><output id="fd-threshold-value"></output></div>
      <div id="fd-groups">${data.labels.map((label, g) => `<div class="slider-row"><label for="fd-group-${g}">${esc(label)}</label>` +
        `<input type="range" id="fd-group-${g}" min="0" max="${last}" step="1"><output id="fd-out-${g}"></output></div>`).join("")}</div>
      <p class="fd-note" id="fd-exactness"></p>
      <div id="fd-live-disparities"></div><div id="fd-live-table"></div><div id="fd-live-matrices" class="matrices"></div>`;
  }

  function tables(root, data, state) {
    const grid = data.thresholds, chosen = data.labels.map((_, g) => positionOf(grid, state.mode === "global" ? state.global : state.groups[g]));
    const rows = data.labels.map((label, g) => Object.assign({ label, position: chosen[g] }, rates(data.counts[chosen[g]][g])));
    const total = [0, 1, 2, 3].map(i => rows.reduce((s, r) => s + [r.tp, r.fp, r.tn, r.fn][i], 0));
    const head = "<tr><th>group</th><th>threshold</th><th>rows</th><th>selection rate</th><th>true positive rate</th><th>false positive rate</th><th>precision</th><th>accuracy</th></tr>";
    const line = r => `<tr ${r.overall ? "data-overall" : `data-group="${esc(r.label)}" data-threshold="${grid[r.position]}"`}>` +
      `<td>${r.overall ? "<em>all rows</em>" : esc(r.label)}</td><td>${r.overall ? "" : shown(grid, r.position)}</td><td>${count(r.count)}</td>` +
      `<td>${pct(r.selection_rate)}</td><td>${pct(r.tpr)}</td><td>${pct(r.fpr)}</td><td>${pct(r.precision)}</td><td>${pct(r.accuracy)}</td></tr>`;
    root.querySelector("#fd-live-table").innerHTML = `<table class="grid" id="fd-table">${head}${rows.map(line).join("")}${line(Object.assign({ overall: true }, rates(total)))}</table>`;
    const d = disparities(rows.filter(r => !data.left_out.includes(r.label)));
    const passes = (rule, v) => "at_least" in rule ? v >= rule.at_least : v <= rule.at_most + data.slack;
    const verdict = (name, v) => Number.isNaN(v) ? '<span class="undefined">undefined</span>' : data.rules[name] === null ? ""
      : passes(data.rules[name], v) ? '<span class="pass">pass</span>' : '<span class="fail">fail</span>';
    root.querySelector("#fd-live-disparities").innerHTML = '<table class="grid" id="fd-disparities"><tr><th>disparity</th><th>value</th><th></th></tr>' +
      Object.entries(d).map(([k, v]) => `<tr data-name="${k}"><td>${k.replaceAll("_", " ")}</td><td>${Number.isNaN(v) ? "n/a" : v.toFixed(3)}</td><td>${verdict(k, v)}</td></tr>`).join("") + "</table>";
    root.querySelector("#fd-live-matrices").innerHTML = rows.map(r =>
      `<div class="matrix" data-group="${esc(r.label)}"><div class="matrix-title">${esc(r.label)}</div><table><tr><th></th><th>predicted +</th><th>predicted −</th></tr>` +
      `<tr><th>actual +</th><td>${count(r.tp)}</td><td>${count(r.fn)}</td></tr><tr><th>actual −</th><td>${count(r.fp)}</td><td>${count(r.tn)}</td></tr></table></div>`).join("");
  }

  function render(root, data, state) {
    const grid = data.thresholds, global = positionOf(grid, state.global);
    root.querySelector("#fd-threshold-value").textContent = shown(grid, global);
    data.labels.forEach((_, g) => { root.querySelector(`#fd-out-${g}`).textContent = shown(grid, positionOf(grid, state.groups[g])); });
    root.querySelector("#fd-global").style.display = state.mode === "global" ? "" : "none";
    root.querySelector("#fd-groups").style.display = state.mode === "global" ? "none" : "";
    tables(root, data, state);
  }

  // The controls show the state's thresholds (after a server-side change: Suggest, Reset, another audit).
  function place(root, data, state) {
    root.querySelector("#fd-threshold").value = positionOf(data.thresholds, state.global);
    data.labels.forEach((_, g) => { root.querySelector(`#fd-group-${g}`).value = positionOf(data.thresholds, state.groups[g]); });
    root.querySelector(state.mode === "global" ? "#fd-mode-global" : "#fd-mode-groups").checked = true;
  }

  function listen(root, instance) {
    const settle = now => {
      clearTimeout(instance.timer);
      if (!instance.onSettled) return;
      const { mode, global, groups } = instance.state, labels = instance.data.labels;
      // The revision the move started from: a move the server overtook (Suggest, Reset) is dropped there.
      const revision = instance.revision;
      const send = () => instance.onSettled({ mode, global, groups: Object.fromEntries(labels.map((label, g) => [label, groups[g]])), revision });
      if (now) send(); else instance.timer = setTimeout(send, SETTLE_MS);
    };
    const moved = () => { render(root, instance.data, instance.state); settle(false); };
    root.querySelector("#fd-threshold").addEventListener("input", e => { instance.state.global = instance.data.thresholds[Number(e.target.value)]; moved(); });
    instance.data.labels.forEach((_, g) => root.querySelector(`#fd-group-${g}`).addEventListener("input", e => {
      instance.state.groups[g] = instance.data.thresholds[Number(e.target.value)]; moved(); }));
    root.querySelectorAll('input[type="radio"]').forEach(r => r.addEventListener("change", e => {
      instance.state.mode = e.target.value; render(root, instance.data, instance.state); settle(true); }));
  }

  return function fairdashPreview(root, data, onSettled) {
    let instance = instances.get(root);
    const shape = JSON.stringify([data.labels, data.thresholds.length]);
    if (!instance || instance.shape !== shape) {
      if (!root.querySelector(".fd-preview")) { const host = document.createElement("div"); host.className = "fd-preview"; root.appendChild(host); }
      instance = { shape, data, revision: null, timer: null, id: Math.random().toString(36).slice(2) };
      instances.set(root, instance);
      skeleton(root, data, instance.id);
      listen(root, instance);
    }
    instance.data = data; instance.onSettled = onSettled;
    if (instance.revision !== data.revision) {  // the server moved the thresholds: show them; otherwise keep the user's
      instance.revision = data.revision;
      instance.state = { mode: data.start.mode, global: data.start.global, groups: data.start.groups.slice() };
    }
    place(root, data, instance.state);
    root.querySelector("#fd-exactness").textContent = data.exact ? "Every distinct score is a position of the slider."
      : `The slider offers ${data.thresholds.length - 1} thresholds spread over the scores.`;
    render(root, data, instance.state);
    return () => clearTimeout(instance.timer);
  };
})();
