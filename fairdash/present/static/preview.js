// The threshold preview, computed in the page from each group's counts at every slider position: the same
// definitions as fairdash.engine.metrics (tested in a browser against Python's numbers). One script for the
// HTML report's slider and the dashboard's component; the verdict rules (data.rules, data.slack), each rate's
// count cells and label (data.rates), the rates each disparity compares (data.disparity_rates) and the verdicts'
// words (data.words) arrive with the data, never written here. fairdashPreview(root, data, onSettled) draws into root (an element or a
// shadow root) and calls onSettled({mode, global, groups}) once a move settles (null: never).
const fairdashPreview = (function () {
  const SETTLE_MS = 250;  // a pause this long after the last key press or drag step ends a move
  const instances = new WeakMap();
  const pct = v => Number.isNaN(v) ? "n/a" : (100 * v).toFixed(1) + "%";
  const count = v => v.toLocaleString("en");
  // Group labels are text from the data: escaped before they enter any innerHTML.
  const esc = text => String(text).replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  const div = (a, b) => b > 0 ? a / b : NaN;
  // A rate's cells are positions in the counts (fairdash.engine.rates.CELLS); a position the counts lack counts 0.
  const sum = (c, cells) => cells.reduce((total, i) => total + (i < c.length ? c[i] : 0), 0);
  // c: one group's [tp, fp, tn, fn]; every rate of definitions (data.rates), the count and the cells.
  function rates(c, definitions) {
    const [tp, fp, tn, fn] = c, found = { count: c.reduce((total, v) => total + v, 0), tp, fp, tn, fn };
    for (const [name, rate] of Object.entries(definitions)) found[name] = div(sum(c, rate.numerator), sum(c, rate.denominator));
    return found;
  }
  // As numpy's fmax and fmin (fairdash.engine.metrics): an undefined rate leaves the other to decide.
  const fmax = (a, b) => Number.isNaN(a) ? b : Number.isNaN(b) ? a : Math.max(a, b);
  const fmin = (a, b) => Number.isNaN(a) ? b : Number.isNaN(b) ? a : Math.min(a, b);
  function between(values) {
    const defined = values.filter(v => !Number.isNaN(v));
    if (defined.length < 2) return [NaN, NaN];
    const high = Math.max(...defined), low = Math.min(...defined);
    return [high - low, high > 0 ? low / high : NaN];
  }
  // Each disparity of families ({name: [rate, ...]}, data.disparity_rates): over several rates, the worse of them.
  function disparities(rows, families) {
    const found = {};
    for (const [family, rateNames] of Object.entries(families)) {
      const each = rateNames.map(rate => between(rows.map(r => r[rate])));
      found[`${family}_difference`] = each.map(d => d[0]).reduce(fmax);
      found[`${family}_ratio`] = each.map(d => d[1]).reduce(fmin);
    }
    return found;
  }
  // Exact (Clopper-Pearson) bounds and the disparities' intervals, as fairdash.engine.intervals.disparity_intervals
  // computes them (checked against it in tests/test_threshold_preview.py): a verdict whose interval crosses the
  // rule's bar is inconclusive here as in Python. The regularized incomplete beta by its continued fraction
  // (Lentz), its quantile by bisection.
  function lgamma(x) {
    const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
               12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
    if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lgamma(1 - x);
    x -= 1;
    let a = c[0];
    const t = x + 7.5;
    for (let i = 1; i < 9; i++) a += c[i] / (x + i);
    return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
  }
  function betacf(a, b, x) {
    const tiny = 1e-300;
    let c = 1, d = 1 - (a + b) * x / (a + 1);
    d = 1 / (Math.abs(d) < tiny ? tiny : d);
    let h = d;
    for (let m = 1; m <= 100000; m++) {
      const m2 = 2 * m;
      let aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
      d = 1 + aa * d; d = 1 / (Math.abs(d) < tiny ? tiny : d); c = 1 + aa / c; if (Math.abs(c) < tiny) c = tiny; h *= d * c;
      aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
      d = 1 + aa * d; d = 1 / (Math.abs(d) < tiny ? tiny : d); c = 1 + aa / c; if (Math.abs(c) < tiny) c = tiny;
      const step = d * c;
      h *= step;
      if (Math.abs(step - 1) < 1e-15) break;
    }
    return h;
  }
  function ibeta(x, a, b) {
    if (x <= 0) return 0;
    if (x >= 1) return 1;
    const front = Math.exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * Math.log(x) + b * Math.log1p(-x));
    return x < (a + 1) / (a + b + 2) ? front * betacf(a, b, x) / a : 1 - front * betacf(b, a, 1 - x) / b;
  }
  function betaQuantile(p, a, b) {  // Newton's steps from the mean, kept inside the bracket (bisection when one leaves it)
    const logBeta = lgamma(a) + lgamma(b) - lgamma(a + b);
    let low = 0, high = 1, x = a / (a + b);
    for (let i = 0; i < 300; i++) {
      const f = ibeta(x, a, b) - p;
      if (f === 0) return x;
      if (f < 0) low = x; else high = x;
      const density = Math.exp((a - 1) * Math.log(x) + (b - 1) * Math.log1p(-x) - logBeta);
      let next = x - f / density;
      if (!(next > low && next < high)) next = (low + high) / 2;
      if (Math.abs(next - x) <= 1e-15 * x || high - low <= 1e-300) return next;
      x = next;
    }
    return x;
  }
  const boundsMemo = new Map();
  function exactBounds(s, n, error) {  // one-sided bounds, each missing the true rate with probability at most error
    const key = `${s},${n},${error}`;
    if (!boundsMemo.has(key)) {
      if (boundsMemo.size > 50000) boundsMemo.clear();
      boundsMemo.set(key, [s > 0 ? betaQuantile(error, s, n - s + 1) : 0, s < n ? betaQuantile(1 - error, s + 1, n - s) : 1]);
    }
    return boundsMemo.get(key);
  }
  // counts: each judged group's [tp, fp, tn, fn]; definitions: {rates, disparity_rates} as the payload holds them;
  // returns {name: [lower, upper]} (NaN where undefined).
  function disparityBounds(counts, confidence, definitions) {
    const halfError = (1 - confidence) / 2, found = {}, cells = definitions.rates;
    for (const [family, rateNames] of Object.entries(definitions.disparity_rates)) {
      const perRate = rateNames.map(rate => counts.map(c => [sum(c, cells[rate].numerator), sum(c, cells[rate].denominator)]).filter(([, n]) => n > 0))
        .filter(groups => groups.length >= 2);
      const differences = [], ratios = [];
      const narrowError = halfError / (2 * perRate.length), wideError = halfError / perRate.reduce((t, g) => t + 2 * g.length, 0);
      for (const groups of perRate) {
        const narrow = groups.map(([s, n]) => exactBounds(s, n, narrowError)), wide = groups.map(([s, n]) => exactBounds(s, n, wideError));
        const top = (bounds, i) => Math.max(...bounds.map(b => b[i])), bottom = (bounds, i) => Math.min(...bounds.map(b => b[i]));
        differences.push([Math.max(0, top(wide, 0) - bottom(wide, 1)), top(narrow, 1) - bottom(narrow, 0)]);
        if (Math.max(...groups.map(([s]) => s)) === 0) continue;  // every rate 0: the ratio is undefined
        ratios.push([bottom(narrow, 0) / top(narrow, 1), top(wide, 0) <= 0 ? 1 : Math.min(1, bottom(wide, 1) / top(wide, 0))]);
      }
      found[`${family}_difference`] = differences.length ? [Math.max(...differences.map(d => d[0])), Math.max(...differences.map(d => d[1]))] : [NaN, NaN];
      found[`${family}_ratio`] = ratios.length ? [Math.min(...ratios.map(r => r[0])), Math.min(...ratios.map(r => r[1]))] : [NaN, NaN];
    }
    return found;
  }
  const passes = (rule, v, slack) => "at_least" in rule ? v >= rule.at_least : v <= rule.at_most + slack;
  // As fairdash.engine.metrics.conclusive: null without a verdict; true when both ends give the value's verdict.
  function conclusive(value, bounds, rule, slack) {
    if (rule === null || Number.isNaN(value)) return null;
    const [lower, upper] = bounds;
    if (Number.isNaN(lower) || Number.isNaN(upper)) return false;
    const passed = passes(rule, value, slack);
    return passes(rule, lower, slack) === passed && passes(rule, upper, slack) === passed;
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
    const rows = data.labels.map((label, g) => Object.assign({ label, position: chosen[g] }, rates(data.counts[chosen[g]][g], data.rates)));
    const total = ["tp", "fp", "tn", "fn"].map(cell => rows.reduce((s, r) => s + r[cell], 0));
    const columns = ["selection_rate", "tpr", "fpr", "precision", "accuracy"];
    const head = "<tr><th>group</th><th>threshold</th><th>rows</th>" + columns.map(name => `<th>${esc(data.rates[name].label.toLowerCase())}</th>`).join("") + "</tr>";
    const line = r => `<tr ${r.overall ? "data-overall" : `data-group="${esc(r.label)}" data-threshold="${grid[r.position]}"`}>` +
      `<td>${r.overall ? "<em>all rows</em>" : esc(r.label)}</td><td>${r.overall ? "" : shown(grid, r.position)}</td><td>${count(r.count)}</td>` +
      columns.map(name => `<td>${pct(r[name])}</td>`).join("") + "</tr>";
    root.querySelector("#fd-live-table").innerHTML = `<table class="grid" id="fd-table">${head}${rows.map(line).join("")}${line(Object.assign({ overall: true }, rates(total, data.rates)))}</table>`;
    const judged = rows.filter(r => !data.left_out.includes(r.label)), d = disparities(judged, data.disparity_rates);
    const bounds = disparityBounds(judged.map(r => [r.tp, r.fp, r.tn, r.fn]), data.confidence, data);
    const bar = rule => "at_least" in rule ? rule.at_least : rule.at_most;
    const words = data.words, badge = kind => `<span class="${kind}">${esc(words[kind])}</span>`;
    const note = (name, v) => conclusive(v, bounds[name], data.rules[name], data.slack) === false
      ? ` <span class="inconclusive">(${esc(words.inconclusive.replace("{bar}", bar(data.rules[name])))})</span>` : "";
    const verdict = (name, v) => Number.isNaN(v) ? badge("undefined") : data.rules[name] === null ? ""
      : badge(passes(data.rules[name], v, data.slack) ? "pass" : "fail") + note(name, v);
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

  function fairdashPreview(root, data, onSettled) {
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
  }
  fairdashPreview.disparityBounds = disparityBounds;  // for the tests that check them against Python's
  fairdashPreview.conclusive = conclusive;
  return fairdashPreview;
})();
