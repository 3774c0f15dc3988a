// The transfer panel: the form, the live job (progress, ETA, loss chart, preview, result) and the history.

import { ApiError, call, getJson, imageUrl, postForm, streamJobEvents } from './api.js';
import { lineChart } from './charts.js';
import { $, clearProblem, formatDuration, formatInteger, formatNumber, formatTime, h, setBusy, showProblem, showThumb } from './dom.js';
import { focusMasks, initMasks, maskBlobs, maskColour, maskProblem, setMaskContent, setMaskStyles } from './masks.js';

const JOBS = '/v1/style-transfers';
const MAX_STYLES = 8;
/** API.md's bounds of a style's scale (its longest side relative to the stage's). */
const STYLE_SCALE = { min: 0.1, max: 4, default: 1 };
const HISTORY_PAGE = 10;

const form = $('#transfer-form');
const problem = $('#transfer-problem');
const contentInput = $('#content-file');
const styleInput = $('#style-files');
const styleList = $('#style-list');

/** The chosen style images, each with its blend weight (0–100; the service normalises them) and its scale. */
let styles = [];
let nextStyleId = 1;

/** The job on show: its id, the abort of its event stream, its loss points. */
let current = null;

const numberFields = {
  size: '#opt-size',
  iterations: '#opt-iterations',
  scales: '#opt-scales',
  contentWeight: '#opt-content-weight',
  styleWeight: '#opt-style-weight',
  tvWeight: '#opt-tv-weight',
  learningRate: '#opt-lr',
  previewEvery: '#opt-preview-every',
  averageDecay: '#opt-average-decay',
  initialIterations: '#opt-initial-iterations',
};
/** A select's empty option stands for the service's default, and is not sent. */
const selectFields = {
  optimizer: '#opt-optimizer', init: '#opt-init', outputFormat: '#opt-format', pooling: '#opt-pooling', styleLoss: '#opt-style-loss',
};
/** API.md's default weight of a style layer, which an empty layer-weight input stands for. */
const DEFAULT_LAYER_WEIGHT = 1;
const layerWeightInputs = () => [...form.querySelectorAll('#opt-layer-weights input')];
/** '1 iteration', '24 iterations'. */
const count = (n, noun) => `${formatInteger(n)} ${noun}${n === 1 ? '' : 's'}`;

export function initTransfer() {
  contentInput.addEventListener('change', () => {
    showThumb($('#content-thumb'), contentInput.files[0], 'Content image preview');
    setMaskContent(contentInput.files[0]);
  });
  styleInput.addEventListener('change', () => {
    addStyles([...styleInput.files]);
    styleInput.value = '';
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submit();
  });
  $('#job-cancel').addEventListener('click', () => current && cancel(current.id));
  $('#job-again').addEventListener('click', runAgain);
  $('#history-refresh').addEventListener('click', () => loadHistory());
  $('#history-more').addEventListener('click', (event) => loadHistory(event.target.dataset.cursor));
  for (const input of layerWeightInputs()) {
    input.addEventListener('input', () => input.removeAttribute('aria-invalid'));
  }
  initMasks();
  renderStyles();
}

export function refreshTransfer() {
  loadHistory();
}

function addStyles(files) {
  clearProblem(problem);
  delete problem.dataset.cause;
  const room = MAX_STYLES - styles.length;
  if (files.length > room) {
    showProblem(problem, new ApiError({ title: 'Too many styles', detail: `a transfer takes 1 to ${MAX_STYLES} style images; ${files.length - room} not added` }));
  }
  for (const file of files.slice(0, Math.max(room, 0))) {
    styles.push({ id: nextStyleId++, file, weight: 50, scale: STYLE_SCALE.default });
  }
  renderStyles();
}

