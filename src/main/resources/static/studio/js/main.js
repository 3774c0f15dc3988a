// The studio: sections by URL fragment, the API key, the untrained-weights banner, and the model info.

import { apiKey, getJson, onUnauthorized, onUntrainedWeights, probeWeights, setApiKey } from './api.js';
import { initArchitecture, refreshArchitecture, setModels } from './architecture.js';
import { initClassify } from './classify.js';
import { initClassifiers } from './classifiers.js';
import { initCompare, refreshCompareMetrics } from './compare.js';
import { $, clearProblem, enableDropZones, showProblem } from './dom.js';
import { initFeatures, setExtractor } from './features.js';
import { setMetricModels } from './metrics.js';
import { initSet, refreshSetMetrics } from './set.js';
import { initTransfer, refreshTransfer } from './transfer.js';

const TABS = ['transfer', 'compare', 'set', 'architecture', 'features', 'classify', 'classifiers'];

/** Shows the section named by the fragment; other fragments (the skip link's #main) leave the section as it is. */
function showTab(initial = false) {
  const wanted = location.hash.slice(1);
  if (!TABS.includes(wanted) && !initial) {
    return;
  }
  const tab = TABS.includes(wanted) ? wanted : 'transfer';
  for (const panel of document.querySelectorAll('[data-panel]')) {
    panel.hidden = panel.dataset.panel !== tab;
  }
  for (const link of document.querySelectorAll('[data-tab]')) {
    if (link.dataset.tab === tab) {
      link.setAttribute('aria-current', 'page');
    } else {
      link.removeAttribute('aria-current');
    }
  }
  document.title = `${tab[0].toUpperCase()}${tab.slice(1)} · Pastiche studio`;
}

function keyState() {
  const state = $('#key-state');
  state.textContent = apiKey() ? 'Key in use for this browser session' : 'No key: the API is used without one';
  $('#key-forget').hidden = !apiKey();
}

async function loadModels() {
  const box = $('#global-problem');
  try {
    const models = await getJson('/v1/models');
    clearProblem(box);
    const e = models.extractor;
    const weights = e.weights.pretrained ? `pretrained weights (${e.weights.source})` : `untrained ${e.weights.source} weights`;
    $('#extractor-info').textContent = `Model: ${e.variant} on ${e.device}, ${weights}; content layer ${e.contentLayer}, `
      + `style layers ${e.styleLayers.join(', ')}`;
    if (!e.weights.pretrained) {
      $('#weights-banner').hidden = false;
    }
    setModels(models);
    setMetricModels(models);
    refreshCompareMetrics();
    refreshSetMetrics();
    refreshArchitecture();
    refreshTransfer();
    await setExtractor(e);
  } catch (error) {
    showProblem(box, error);
  }
}

function init() {
  onUntrainedWeights(() => {
    $('#weights-banner').hidden = false;
  });
  onUnauthorized(() => {
    const input = $('#api-key');
    input.setAttribute('aria-invalid', 'true');
  });
  $('#key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = $('#api-key');
    setApiKey(input.value.trim());
    input.value = '';
    input.removeAttribute('aria-invalid');
    keyState();
    loadModels();
  });
  $('#key-forget').addEventListener('click', () => {
    setApiKey('');
    keyState();
    $('#api-key').focus();
  });
  window.addEventListener('hashchange', () => {
    showTab();
    $('#main').focus({ preventScroll: true });
  });
  enableDropZones();
  initTransfer();
  initCompare();
  initSet();
  refreshCompareMetrics();
  refreshSetMetrics();
  initArchitecture();
  initFeatures();
  initClassify();
  initClassifiers();
  keyState();
  showTab(true);
  probeWeights();
  loadModels();
}

init();
