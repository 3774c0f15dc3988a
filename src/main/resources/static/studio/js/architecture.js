// The architecture explorer: every layer of a VGG variant for an input size, and where its parameters live.

import { getJson } from './api.js';
import { barChart, shareBar } from './charts.js';
import { $, clearProblem, formatInteger, formatPercent, h, setBusy, showProblem } from './dom.js';

let loadedVariants = false;

export function initArchitecture() {
  $('#arch-form').addEventListener('submit', (event) => {
    event.preventDefault();
    show();
  });
  $('#arch-variant').addEventListener('change', show);
}

/** Fills the variant list (once the models are known) and shows the default table. */
export function setModels(models) {
  const select = $('#arch-variant');
  const chosen = select.value || 'vgg16';
  select.replaceChildren(...models.variants.map((v) => h('option', { value: v.name }, v.name)));
  select.value = models.variants.some((v) => v.name === chosen) ? chosen : models.variants[0]?.name;
  $('#variants-table tbody').replaceChildren(...models.variants.map((v) => h('tr', {},
    h('th', { scope: 'row' }, v.name), h('td', {}, v.batchNorm ? 'yes' : 'no'), h('td', {}, String(v.convLayers)),
    h('td', {}, String(v.fcLayers)), h('td', { class: 'num' }, formatInteger(v.parameters)))));
  loadedVariants = true;
}

export function refreshArchitecture() {
  if (loadedVariants) {
    show();
  }
}

async function show() {
  const variant = $('#arch-variant').value;
  const height = $('#arch-height').value;
  const width = $('#arch-width').value;
  const stackChannels = $('#arch-stack-channels').value;
  const box = $('#arch-problem');
  const button = $('#arch-submit');
  setBusy(button, true, 'Loading…');
  try {
    const table = await getJson(`/v1/models/${encodeURIComponent(variant)}?height=${encodeURIComponent(height)}`
      + `&width=${encodeURIComponent(width)}&stackChannels=${encodeURIComponent(stackChannels)}`);
    clearProblem(box);
    render(table);
  } catch (error) {
    showProblem(box, error);
    $('#arch-result').hidden = true;
  } finally {
    setBusy(button, false);
  }
}

function render(table) {
  const { parameters, convParameters, fcParameters } = table.totals;
  const name = table.name.toUpperCase().replace('_BN', ' with batch norm');
  $('#arch-title').textContent = `Where the parameters of ${name} live`;
  $('#arch-totals').replaceChildren(
    h('dt', {}, 'total parameters'), h('dd', { 'data-total': 'parameters' }, formatInteger(parameters)),
    h('dt', {}, 'convolutional'), h('dd', { 'data-total': 'conv' }, `${formatInteger(convParameters)} (${formatPercent(convParameters / parameters)})`),
    h('dt', {}, 'fully connected'), h('dd', { 'data-total': 'fc' }, `${formatInteger(fcParameters)} (${formatPercent(fcParameters / parameters)})`));
  $('#arch-fact').textContent = `${formatPercent(fcParameters / parameters)} of ${name}'s parameters are in its three fully connected layers, `
    + `though the convolutions do nearly all of the computing; style transfer and perceptual losses use only the convolutions.`;
  shareBar($('#arch-share'), [
    { label: 'conv', value: convParameters, kind: 'conv' },
    { label: 'fully connected', value: fcParameters, kind: 'fc' },
  ], { label: `conv ${formatPercent(convParameters / parameters)}, fully connected ${formatPercent(fcParameters / parameters)}` });
  const weighted = table.layers.filter((l) => l.parameters > 0 && (l.type === 'conv' || l.type === 'linear'));
  barChart($('#arch-chart'), weighted.map((l) => ({ label: l.name, value: l.parameters, kind: l.type === 'linear' ? 'fc' : 'conv' })), {
    label: `Parameters per layer of ${name}; the largest is ${weighted.reduce((a, b) => (b.parameters > a.parameters ? b : a)).name}`,
    format: formatInteger,
    legend: [['conv', 'convolution'], ['fc', 'fully connected']],
  });
  $('#arch-caption').textContent = `Every layer of ${name} for a ${table.input.height}×${table.input.width} input`;
  $('#arch-table tbody').replaceChildren(...table.layers.map((l) => h('tr', { class: `layer-${l.type}` },
    h('th', { scope: 'row' }, l.name),
    h('td', {}, l.type),
    h('td', {}, l.torchvisionName || ''),
    h('td', {}, l.kernel === null ? '' : `${l.kernel} / ${l.stride} / ${l.padding}`),
    h('td', {}, l.outputShape.join(' × ')),
    h('td', {}, l.receptiveField === null ? '' : String(l.receptiveField)),
    h('td', { class: 'num' }, formatInteger(l.parameters)),
    h('td', { class: 'num' }, l.flops ? (l.flops / 1e6).toFixed(1) : ''))));
  renderBlocks(table, name);
  renderStacking(table.stacking);
  $('#arch-result').hidden = false;
}