function renderStyles() {
  const total = styles.reduce((sum, s) => sum + s.weight, 0);
  styleList.replaceChildren(...styles.map((style, index) => {
    const sliderId = `style-weight-${style.id}`;
    const scaleId = `style-scale-${style.id}`;
    const share = total > 0 ? Math.round((style.weight / total) * 100) : 0;
    const thumb = h('img', { class: 'thumb small', alt: `Style ${index + 1}` });
    thumb.src = style.url ??= URL.createObjectURL(style.file);
    const output = h('output', { for: sliderId, class: 'share' }, `${share} %`);
    const slider = h('input', {
      id: sliderId, type: 'range', min: 0, max: 100, step: 1, value: style.weight,
      'aria-valuetext': `${style.weight} (${share} % of the blend)`,
      oninput: (event) => {
        style.weight = Number(event.target.value);
        updateShares();
      },
    });
    const scale = h('input', {
      id: scaleId, type: 'number', min: STYLE_SCALE.min, max: STYLE_SCALE.max, step: 0.1, value: style.scale, class: 'style-scale',
      oninput: (event) => {
        event.target.removeAttribute('aria-invalid');
        style.scale = event.target.value.trim() === '' ? STYLE_SCALE.default : Number(event.target.value);
      },
    });
    return h('li', { class: 'style-item', 'data-style-id': style.id },
      h('span', { class: 'swatch', style: `background: ${maskColour(index)}`, title: 'Its colour in the masks', 'aria-hidden': 'true' }),
      thumb,
      h('div', { class: 'style-controls' },
        h('label', { for: sliderId }, `Weight of style ${index + 1}`, h('span', { class: 'file-name' }, ` (${style.file.name})`)),
        h('div', { class: 'slider-row' }, slider, output),
        h('div', { class: 'scale-row' }, h('label', { for: scaleId }, `Scale of style ${index + 1}`), scale)),
      h('button', {
        type: 'button', class: 'secondary small', 'aria-label': `Remove style ${index + 1} (${style.file.name})`,
        onclick: () => {
          URL.revokeObjectURL(style.url);
          styles = styles.filter((s) => s !== style);
          renderStyles();
          styleInput.focus();
        },
      }, 'Remove'));
  }));
  styleList.hidden = styles.length === 0;
  setMaskStyles(styles);
}

function updateShares() {
  const total = styles.reduce((sum, s) => sum + s.weight, 0);
  for (const style of styles) {
    const item = styleList.querySelector(`[data-style-id="${style.id}"]`);
    const share = total > 0 ? Math.round((style.weight / total) * 100) : 0;
    item.querySelector('output').textContent = `${share} %`;
    item.querySelector('input[type=range]').setAttribute('aria-valuetext', `${style.weight} (${share} % of the blend)`);
  }
}

function options() {
  const result = {};
  for (const [name, selector] of Object.entries(numberFields)) {
    const value = $(selector).value.trim();
    if (value !== '') {
      result[name] = Number(value);
    }
  }
  for (const [name, selector] of Object.entries(selectFields)) {
    if ($(selector).value !== '') {
      result[name] = $(selector).value;
    }
  }
  const layerWeights = styleLayerWeights();
  if (layerWeights) {
    result.styleLayerWeights = layerWeights;
  }
  const seed = $('#opt-seed').value.trim();
  if (seed !== '') {
    result.seed = Number(seed);
  }
  const colorMode = form.querySelector('input[name=color-mode]:checked').value;
  if (colorMode !== 'none') {
    result.colorMode = colorMode;
  }
  if (styles.length > 1) {
    result.styleWeights = styles.map((s) => s.weight);
  }
  // one scale per style once any differs from API.md's default
  if (styles.some((s) => s.scale !== STYLE_SCALE.default)) {
    result.styleScales = styles.map((s) => s.scale);
  }
  return result;
}

/** The first per-style scale input outside 0.1–4 (marked invalid, as all such are), or undefined. */
function invalidStyleScale() {
  const invalid = [...styleList.querySelectorAll('input.style-scale')].filter((input) => {
    const value = Number(input.value);
    const bad = input.validity.badInput || (input.value.trim() !== '' && !(value >= STYLE_SCALE.min && value <= STYLE_SCALE.max));
    if (bad) {
      input.setAttribute('aria-invalid', 'true');
    } else {
      input.removeAttribute('aria-invalid');
    }
    return bad;
  });
  return invalid[0];
}

/** One weight per style layer once any is set (an empty input counts as the default), else null: the service's defaults. */
function styleLayerWeights() {
  const inputs = layerWeightInputs();
  if (inputs.every((input) => input.value.trim() === '')) {
    return null;
  }
  return inputs.map((input) => (input.value.trim() === '' ? DEFAULT_LAYER_WEIGHT : Number(input.value)));
}

/** The first layer-weight input that is not a non-negative number (marked invalid, as all such are), or undefined. */
function invalidLayerWeight() {
  const invalid = layerWeightInputs().filter((input) => {
    const value = Number(input.value);
    const bad = input.validity.badInput || (input.value.trim() !== '' && !(Number.isFinite(value) && value >= 0));
    if (bad) {
      input.setAttribute('aria-invalid', 'true');
    } else {
      input.removeAttribute('aria-invalid');
    }
    return bad;
  });
  return invalid[0];
}

