// The set panel: the distance between every two images of a set, each forwarded once by the service,
// shown per metric as a matrix coloured by viridis, with the closest pairs listed.

import { ApiError, postForm } from './api.js';
import { colourScale, inkOn, rgb, viridis } from './charts.js';
import { $, clearProblem, formatNumber, h, setBusy, showProblem } from './dom.js';
import { availability, unavailableText } from './metrics.js';

const METRICS = ['content', 'style', 'features', 'lpips'];
const LABELS = { content: 'Content', style: 'Style', features: 'Features', lpips: 'LPIPS' };
/** The matrix endpoint's bounds (API.md). */
const MIN_IMAGES = 2;
const MAX_IMAGES = 64;
/** How many of the smallest off-diagonal distances each metric lists. */
const CLOSEST = 5;

const input = $('#set-files');
const list = $('#set-list');
const problem = $('#set-problem');

/** The images of the set, in the order sent: {id, file, url} (url: the thumbnail's object URL). */
let images = [];
let nextId = 1;

export function initSet() {
  input.addEventListener('change', () => {
    add([...input.files]);
    input.value = '';
  });
  $('#set-clear').addEventListener('click', () => {
    images.forEach((image) => URL.revokeObjectURL(image.url));
    images = [];
    clearProblem(problem);
    renderList();
    input.focus();
  });
  $('#set-form').addEventListener('submit', (event) => {
    event.preventDefault();
    compute();
  });
  renderList();
}

/** Offers LPIPS only when the service can compute it, and says why not otherwise. */
export function refreshSetMetrics() {
  const lpips = availability('lpips');
  const box = $('#set-metric-lpips');
  box.disabled = !lpips.available;
  if (!lpips.available) {
    box.checked = false;
  }
  $('#set-lpips-reason').textContent = unavailableText('LPIPS', lpips);
}

function add(files) {
  clearProblem(problem);
  const room = MAX_IMAGES - images.length;
  if (files.length > room) {
    showProblem(problem, new ApiError({ title: 'Too many images', detail: `a set holds ${MIN_IMAGES} to ${MAX_IMAGES} images; ${files.length - room} not added` }));
  }
  for (const file of files.slice(0, Math.max(room, 0))) {
    images.push({ id: nextId++, file, url: URL.createObjectURL(file) });
  }
  renderList();
}

function renderList() {
  list.replaceChildren(...images.map((image, index) => h('li', { class: 'set-item', 'data-image-id': image.id },
    h('img', { class: 'thumb small', src: image.url, alt: '' }),
    h('span', { class: 'set-name' }, h('strong', {}, `${index + 1}`), ` ${image.file.name}`),
    h('button', {
      type: 'button', class: 'secondary small', 'aria-label': `Remove image ${index + 1} (${image.file.name})`,
      onclick: () => {
        URL.revokeObjectURL(image.url);
        images = images.filter((i) => i !== image);
        renderList();
        input.focus();
      },
    }, 'Remove'))));
  list.hidden = images.length === 0;
  $('#set-count').textContent = images.length === 0 ? 'No images yet.'
    : `${images.length} image${images.length === 1 ? '' : 's'}${images.length < MIN_IMAGES ? `: add at least ${MIN_IMAGES - images.length} more` : ''}`;
  $('#set-clear').hidden = images.length === 0;
}

async function compute() {
  clearProblem(problem);
  const metrics = METRICS.filter((m) => $(`#set-metric-${m}`).checked && !$(`#set-metric-${m}`).disabled);
  if (images.length < MIN_IMAGES) {
    showProblem(problem, new ApiError({ title: 'Too few images', detail: `add at least ${MIN_IMAGES} images to compare` }));
    input.focus();
    return;
  }
  if (metrics.length === 0) {
    showProblem(problem, new ApiError({ title: 'No metric', detail: 'tick at least one metric' }));
    return;
  }
  const body = new FormData();
  for (const image of images) {
    body.append('image', image.file, image.file.name);
  }
  body.append('metrics', metrics.join(','));
  body.append('resize', String($('#set-resize').checked));
  // the answer is shown against the images as they were sent, whatever the list holds by then
  const sent = [...images];
  const button = $('#set-submit');
  setBusy(button, true, `Comparing ${sent.length} images…`);
  try {
    render(await postForm('/v1/perceptual-distance-matrix', body), sent);
  } catch (error) {
    $('#set-result').hidden = true;
    showProblem(problem, error);
  } finally {
    setBusy(button, false);
  }
}