/** Each block's share of the parameters and of the FLOPs for this input. */
function renderBlocks(table, name) {
  const classifier = table.blocks.find((b) => b.name === 'classifier');
  const size = `${table.input.height}×${table.input.width}`;
  $('#arch-flops-fact').textContent = `One ${size} image costs ${(table.flops / 1e9).toFixed(2)} GFLOPs (2 per multiply-add) in ${name}; `
    + `the classifier holds ${formatPercent(classifier.parameterShare)} of the parameters but does ${formatPercent(classifier.flopShare)} `
    + 'of the computing.';
  const rows = [];
  for (const b of table.blocks) {
    rows.push({ label: `${b.name} params`, value: b.parameterShare, kind: 'fc' });
    rows.push({ label: `${b.name} FLOPs`, value: b.flopShare, kind: 'conv' });
  }
  barChart($('#arch-block-chart'), rows, {
    label: `Share of parameters and FLOPs by block of ${name} for a ${size} input`,
    format: formatPercent,
    legend: [['fc', 'parameters'], ['conv', 'FLOPs']],
  });
  $('#arch-blocks-caption').textContent = `Blocks of ${name} for a ${size} input`;
  $('#arch-blocks tbody').replaceChildren(...table.blocks.map((b) => h('tr', { 'data-block': b.name },
    h('th', { scope: 'row' }, b.name),
    h('td', { class: 'num' }, formatInteger(b.parameters)),
    h('td', { class: 'num', 'data-share': 'parameters' }, formatPercent(b.parameterShare)),
    h('td', { class: 'num' }, (b.flops / 1e9).toFixed(2)),
    h('td', { class: 'num', 'data-share': 'flops' }, formatPercent(b.flopShare)))));
}

/** n stacked 3×3 convolutions against one (2n+1)² convolution, for the chosen C. */
function renderStacking(stacking) {
  $('#arch-stacking-caption').textContent = `3×3 stacks of ${formatInteger(stacking.channels)} channels against one convolution of the same reach`;
  $('#arch-stacking tbody').replaceChildren(...stacking.comparisons.map((c) => h('tr', { 'data-convs': c.convs },
    h('th', { scope: 'row' }, `${c.convs} × 3×3`),
    h('td', {}, `${c.receptiveField}×${c.receptiveField}`),
    h('td', { class: 'num' }, formatInteger(c.stackedParameters)),
    h('td', { class: 'num' }, String(c.stackedRelus)),
    h('td', {}, `${c.singleKernel}×${c.singleKernel}`),
    h('td', { class: 'num' }, formatInteger(c.singleParameters)),
    h('td', { class: 'num' }, String(c.singleRelus)),
    h('td', { class: 'num', 'data-ratio': c.parameterRatio }, formatPercent(c.parameterRatio)))));
}
