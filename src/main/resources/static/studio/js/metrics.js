// Which perceptual metrics the service can compute now. LPIPS needs its own weights (API.md,
// Configuration), so /v1/models lists its metrics as [{name, available, reason}]; a service whose
// list lacks LPIPS (or that lists none) does not offer it.

const UNKNOWN = { available: false, reason: 'the service has not said yet whether it can' };
let models = null;

export function setMetricModels(value) {
  models = value;
}

/** {available, reason} of a metric by name; until /v1/models answers, unavailable. */
export function availability(name) {
  if (!models) {
    return UNKNOWN;
  }
  const entry = (models.metrics || []).find((m) => m.name === name);
  if (!entry) {
    return { available: false, reason: 'this service does not offer it' };
  }
  return { available: entry.available !== false, reason: entry.reason || '' };
}

/** The words beside a control that cannot be used: "LPIPS is unavailable: <reason>"; empty when it can. */
export function unavailableText(label, state) {
  return state.available ? '' : `${label} is unavailable: ${state.reason || 'the service cannot compute it'}`;
}