function render(result, sent) {
  const target = $('#set-result');
  target.replaceChildren(...Object.entries(result.metrics || {}).map(([metric, matrix]) => metricSection(metric, matrix, sent)));
  target.hidden = false;
}

/** The off-diagonal pairs i < j of a square matrix, smallest first (ties by position). */
function pairsByDistance(matrix) {
  const pairs = [];
  for (let i = 0; i < matrix.length; i++) {
    for (let j = i + 1; j < matrix.length; j++) {
      pairs.push({ i, j, value: matrix[i][j] });
    }
  }
  return pairs.sort((a, b) => a.value - b.value || a.i - b.i || a.j - b.j);
}

function metricSection(metric, matrix, sent) {
  const label = LABELS[metric] || metric;
  const pairs = pairsByDistance(matrix);
  const values = pairs.map((p) => p.value);
  // the colours span the distances between different images; the zero diagonal is left uncoloured
  const min = Math.min(...values);
  const max = Math.max(...values);
  const colourOf = (value) => viridis(max > min ? (value - min) / (max - min) : 0.5);
  const headingId = `set-h-${metric}`;
  const scale = h('div', { class: 'chart scale' });
  colourScale(scale, { min, max, format: formatNumber,
    label: `Colour scale of the ${label} distances: dark violet ${formatNumber(min)}, yellow ${formatNumber(max)}` });
  const table = h('table', { class: 'matrix', 'data-metric': metric },
    h('caption', {}, `${label} distance, image by image`),
    h('thead', {}, h('tr', {}, h('td', {}), sent.map((image, j) => h('th', { scope: 'col', class: 'num', title: image.file.name }, `${j + 1}`)))),
    h('tbody', {}, matrix.map((row, i) => h('tr', {},
      h('th', { scope: 'row', title: sent[i].file.name }, h('img', { class: 'thumb tiny', src: sent[i].url, alt: '' }), ` ${i + 1}`),
      row.map((value, j) => {
        if (i === j) {
          return h('td', { class: 'num self', 'data-value': String(value) }, formatNumber(value));
        }
        const colour = colourOf(value);
        return h('td', { class: 'num', 'data-value': String(value), style: `background: ${rgb(colour)}; color: ${inkOn(colour)}` },
          formatNumber(value));
      })))));
  const closest = h('ol', { class: 'pairs', 'aria-label': `The closest pairs by ${label} distance` },
    pairs.slice(0, CLOSEST).map((pair) => h('li', { 'data-i': pair.i, 'data-j': pair.j, 'data-value': String(pair.value) },
      h('img', { class: 'thumb tiny', src: sent[pair.i].url, alt: '' }),
      h('img', { class: 'thumb tiny', src: sent[pair.j].url, alt: '' }),
      h('span', {}, h('strong', {}, `${pair.i + 1} and ${pair.j + 1}`), ` (${sent[pair.i].file.name}, ${sent[pair.j].file.name}): `,
        h('span', { class: 'pair-value' }, formatNumber(pair.value))))));
  return h('section', { class: 'card set-metric', 'data-metric': metric, 'aria-labelledby': headingId },
    h('h3', { id: headingId }, `${label} distances`),
    h('p', { class: 'hint' }, 'Rows and columns: the images as numbered in the list. Each image against itself: 0.'),
    h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': `${label} matrix (scrolls sideways when wide)` }, table),
    h('figure', { class: 'chart-figure' }, h('figcaption', {}, 'Colour: the distance between two different images, from the smallest to the largest'), scale),
    h('h4', {}, 'Closest pairs'),
    closest);
}
