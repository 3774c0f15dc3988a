// The feature-map panel: an image's activations at one layer, or at the first convolution of every block.

import { ApiError, getJson, imageFromPost } from './api.js';
import { $, clearProblem, h, setBusy, showProblem, showThumb } from './dom.js';

export function initFeatures() {
  const input = $('#features-image');
  input.addEventListener('change', () => showThumb($('#features-thumb'), input.files[0], 'Image preview'));
  $('#features-blocks').addEventListener('change', (event) => {
    $('#features-layer').disabled = event.target.checked;
  });
  $('#features-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const box = $('#features-problem');
    clearProblem(box);
    const file = input.files[0];
    if (!file) {
      showProblem(box, new ApiError({ title: 'Image missing', detail: 'choose an image' }));
      input.focus();
      return;
    }
    const select = $('#features-layer');
    const layers = $('#features-blocks').checked
      ? [...select.options].map((o) => o.value).filter((name) => /_conv1$/.test(name))
      : [select.value];
    const channels = $('#features-channels').value;
    const button = $('#features-submit');
    const result = $('#features-result');
    setBusy(button, true, 'Computing…');
    releaseAll(result);
    try {
      for (const layer of layers) {
        const body = new FormData();
        body.append('image', file, file.name);
        body.append('layer', layer);
        body.append('channels', channels);
        const url = await imageFromPost('/v1/feature-maps', body);
        result.append(h('figure', { class: 'feature-grid', 'data-layer': layer },
          h('figcaption', {}, `${layer}: the first ${channels} channels, each min–max normalised`),
          h('img', { src: url, alt: `Activation maps of ${layer}` })));
      }
    } catch (error) {
      showProblem(box, error);
    } finally {
      setBusy(button, false);
    }
  });
}

/** The extractor's taps (blockB_convC: the ReLU outputs), grouped by block. */
export async function setExtractor(extractor) {
  const select = $('#features-layer');
  const chosen = select.value;
  const table = await getJson(`/v1/models/${encodeURIComponent(extractor.variant)}`);
  const blocks = new Map();
  for (const layer of table.layers.filter((l) => l.type === 'conv')) {
    const block = layer.name.split('_')[0];
    if (!blocks.has(block)) {
      blocks.set(block, []);
    }
    blocks.get(block).push(layer.name);
  }
  select.replaceChildren(...[...blocks].map(([block, names]) => h('optgroup', { label: block.replace('block', 'block ') },
    names.map((name) => h('option', { value: name }, name)))));
  select.value = chosen || extractor.styleLayers?.[1] || select.options[0]?.value;
}

function releaseAll(container) {
  for (const img of container.querySelectorAll('img')) {
    URL.revokeObjectURL(img.src);
  }
  container.replaceChildren();
}
