// The Pastiche API as the studio uses it: the public contract of API.md, nothing else.
// Every call carries the API key from session storage; every error becomes an ApiError built from
// the RFC 9457 problem the service answers with.

const KEY_STORAGE = 'pastiche.apiKey';
const WEIGHTS_HEADER = 'Pastiche-Weights';

const listeners = { weights: new Set(), unauthorized: new Set() };

export function onUntrainedWeights(listener) {
  listeners.weights.add(listener);
}

export function onUnauthorized(listener) {
  listeners.unauthorized.add(listener);
}

export function apiKey() {
  try {
    return sessionStorage.getItem(KEY_STORAGE) || '';
  } catch {
    return '';
  }
}

export function setApiKey(key) {
  if (key) {
    sessionStorage.setItem(KEY_STORAGE, key);
  } else {
    sessionStorage.removeItem(KEY_STORAGE);
  }
}

/** An API problem (or a network failure) in words a person can act on. */
export class ApiError extends Error {
  constructor({ status = 0, title = 'Request failed', detail = '', type = '', errors = [] } = {}) {
    super(detail || title);
    this.status = status;
    this.title = title;
    this.detail = detail;
    this.type = type;
    this.slug = type ? type.substring(type.lastIndexOf('/') + 1) : '';
    this.errors = Array.isArray(errors) ? errors : [];
  }
}

function headers(extra = {}) {
  const result = { ...extra };
  const key = apiKey();
  if (key) {
    result.Authorization = `Bearer ${key}`;
  }
  return result;
}

function noteWeights(response) {
  const weights = response.headers.get(WEIGHTS_HEADER);
  if (weights) {
    listeners.weights.forEach((listener) => listener(weights));
  }
}

async function problemOf(response) {
  let body = null;
  const type = response.headers.get('Content-Type') || '';
  if (type.includes('json')) {
    try {
      body = await response.json();
    } catch {
      body = null;
    }
  }
  const error = new ApiError({
    status: response.status,
    title: body?.title || `HTTP ${response.status}`,
    detail: body?.detail || response.statusText || 'the service answered with an error',
    type: body?.type || '',
    errors: body?.errors || [],
  });
  if (response.status === 401) {
    listeners.unauthorized.forEach((listener) => listener(error));
  }
  return error;
}

/** fetch with the key; resolves to the Response when it is 2xx, else throws its ApiError. */
export async function call(path, { method = 'GET', body, accept, signal, extraHeaders } = {}) {
  let response;
  try {
    response = await fetch(path, {
      method,
      body,
      signal,
      headers: headers({ ...(accept ? { Accept: accept } : {}), ...(extraHeaders || {}) }),
    });
  } catch (e) {
    if (e.name === 'AbortError') {
      throw e;
    }
    throw new ApiError({ title: 'Service unreachable', detail: 'the service did not answer; is it running?' });
  }
  noteWeights(response);
  if (!response.ok) {
    throw await problemOf(response);
  }
  return response;
}

export async function getJson(path, options) {
  return (await call(path, { ...options, accept: 'application/json' })).json();
}

export async function postForm(path, form, options) {
  return (await call(path, { ...options, method: 'POST', body: form, accept: 'application/json' })).json();
}

/** An image answer as an object URL (the key travels in a header, so img src cannot fetch it itself). */
export async function imageUrl(path, options) {
  const response = await call(path, options);
  return URL.createObjectURL(await response.blob());
}

export async function imageFromPost(path, form) {
  const response = await call(path, { method: 'POST', body: form, accept: 'image/png' });
  return URL.createObjectURL(await response.blob());
}

/** Checks the weights header once without a key: the static page itself carries it. */
export async function probeWeights() {
  try {
    const response = await fetch(location.pathname || '/', { method: 'HEAD', cache: 'no-store' });
    noteWeights(response);
  } catch {
    // the banner also follows every API answer
  }
}

const FINAL_EVENTS = new Set(['succeeded', 'failed', 'cancelled']);

/**
 * Server-sent events of a job over fetch, since EventSource cannot send the Authorization header.
 * Reconnects with Last-Event-ID until a final event arrives or the signal aborts.
 *
 * @param onEvent called with (name, job)
 */
export async function streamJobEvents(path, onEvent, signal) {
  let lastEventId = null;
  let failures = 0;
  while (!signal.aborted) {
    let finished = false;
    try {
      const response = await call(path, {
        accept: 'text/event-stream',
        signal,
        extraHeaders: lastEventId === null ? {} : { 'Last-Event-ID': lastEventId },
      });
      failures = 0;
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) {
          break;
        }
        buffer += value.replace(/\r\n?/g, '\n');
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = parseEvent(block);
          if (event.id !== null) {
            lastEventId = event.id;
          }
          if (event.data) {
            onEvent(event.name, JSON.parse(event.data));
            finished ||= FINAL_EVENTS.has(event.name);
          }
        }
      }
    } catch (e) {
      if (signal.aborted) {
        return;
      }
      if (e instanceof ApiError && e.status >= 400 && e.status < 500) {
        throw e;
      }
      failures += 1;
      if (failures > 5) {
        throw e;
      }
    }
    if (finished) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

function parseEvent(block) {
  const event = { name: 'message', id: null, data: '' };
  const data = [];
  for (const line of block.split('\n')) {
    if (!line || line.startsWith(':')) {
      continue;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) {
      value = value.slice(1);
    }
    if (field === 'event') {
      event.name = value;
    } else if (field === 'id') {
      event.id = value;
    } else if (field === 'data') {
      data.push(value);
    }
  }
  event.data = data.join('\n');
  return event;
}