function fillOptions(resolved) {
  for (const [name, selector] of Object.entries(numberFields)) {
    if (resolved[name] !== undefined && resolved[name] !== null) {
      $(selector).value = resolved[name];
    }
  }
  for (const [name, selector] of Object.entries(selectFields)) {
    if (resolved[name]) {
      const select = $(selector);
      // the default has no option of its own: the empty option stands for it
      select.value = [...select.options].some((option) => option.value === resolved[name]) ? resolved[name] : '';
    }
  }
  const inputs = layerWeightInputs();
  const weights = resolved.styleLayerWeights?.length === inputs.length ? resolved.styleLayerWeights : [];
  inputs.forEach((input, i) => {
    input.value = weights[i] ?? '';
  });
  $('#opt-seed').value = resolved.seed ?? '';
  // jobs from before colour modes said preserveColors, which is luminance
  const colorMode = resolved.colorMode || (resolved.preserveColors ? 'luminance' : 'none');
  const radio = form.querySelector(`input[name=color-mode][value="${colorMode}"]`) || $('#color-mode-none');
  radio.checked = true;
  if (resolved.styleWeights?.length === styles.length && styles.length > 1) {
    const largest = Math.max(...resolved.styleWeights);
    styles.forEach((style, i) => {
      style.weight = largest > 0 ? Math.round((resolved.styleWeights[i] / largest) * 100) : 50;
    });
  }
  // jobs from before per-style scales had one styleScale for every style
  styles.forEach((style, i) => {
    style.scale = resolved.styleScales?.length === styles.length ? resolved.styleScales[i] : resolved.styleScale ?? STYLE_SCALE.default;
  });
  renderStyles();
}

async function submit() {
  clearProblem(problem);
  delete problem.dataset.cause;
  const content = contentInput.files[0];
  if (!content || styles.length === 0) {
    showProblem(problem, new ApiError({
      title: 'Images missing',
      detail: !content ? 'choose a content image' : 'add at least one style image',
    }));
    (content ? styleInput : contentInput).focus();
    return;
  }
  const badWeight = invalidLayerWeight();
  if (badWeight) {
    const layer = badWeight.labels[0].textContent;
    showProblem(problem, new ApiError({
      title: 'Invalid options',
      detail: 'each style layer weight is a number ≥ 0, or empty for 1',
      errors: [{ field: 'styleLayerWeights', message: `${layer}: not a number ≥ 0` }],
    }));
    badWeight.focus();
    return;
  }
  const badScale = invalidStyleScale();
  if (badScale) {
    showProblem(problem, new ApiError({
      title: 'Invalid options',
      detail: `each style's scale is between ${STYLE_SCALE.min} and ${STYLE_SCALE.max}`,
      errors: [{ field: 'styleScales', message: `${badScale.labels[0].textContent}: not between ${STYLE_SCALE.min} and ${STYLE_SCALE.max}` }],
    }));
    badScale.focus();
    return;
  }
  const incomplete = maskProblem();
  if (incomplete) {
    showProblem(problem, incomplete);
    problem.dataset.cause = 'masks';
    focusMasks();
    return;
  }
  const button = $('#transfer-submit');
  setBusy(button, true, 'Starting…');
  try {
    const body = new FormData();
    body.append('content', content, content.name);
    styles.forEach((style) => body.append('style', style.file, style.file.name));
    // one mask per style, in the styles' order, or none at all
    (await maskBlobs())?.forEach((mask, i) => body.append('mask', mask, `mask-${i + 1}.png`));
    body.append('options', new Blob([JSON.stringify(options())], { type: 'application/json' }));
    const job = await postForm(JOBS, body);
    follow(job);
    loadHistory();
  } catch (error) {
    showProblem(problem, error);
  } finally {
    setBusy(button, false);
  }
}

async function runAgain() {
  if (!current?.job) {
    return;
  }
  fillOptions(current.job.options || {});
  if (!contentInput.files[0] || styles.length === 0) {
    showProblem(problem, new ApiError({
      title: 'Options restored',
      detail: `the options of this job (seed ${current.job.options?.seed}) are in the form; choose the content and style images, then start`,
    }));
    contentInput.focus();
    return;
  }
  await submit();
}

