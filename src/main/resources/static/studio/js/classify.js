// The classify panel: the whole network's most probable ImageNet classes for an image, as bars.

import { ApiError, postForm } from './api.js';
import { $, clearProblem, formatPercent, h, setBusy, showProblem, showThumb } from './dom.js';

export function initClassify() {
  const input = $('#classify-image');
  input.addEventListener('change', () => showThumb($('#classify-thumb'), input.files[0], 'Image preview'));
  $('#classify-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const box = $('#classify-problem');
    clearProblem(box);
    const file = input.files[0];
    if (!file) {
      showProblem(box, new ApiError({ title: 'Image missing', detail: 'choose an image' }));
      input.focus();
      return;
    }
    const body = new FormData();
    body.append('image', file, file.name);
    body.append('top', $('#classify-top').value);
    const button = $('#classify-submit');
    setBusy(button, true, 'Classifying…');
    try {
      render(await postForm('/v1/classifications', body));
    } catch (error) {
      showProblem(box, error);
      $('#classify-result').hidden = true;
    } finally {
      setBusy(button, false);
    }
  });
}

function render(answer) {
  const best = answer.predictions[0]?.probability || 1;
  $('#classify-predictions').replaceChildren(...answer.predictions.map((p) => h('li', { 'data-index': p.index, 'data-wnid': p.wnid },
    h('span', { class: 'prediction-label' }, p.label, ' ', h('span', { class: 'hint' }, `${p.wnid} · class ${p.index}`)),
    h('span', { class: 'prediction-bar', 'aria-hidden': 'true' },
      h('span', { class: 'prediction-fill', style: `width: ${Math.max(0.5, (100 * p.probability) / best).toFixed(1)}%` })),
    h('span', { class: 'prediction-probability', 'data-probability': p.probability }, formatPercent(p.probability)))));
  const { model } = answer;
  $('#classify-random').hidden = model.classifier.pretrained;
  const weights = model.weights.pretrained ? `pretrained weights (${model.weights.source})` : `untrained ${model.weights.source} weights`;
  $('#classify-model').textContent = `${model.variant}, ${weights}, classifier read with ${model.classifier.keys} keys; `
    + `${answer.preprocessing}. Bars are scaled to the most probable class.`;
  $('#classify-result').hidden = false;
}
