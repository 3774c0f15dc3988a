// The compare panel: perceptual distances between two images, in total and per layer, and a map of
// where they differ (the service's heatmap PNG, at the reference's size).

import { ApiError, call, postForm } from './api.js';
import { barChart } from './charts.js';
import { $, clearProblem, formatNumber, h, setBusy, showProblem, showThumb } from './dom.js';
import { availability, unavailableText } from './metrics.js';

const METRICS = ['content', 'style', 'features'];

/** The heatmap request in flight: a newer choice of metric or overlay aborts it. */
let mapRequest = null;

export function initCompare() {
  const reference = $('#compare-reference');
  const candidate = $('#compare-candidate');
  reference.addEventListener('change', () => showThumb($('#compare-reference-thumb'), reference.files[0], 'Reference image preview'));
  candidate.addEventListener('change', () => showThumb($('#compare-candidate-thumb'), candidate.files[0], 'Candidate image preview'));
  $('#heatmap-metric').addEventListener('change', showMap);
  $('#heatmap-overlay').addEventListener('change', showMap);
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
    const body = pairForm();
    body.append('metrics', metrics.join(','));
    const button = $('#compare-submit');
    setBusy(button, true, 'Comparing…');
    try {
      render(await postForm('/v1/perceptual-distance', body), metrics);
    } catch (error) {
      $('#compare-result').hidden = true;
      $('#compare-maps').hidden = true;
      showProblem(box, error);
      return;
    } finally {
      setBusy(button, false);
    }
    $('#compare-maps').hidden = false;
    showMap();
  });
}

/** Offers LPIPS maps only when the service can compute them, and says why not otherwise. */
export function refreshCompareMetrics() {
  const lpips = availability('lpips');
  const option = $('#heatmap-metric option[value=lpips]');
  option.disabled = !lpips.available;
  option.textContent = lpips.available ? 'LPIPS' : 'LPIPS (unavailable)';
  $('#heatmap-lpips-reason').textContent = unavailableText('LPIPS', lpips);
  if (!lpips.available && $('#heatmap-metric').value === 'lpips') {
    $('#heatmap-metric').value = 'features';
  }
}

function pairForm() {
  const reference = $('#compare-reference').files[0];
  const candidate = $('#compare-candidate').files[0];
  const body = new FormData();
  body.append('reference', reference, reference.name);
  body.append('candidate', candidate, candidate.name);
  body.append('resize', String($('#compare-resize').checked));
  return body;
}

/** Fetches the heatmap for the chosen metric and overlay; a newer choice replaces one still loading. */
async function showMap() {
  if ($('#compare-maps').hidden || !$('#compare-reference').files[0] || !$('#compare-candidate').files[0]) {
    return;
  }
  mapRequest?.abort();
  const request = new AbortController();
  mapRequest = request;
  showThumb($('#compare-reference-view'), $('#compare-reference').files[0], 'The reference image');
  showThumb($('#compare-candidate-view'), $('#compare-candidate').files[0], 'The candidate image');
  const metric = $('#heatmap-metric').value;
  const overlay = $('#heatmap-overlay').checked;
  const body = pairForm();
  body.append('metric', metric);
  if (overlay) {
    body.append('overlay', 'true');
  }
  const img = $('#compare-heatmap');
  const box = $('#heatmap-problem');
  const busy = $('#heatmap-busy');
  busy.textContent = `Computing the ${metric} map…`;
  img.setAttribute('aria-busy', 'true');
  try {
    const response = await call('/v1/perceptual-distance-maps', { method: 'POST', body, accept: 'image/png', signal: request.signal });
    const url = URL.createObjectURL(await response.blob());
    clearProblem(box);
    if (img.src.startsWith('blob:')) {
      URL.revokeObjectURL(img.src);
    }
    const what = `${metric} distance per pixel between the candidate and the reference${overlay ? ', over the reference' : ''}`;
    img.alt = `Map of the ${what}: dark where they are alike, yellow where they differ most`;
    img.dataset.metric = metric;
    img.dataset.overlay = String(overlay);
    img.src = url;
    img.hidden = false;
    $('#heatmap-caption').textContent = `${metric} distance map${overlay ? ' over the reference' : ''}`;
    $('#heatmap-summary').textContent = mapSummary(response.headers);
  } catch (error) {
    if (error.name === 'AbortError') {
      return;
    }
    img.hidden = true;
    $('#heatmap-summary').textContent = '';
    showProblem(box, error);
  } finally {
    if (mapRequest === request) {
      busy.textContent = '';
      img.removeAttribute('aria-busy');
      mapRequest = null;
    }
  }
}

/** The map's mean and largest value, as the service reports them beside the PNG. */
function mapSummary(headers) {
  const mean = headers.get('Pastiche-Map-Mean');
  const max = headers.get('Pastiche-Map-Max');
  return mean === null || max === null ? '' : `mean ${formatNumber(Number(mean))} · largest ${formatNumber(Number(max))}`;
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
