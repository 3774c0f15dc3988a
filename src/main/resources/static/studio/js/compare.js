// The compare panel: perceptual distances between two images, in total and per layer.

import { ApiError, postForm } from './api.js';
import { barChart } from './charts.js';
import { $, clearProblem, formatNumber, h, setBusy, showProblem, showThumb } from './dom.js';

const METRICS = ['content', 'style', 'features'];

export function initCompare() {
  const reference = $('#compare-reference');
  const candidate = $('#compare-candidate');
  reference.addEventListener('change', () => showThumb($('#compare-reference-thumb'), reference.files[0], 'Reference image preview'));
  candidate.addEventListener('change', () => showThumb($('#compare-candidate-thumb'), candidate.files[0], 'Candidate image preview'));
  $('#compare-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const box = $('#compare-problem');
    clearProblem(box);
    const metrics = METRICS.filter((m) => $(`#metric-${m}`).checked);
    if (!reference.files[0] || !candidate.files[0]) {
      showProblem(box, new ApiError({ title: 'Images missing', detail: 'choose a reference and a candidate image' }));
      (reference.files[0] ? candidate : reference).focus();
      return;
    }
    if (metrics.length === 0) {
      showProblem(box, new ApiError({ title: 'No metric', detail: 'tick at least one metric' }));
      return;
    }
    const body = new FormData();
    body.append('reference', reference.files[0], reference.files[0].name);
    body.append('candidate', candidate.files[0], candidate.files[0].name);
    body.append('metrics', metrics.join(','));
    body.append('resize', String($('#compare-resize').checked));
    const button = $('#compare-submit');
    setBusy(button, true, 'Comparing…');
    try {
      render(await postForm('/v1/perceptual-distance', body), metrics);
    } catch (error) {
      $('#compare-result').hidden = true;
      showProblem(box, error);
    } finally {
      setBusy(button, false);
    }
  });
}

function render(result, metrics) {
  const totals = $('#compare-totals');
  totals.replaceChildren(...metrics.flatMap((m) => [h('dt', {}, m), h('dd', { 'data-metric': m }, formatNumber(result[m]))]),
    h('dt', {}, 'compared at'), h('dd', {}, `${result.width}×${result.height}`),
    h('dt', {}, 'weights'), h('dd', {}, `${result.model?.variant}, ${result.model?.weights?.pretrained ? 'pretrained' : 'untrained (random)'}`));
  const layers = Object.entries(result.layers || {});
  const charts = $('#compare-charts');
  charts.replaceChildren();
  for (const metric of metrics) {
    const rows = layers.filter(([, v]) => v[metric] !== undefined && v[metric] !== null)
      .map(([name, v]) => ({ label: name, value: v[metric], kind: metric }));
    if (rows.length === 0) {
      continue;
    }
    const chart = h('div', { class: 'chart', 'data-chart': metric });
    charts.append(h('figure', { class: 'chart-figure' }, h('figcaption', {}, `${metric} distance per layer`), chart));
    barChart(chart, rows, { label: `${metric} distance per layer: ${rows.map((r) => `${r.label} ${formatNumber(r.value)}`).join(', ')}`, format: formatNumber });
  }
  $('#compare-table tbody').replaceChildren(...layers.map(([name, v]) => h('tr', {},
    h('th', { scope: 'row' }, name), ...METRICS.map((m) => h('td', { class: 'num' }, v[m] === undefined ? '' : formatNumber(v[m]))))));
  $('#compare-result').hidden = false;
}
