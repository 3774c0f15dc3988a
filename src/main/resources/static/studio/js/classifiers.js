// The "Train a classifier" panel (issue 17): labelled images (folders or a zip) → a head trained on VGG's
// features on the job queue; its progress, accuracies and held-out confusion matrix; then predictions.

import { ApiError, call, getJson, postForm } from './api.js';
import { $, clearProblem, formatNumber, formatPercent, h, setBusy, showProblem, showThumb } from './dom.js';

const POLL_MS = 1000;
const IMAGE = /\.(png|jpe?g)$/i;
let current = null;
let polling = null;

export function initClassifiers() {
  $('#classifier-form').addEventListener('submit', submit);
  $('#classifier-folder').addEventListener('change', describeSelection);
  $('#classifier-zip').addEventListener('change', describeSelection);
  $('#classifier-head').addEventListener('change', (event) => {
    $('#classifier-hidden').disabled = event.target.value !== 'mlp';
  });
  const probe = $('#classifier-probe');
  probe.addEventListener('change', () => showThumb($('#classifier-probe-thumb'), probe.files[0], 'Image to classify'));
  $('#classifier-predict-form').addEventListener('submit', predict);
  $('#classifier-delete').addEventListener('click', remove);
}

/** label → files, from a folder picked or dropped: each image's label is the folder it lies in. */
function labelledFiles() {
  const byLabel = new Map();
  for (const file of $('#classifier-folder').files) {
    const parts = (file.webkitRelativePath || file.name).split('/');
    if (parts.length < 2 || !IMAGE.test(file.name) || file.name.startsWith('.')) {
      continue;
    }
    const label = parts[parts.length - 2];
    if (!byLabel.has(label)) {
      byLabel.set(label, []);
    }
    byLabel.get(label).push(file);
  }
  return byLabel;
}

function describeSelection() {
  const zip = $('#classifier-zip').files[0];
  const byLabel = labelledFiles();
  const summary = $('#classifier-selection');
  if (zip) {
    const size = zip.size < 1e6 ? `${Math.ceil(zip.size / 1e3)} kB` : `${(zip.size / 1e6).toFixed(1)} MB`;
    summary.textContent = `Zip ${zip.name} (${size}): its folders are the classes.`;
  } else if (byLabel.size) {
    summary.textContent = `${[...byLabel.values()].reduce((n, files) => n + files.length, 0)} images in ${byLabel.size} classes: `
      + [...byLabel].map(([label, files]) => `${label} (${files.length})`).join(', ');
  } else {
    summary.textContent = 'Nothing chosen yet.';
  }
}

function options() {
  const value = (id) => $(id).value.trim();
  const chosen = { head: value('#classifier-head'), epochs: Number(value('#classifier-epochs')),
    heldOutFraction: Number(value('#classifier-heldout')), regularisation: Number(value('#classifier-regularisation')) };
  if (chosen.head === 'mlp') {
    chosen.hiddenUnits = Number(value('#classifier-hidden'));
  }
  if (value('#classifier-seed')) {
    chosen.seed = Number(value('#classifier-seed'));
  }
  return chosen;
}

async function submit(event) {
  event.preventDefault();
  const box = $('#classifier-problem');
  clearProblem(box);
  const form = new FormData();
  const zip = $('#classifier-zip').files[0];
  const byLabel = labelledFiles();
  if (zip) {
    form.append('zip', zip, zip.name);
  } else if (byLabel.size) {
    // one zip of folders named by label, made here: image parts take two multipart parts each, and servers cap parts
    form.append('zip', await zipOf(byLabel), 'images.zip');
  } else {
    showProblem(box, new ApiError({ title: 'Images missing', detail: 'choose a folder of class folders, or a zip of them' }));
    return;
  }
  form.append('options', new Blob([JSON.stringify(options())], { type: 'application/json' }));
  const button = $('#classifier-submit');
  setBusy(button, true, 'Uploading…');
  try {
    show(await postForm('/v1/classifiers', form));
    watch();
  } catch (error) {
    showProblem(box, error);
  } finally {
    setBusy(button, false);
  }
}

function watch() {
  clearTimeout(polling);
  polling = setTimeout(async () => {
    try {
      show(await getJson(`/v1/classifiers/${current.id}`));
      if (current.status === 'queued' || current.status === 'running') {
        watch();
      }
    } catch (error) {
      showProblem($('#classifier-problem'), error);
    }
  }, POLL_MS);
}

