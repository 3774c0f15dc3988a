// Small DOM helpers shared by the panels.

export const $ = (selector, root = document) => root.querySelector(selector);

/** h('p', {class: 'x'}, 'text', child): an element; attributes starting with "on" become listeners. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) {
      continue;
    }
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2), value);
    } else if (name === 'class') {
      element.className = value;
    } else {
      element.setAttribute(name, value === true ? '' : value);
    }
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) {
      element.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }
  return element;
}

/** Shows an ApiError (or any error) in a problem box: title, detail, and the fields it names. */
export function showProblem(box, error) {
  box.replaceChildren();
  if (!error) {
    box.hidden = true;
    return;
  }
  const title = error.title || 'Something went wrong';
  const status = error.status ? ` (${error.status})` : '';
  box.append(h('strong', {}, title + status + ': '), h('span', { class: 'detail' }, error.detail || error.message || ''));
  if (error.errors?.length) {
    box.append(h('ul', {}, error.errors.map((e) => h('li', {}, h('code', {}, e.field), ' ', e.message))));
  }
  if (error.status === 401) {
    box.append(h('p', {}, 'Enter the API key at the top of the page.'));
  }
  box.hidden = false;
}

export function clearProblem(box) {
  showProblem(box, null);
}

const integer = new Intl.NumberFormat('en-US');
export const formatInteger = (value) => integer.format(value);

export function formatNumber(value) {
  if (value === null || value === undefined || Number.isNaN(value)) {
    return '–';
  }
  if (value === 0) {
    return '0';
  }
  const abs = Math.abs(value);
  return abs >= 1e5 || abs < 1e-3 ? value.toExponential(3) : value.toPrecision(4);
}

export function formatPercent(fraction) {
  return `${(fraction * 100).toFixed(1)} %`;
}

export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) {
    return '–';
  }
  const s = Math.round(seconds);
  if (s < 60) {
    return `${s} s`;
  }
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${s % 60} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function formatTime(iso) {
  if (!iso) {
    return '–';
  }
  const date = new Date(iso);
  return date.toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });
}

/** Shows a chosen file as a thumbnail (the object URL of the previous one is released). */
export function showThumb(img, file, alt) {
  if (img.src.startsWith('blob:')) {
    URL.revokeObjectURL(img.src);
  }
  if (!file) {
    img.hidden = true;
    img.removeAttribute('src');
    return;
  }
  img.src = URL.createObjectURL(file);
  img.alt = alt;
  img.hidden = false;
}

/** Lets files be dropped on every .drop zone, as if chosen in its input. */
export function enableDropZones(root = document) {
  for (const zone of root.querySelectorAll('.drop[data-drop-for]')) {
    const input = document.getElementById(zone.dataset.dropFor);
    zone.addEventListener('dragover', (event) => {
      event.preventDefault();
      zone.classList.add('over');
    });
    zone.addEventListener('dragleave', () => zone.classList.remove('over'));
    zone.addEventListener('drop', (event) => {
      event.preventDefault();
      zone.classList.remove('over');
      if (!event.dataTransfer?.files?.length) {
        return;
      }
      const transfer = new DataTransfer();
      const files = input.multiple ? [...event.dataTransfer.files] : [event.dataTransfer.files[0]];
      files.forEach((file) => transfer.items.add(file));
      input.files = transfer.files;
      input.dispatchEvent(new Event('change', { bubbles: true }));
    });
  }
}

export function setBusy(button, busy, busyText) {
  if (busy) {
    button.dataset.label ??= button.textContent;
    button.textContent = busyText;
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
  } else {
    button.textContent = button.dataset.label ?? button.textContent;
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}
