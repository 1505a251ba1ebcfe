// The report's own metrics, from counts: the same definitions as fairdash.audit.metrics (tested in a browser
// against Python's numbers). The verdict rules arrive with the data (data.rules, data.slack).
(function () {
  const data = JSON.parse(document.getElementById("fd-data").textContent);
  const labels = data.labels, grid = data.thresholds, counts = data.counts;
  const positions = grid.length;
  let mode = data.start.mode, globalPosition = data.start.global, groupPositions = data.start.groups.slice();
  const fmtThreshold = p => p === positions - 1 ? "above all" : grid[p].toPrecision(4);
  const pct = v => Number.isNaN(v) ? "n/a" : (100 * v).toFixed(1) + "%";
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
  function render() {
    const chosen = labels.map((_, g) => mode === "global" ? globalPosition : groupPositions[g]);
    const rows = labels.map((label, g) => Object.assign({ label }, rates(counts[chosen[g]][g])));
    const total = [0, 1, 2, 3].map(i => rows.reduce((s, r) => s + [r.tp, r.fp, r.tn, r.fn][i], 0));
    const all = Object.assign({ label: "all rows", overall: true }, rates(total));
    const head = "<tr><th>group</th><th>threshold</th><th>rows</th><th>selection rate</th><th>true positive rate</th><th>false positive rate</th><th>precision</th><th>accuracy</th></tr>";
    const line = (r, p) => `<tr ${r.overall ? "data-overall" : `data-group="${esc(r.label)}"`}><td>${r.overall ? "<em>all rows</em>" : esc(r.label)}</td><td>${p === null ? "" : fmtThreshold(p)}</td><td>${r.count.toLocaleString("en")}</td><td>${pct(r.selection_rate)}</td><td>${pct(r.tpr)}</td><td>${pct(r.fpr)}</td><td>${pct(r.precision)}</td><td>${pct(r.accuracy)}</td></tr>`;
    document.getElementById("fd-live-table").innerHTML = `<table class="grid" id="fd-table">${head}${rows.map((r, g) => line(r, chosen[g])).join("")}${line(all, null)}</table>`;
    const d = disparities(rows.filter(r => !data.left_out.includes(r.label)));
    // The rules come with the data (fairdash.audit.metrics.verdict_rules), as the Python verdicts apply them.
    const passes = (rule, v) => "at_least" in rule ? v >= rule.at_least : v <= rule.at_most + data.slack;
    const verdict = (name, v) => Number.isNaN(v) ? "undefined" : data.rules[name] === null ? ""
      : passes(data.rules[name], v) ? '<span class="pass">pass</span>' : '<span class="fail">fail</span>';
    document.getElementById("fd-live-disparities").innerHTML = '<table class="grid" id="fd-disparities"><tr><th>disparity</th><th>value</th><th></th></tr>' +
      Object.entries(d).map(([k, v]) => `<tr data-name="${k}"><td>${k.replaceAll("_", " ")}</td><td>${Number.isNaN(v) ? "n/a" : v.toFixed(3)}</td><td>${verdict(k, v)}</td></tr>`).join("") + "</table>";
    document.getElementById("fd-live-matrices").innerHTML = rows.map(r =>
      `<div class="matrix"><strong>${esc(r.label)}</strong><table><tr><th></th><th>predicted +</th><th>predicted −</th></tr>` +
      `<tr><th>actual +</th><td>${r.tp.toLocaleString("en")}</td><td>${r.fn.toLocaleString("en")}</td></tr>` +
      `<tr><th>actual −</th><td>${r.fp.toLocaleString("en")}</td><td>${r.tn.toLocaleString("en")}</td></tr></table></div>`).join("");
    document.getElementById("fd-threshold-value").textContent = fmtThreshold(globalPosition);
    labels.forEach((_, g) => { document.getElementById(`fd-out-${g}`).textContent = fmtThreshold(groupPositions[g]); });
    document.getElementById("fd-global").style.display = mode === "global" ? "" : "none";
    document.getElementById("fd-groups").style.display = mode === "global" ? "none" : "";
  }
  const slider = document.getElementById("fd-threshold");
  slider.max = positions - 1; slider.value = globalPosition;
  slider.addEventListener("input", () => { globalPosition = Number(slider.value); render(); });
  document.getElementById("fd-groups").innerHTML = labels.map((label, g) =>
    `<div class="slider-row"><label for="fd-group-${g}">${esc(label)}</label><input type="range" id="fd-group-${g}" min="0" max="${positions - 1}" step="1" value="${groupPositions[g]}"><output id="fd-out-${g}"></output></div>`).join("");
  labels.forEach((_, g) => document.getElementById(`fd-group-${g}`).addEventListener("input", e => { groupPositions[g] = Number(e.target.value); render(); }));
  document.getElementById(mode === "global" ? "fd-mode-global" : "fd-mode-groups").checked = true;
  document.querySelectorAll('input[name="fd-mode"]').forEach(r => r.addEventListener("change", e => { mode = e.target.value; render(); }));
  document.getElementById("fd-exactness").textContent = data.exact ? "Every distinct score is a position of the slider." :
    `The slider offers ${positions - 1} thresholds spread over the scores.`;
  render();
})();