async function cancel(id) {
  try {
    const job = await getJsonPost(`${JOBS}/${id}/cancel`);
    if (current?.id === id) {
      render(job);
    }
  } catch (error) {
    showProblem(current?.id === id ? $('#job-error') : $('#history-problem'), error);
  }
  loadHistory();
}

async function getJsonPost(path) {
  return (await call(path, { method: 'POST', accept: 'application/json' })).json();
}

/** Shows a job and follows its events until it ends. */
function follow(job) {
  current?.abort.abort();
  current = { id: job.id, job, abort: new AbortController(), points: [], previewBusy: false, resultShown: false };
  $('#job-empty').hidden = true;
  $('#job-view').hidden = false;
  releaseImage($('#job-preview'));
  $('#job-preview').hidden = true;
  $('#job-preview-none').hidden = false;
  releaseImage($('#job-result'));
  $('#job-result-figure').hidden = true;
  $('#job-download').hidden = true;
  releaseLink($('#job-download'));
  render(job);
  const mine = current;
  streamJobEvents(job.links.events, (name, data) => {
    if (current !== mine) {
      return;
    }
    render(data);
    const badge = document.querySelector(`#history tbody tr[data-job-id="${data.id}"] .badge`);
    if (badge) {
      badge.textContent = data.status;
      badge.className = `badge ${data.status}`;
    }
    if (name === 'preview' || (data.status !== 'queued' && data.status !== 'running' && data.progress)) {
      loadPreview(mine);
    }
    if (['succeeded', 'failed', 'cancelled'].includes(name)) {
      loadHistory();
    }
  }, mine.abort.signal).catch((error) => {
    if (current === mine) {
      showProblem($('#job-error'), error);
    }
  });
}

function render(job) {
  current.job = job;
  $('#job-view').dataset.jobId = job.id;
  const status = $('#job-status');
  status.textContent = job.status;
  status.className = `badge ${job.status}`;
  const o = job.options || {};
  const stages = o.scales > 1 ? ` · ${o.scales} scales, ${count(initialIterations(o), 'iteration')} each before the last` : '';
  const colours = o.colorMode && o.colorMode !== 'none' ? ` · colours ${o.colorMode}` : '';
  $('#job-summary').textContent = `${o.size}px · ${count(o.iterations, 'iteration')}${stages} · ${o.optimizer}`
    + ` · ${o.styleWeights?.length || 1} style${(o.styleWeights?.length || 1) > 1 ? 's' : ''} · seed ${o.seed}${colours}`;
  const p = job.progress;
  const bar = $('#job-progress');
  const text = $('#job-progress-text');
  if (p) {
    bar.value = p.fraction ?? 0;
    const eta = job.status === 'running' ? ` · ETA ${formatDuration(p.etaSeconds)}` : '';
    const loss = p.losses ? ` · loss ${formatNumber(p.losses.total)}` : '';
    text.textContent = `${Math.round((p.fraction ?? 0) * 100)} % · scale ${p.scale}/${p.scales} · iteration ${p.iteration}/${p.iterations}`
      + `${evaluations(p)}${eta}${loss}`;
    // every stage before the last runs initialIterations
    const x = (p.scale - 1) * initialIterations(o) + p.iteration;
    if (p.losses && !current.points.some((point) => point.x === x)) {
      current.points.push({ x, y: p.losses.total });
    }
  } else {
    bar.value = 0;
    text.textContent = job.status === 'queued' ? 'Waiting in the queue…' : '';
  }
  bar.setAttribute('aria-valuetext', text.textContent || job.status);
  lineChart($('#loss-chart'), current.points, {
    label: `Total loss over ${current.points.length} recorded iterations`,
    xMax: ((o.scales || 1) - 1) * initialIterations(o) + (o.iterations || 1),
  });
  $('#job-result-summary').textContent = job.result ? resultSummary(job.result) : '';
  const active = job.status === 'queued' || job.status === 'running';
  $('#job-cancel').hidden = !active;
  $('#job-again').hidden = active;
  const error = $('#job-error');
  if (job.status === 'failed' && job.error) {
    showProblem(error, new ApiError({ title: 'The job failed', detail: job.error.detail, type: job.error.type }));
  } else if (job.status === 'cancelled') {
    showProblem(error, new ApiError({ title: 'Cancelled', detail: 'this job was cancelled' }));
  } else {
    clearProblem(error);
  }
  if (job.status === 'succeeded' && !current.resultShown) {
    current.resultShown = true;
    loadResult(current);
  }
}

/** Iterations of each stage before the last; jobs from before the option ran every stage in full. */
function initialIterations(o) {
  return o.initialIterations ?? o.iterations ?? 1;
}