function show(classifier) {
  current = classifier;
  $('#classifier-result').hidden = false;
  const p = classifier.progress;
  const bar = $('#classifier-progress');
  bar.value = classifier.status === 'succeeded' ? 1 : (p?.fraction ?? 0);
  const stage = !p ? classifier.status
    : p.stage === 'extracting' ? `extracting features: ${p.imagesDone} of ${p.images} images`
      : `training the head: epoch ${p.epoch} of ${p.epochs}, loss ${formatNumber(p.loss)}`;
  $('#classifier-status').textContent = `${classifier.status} · ${stage}`;
  $('#classifier-counts').replaceChildren(h('tr', {}, h('th', { scope: 'col' }, 'Class'), h('th', { scope: 'col' }, 'Images'),
    h('th', { scope: 'col' }, 'Trained on'), h('th', { scope: 'col' }, 'Held out')),
  ...classifier.classes.map((c) => h('tr', {}, h('th', { scope: 'row' }, c.label), h('td', {}, c.images), h('td', {}, c.training),
    h('td', {}, c.heldOut))));
  const accuracy = classifier.accuracy;
  $('#classifier-accuracy').textContent = accuracy
    ? `Accuracy: ${formatPercent(accuracy.training)} on the training images, `
      + (accuracy.heldOut === null ? 'none held out' : `${formatPercent(accuracy.heldOut)} on the held-out images`)
    : '';
  confusion(classifier.confusionMatrix);
  if (classifier.error) {
    showProblem($('#classifier-problem'), new ApiError({ title: `Training ${classifier.status}`, detail: classifier.error.detail }));
  }
  $('#classifier-try').hidden = classifier.status !== 'succeeded';
}

function confusion(matrix) {
  const table = $('#classifier-confusion');
  table.hidden = !matrix;
  if (!matrix) {
    return;
  }
  const max = Math.max(1, ...matrix.counts.flat());
  table.replaceChildren(
    h('caption', {}, 'Held-out images: rows are the true class, columns the predicted one'),
    h('tr', {}, h('th', { scope: 'col' }, 'true \\ predicted'), ...matrix.labels.map((l) => h('th', { scope: 'col' }, l))),
    ...matrix.counts.map((row, t) => h('tr', {}, h('th', { scope: 'row' }, matrix.labels[t]),
      ...row.map((n, p) => h('td', { class: t === p ? 'diagonal' : null, style: `--share: ${n / max}` }, n)))));
}

async function predict(event) {
  event.preventDefault();
  const box = $('#classifier-predict-problem');
  clearProblem(box);
  const file = $('#classifier-probe').files[0];
  if (!file || !current) {
    showProblem(box, new ApiError({ title: 'Image missing', detail: 'choose an image to classify' }));
    return;
  }
  const form = new FormData();
  form.append('image', file, file.name);
  try {
    const { predictions } = await postForm(`/v1/classifiers/${current.id}/predictions`, form);
    $('#classifier-predictions').replaceChildren(...predictions.map((p) => h('li', {},
      h('span', { class: 'label' }, p.label), h('meter', { min: 0, max: 1, value: p.probability, 'aria-label': p.label }),
      h('span', { class: 'value' }, formatPercent(p.probability)))));
  } catch (error) {
    showProblem(box, error);
  }
}

async function remove() {
  if (!current) {
    return;
  }
  clearTimeout(polling);
  try {
    await call(`/v1/classifiers/${current.id}`, { method: 'DELETE' });
    current = null;
    $('#classifier-result').hidden = true;
  } catch (error) {
    showProblem($('#classifier-problem'), error);
  }
}

// --- a zip without compression (the images are compressed already): local headers, then the central directory ---

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) {
    c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) {
    c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  }
  return (c ^ 0xffffffff) >>> 0;
}

async function zipOf(byLabel) {
  const encoder = new TextEncoder();
  const chunks = [];
  const central = [];
  let offset = 0;
  for (const [label, files] of byLabel) {
    for (const file of files) {
      const name = encoder.encode(`${label}/${file.name}`);
      const data = new Uint8Array(await file.arrayBuffer());
      const crc = crc32(data);
      const local = new DataView(new ArrayBuffer(30));
      local.setUint32(0, 0x04034b50, true);
      local.setUint16(4, 20, true);
      local.setUint16(6, 0x0800, true); // UTF-8 names
      local.setUint32(14, crc, true);
      local.setUint32(18, data.length, true);
      local.setUint32(22, data.length, true);
      local.setUint16(26, name.length, true);
      const entry = new DataView(new ArrayBuffer(46));
      entry.setUint32(0, 0x02014b50, true);
      entry.setUint16(4, 20, true);
      entry.setUint16(6, 20, true);
      entry.setUint16(8, 0x0800, true);
      entry.setUint32(16, crc, true);
      entry.setUint32(20, data.length, true);
      entry.setUint32(24, data.length, true);
      entry.setUint16(28, name.length, true);
      entry.setUint32(42, offset, true);
      chunks.push(local, name, data);
      central.push(entry, name);
      offset += 30 + name.length + data.length;
    }
  }
  const size = central.reduce((n, part) => n + part.byteLength, 0);
  const count = central.length / 2;
  const end = new DataView(new ArrayBuffer(22));
  end.setUint32(0, 0x06054b50, true);
  end.setUint16(8, count, true);
  end.setUint16(10, count, true);
  end.setUint32(12, size, true);
  end.setUint32(16, offset, true);
  return new Blob([...chunks, ...central, end], { type: 'application/zip' });
}