/** The evaluations so far, where the job reports them (jobs from before they were counted do not). */
function evaluations(counts) {
  return Number.isInteger(counts.evaluations) ? ` · ${count(counts.evaluations, 'evaluation')}` : '';
}

function resultSummary(result) {
  const iterations = Number.isInteger(result.iterations) ? ` · ${count(result.iterations, 'iteration')}` : '';
  const loss = result.losses ? ` · loss ${formatNumber(result.losses.total)}` : '';
  return `${result.width}×${result.height} ${String(result.format).toUpperCase()}${iterations}${evaluations(result)}${loss}`;
}

async function loadPreview(mine) {
  if (mine.previewBusy) {
    mine.previewPending = true;
    return;
  }
  mine.previewBusy = true;
  try {
    const url = await imageUrl(mine.job.links.preview);
    if (current !== mine) {
      URL.revokeObjectURL(url);
      return;
    }
    const img = $('#job-preview');
    releaseImage(img);
    img.src = url;
    img.hidden = false;
    $('#job-preview-none').hidden = true;
  } catch (error) {
    // 404 until the first preview: nothing to show yet
    if (!(error instanceof ApiError && error.status === 404)) {
      showProblem($('#job-error'), error);
    }
  } finally {
    mine.previewBusy = false;
    if (mine.previewPending) {
      mine.previewPending = false;
      loadPreview(mine);
    }
  }
}

async function loadResult(mine) {
  try {
    const url = await imageUrl(mine.job.links.result);
    if (current !== mine) {
      URL.revokeObjectURL(url);
      return;
    }
    $('#job-result').src = url;
    $('#job-result-figure').hidden = false;
    const link = $('#job-download');
    link.href = url;
    const format = mine.job.result?.format || mine.job.options?.outputFormat || 'png';
    link.download = `pastiche-${mine.id.slice(0, 8)}-seed${mine.job.options?.seed}.${format === 'jpeg' ? 'jpg' : format}`;
    link.hidden = false;
  } catch (error) {
    showProblem($('#job-error'), error);
  }
}

function releaseImage(img) {
  if (img.src.startsWith('blob:')) {
    URL.revokeObjectURL(img.src);
  }
  img.removeAttribute('src');
}

function releaseLink(link) {
  link.removeAttribute('href');
}

async function loadHistory(cursor) {
  const body = $('#history tbody');
  const box = $('#history-problem');
  try {
    const page = await getJson(`${JOBS}?limit=${HISTORY_PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    clearProblem(box);
    if (!cursor) {
      body.replaceChildren();
    }
    body.append(...page.items.map(historyRow));
    $('#history-empty').hidden = body.children.length > 0;
    const more = $('#history-more');
    more.hidden = !page.next;
    more.dataset.cursor = page.next || '';
  } catch (error) {
    showProblem(box, error);
  }
}

function historyRow(job) {
  const o = job.options || {};
  const active = job.status === 'queued' || job.status === 'running';
  const short = job.id.slice(0, 8);
  return h('tr', { 'data-job-id': job.id },
    h('td', {}, h('time', { datetime: job.createdAt }, formatTime(job.createdAt))),
    h('td', {}, h('span', { class: `badge ${job.status}` }, job.status)),
    h('td', {}, `${o.size}px · ${o.iterations} it.`),
    h('td', {}, String(o.seed ?? '–')),
    h('td', { class: 'row-actions' },
      h('button', { type: 'button', class: 'secondary small', 'aria-label': `Open job ${short}`, onclick: () => follow(job) }, 'Open'),
      active ? h('button', { type: 'button', class: 'secondary small', 'aria-label': `Cancel job ${short}`, onclick: () => cancel(job.id) }, 'Cancel') : null,
      h('button', {
        type: 'button', class: 'danger small', 'aria-label': `Delete job ${short}`,
        onclick: () => remove(job),
      }, 'Delete')));
}

async function remove(job) {
  if (!window.confirm(`Delete job ${job.id.slice(0, 8)} and its images?`)) {
    return;
  }
  try {
    await call(`${JOBS}/${job.id}`, { method: 'DELETE' });
    if (current?.id === job.id) {
      current.abort.abort();
      current = null;
      $('#job-view').hidden = true;
      $('#job-empty').hidden = false;
    }
    await loadHistory();
    $('#history-refresh').focus();
  } catch (error) {
    showProblem($('#history-problem'), error);
  }
}
