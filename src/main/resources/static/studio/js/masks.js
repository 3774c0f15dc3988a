// Per-style masks on the transfer panel: where each style goes, painted with a brush and an eraser
// over the content image, uploaded, filled or cleared; shown as one colour per style, and sent as
// grey PNGs at the content image's size (white: the style applies; black: it does not).
//
// A mask is a canvas at the content's natural size whose alpha is the mask: the overlay colours that
// alpha and the request carries it as the grey values of an opaque PNG the browser encodes (the
// service reads an opaque mask's luma, which for grey is the value itself), so what is sent is what
// is shown. A mask with nothing painted counts as none, as the service refuses an all-black one.

import { ApiError } from './api.js';
import { $, clearProblem, h, showProblem } from './dom.js';

/** One colour per style position, distinct at half opacity over a photograph. */
export const MASK_COLOURS = ['#e6194b', '#1f9e3a', '#1d4ed8', '#f58231', '#911eb4', '#0891b2', '#f032e6', '#8a5a12'];
const OVERLAY_ALPHA = 0.5;
/** API.md: a mask's aspect ratio matches the content's within 1 %. */
const ASPECT_TOLERANCE = 0.01;
/** The widest the content is shown (studio.css's .mask-stage, 36rem), in CSS pixels. */
const STAGE_WIDTH = 576;

const overlay = () => $('#mask-overlay');

/** The transfer's styles, in order (each has an id and a file). */
let styles = [];
/** Style id → { canvas, painted }: painted when some pixel is not black. */
const masks = new Map();
/** The content image's natural size, once it has loaded. */
let size = null;
/** The style id whose mask the tools change. */
let active = null;
/** The stroke in progress: its pointer and last point (in content pixels). */
let stroke = null;
let renderPending = false;

export function initMasks() {
  const canvas = overlay();
  canvas.addEventListener('pointerdown', (event) => {
    if (event.button !== 0 || active === null || !size) {
      return;
    }
    event.preventDefault();
    clearProblem($('#mask-problem'));
    canvas.setPointerCapture(event.pointerId);
    const point = pointOf(event);
    stroke = { pointerId: event.pointerId, last: point };
    paint(point, point);
  });
  canvas.addEventListener('pointermove', (event) => {
    if (stroke?.pointerId !== event.pointerId) {
      return;
    }
    const point = pointOf(event);
    paint(stroke.last, point);
    stroke.last = point;
  });
  const end = (event) => {
    if (stroke?.pointerId !== event.pointerId) {
      return;
    }
    stroke = null;
    notePainted(active);
    renderState();
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
  $('#mask-style').addEventListener('change', (event) => {
    active = Number(event.target.value);
  });
  $('#mask-brush').addEventListener('input', showBrushSize);
  $('#mask-fill').addEventListener('click', () => edit((context) => {
    context.globalCompositeOperation = 'source-over';
    context.fillStyle = '#fff';
    context.fillRect(0, 0, size.width, size.height);
  }));
  $('#mask-clear').addEventListener('click', () => {
    masks.delete(active);
    clearProblem($('#mask-problem'));
    changed();
  });
  $('#mask-clear-all').addEventListener('click', () => {
    masks.clear();
    clearProblem($('#mask-problem'));
    changed();
  });
  const upload = $('#mask-file');
  upload.addEventListener('change', async () => {
    const file = upload.files[0];
    upload.value = '';
    if (file) {
      await uploadMask(file);
    }
  });
}

/** The content image changed: masks of another size no longer fit and are dropped. */
export function setMaskContent(file) {
  const img = $('#mask-content');
  if (img.src.startsWith('blob:')) {
    URL.revokeObjectURL(img.src);
  }
  clearProblem($('#mask-problem'));
  if (!file) {
    img.removeAttribute('src');
    size = null;
    renderEditor();
    return;
  }
  img.onload = () => {
    const next = { width: img.naturalWidth, height: img.naturalHeight };
    if (masks.size > 0 && (next.width !== size?.width || next.height !== size?.height)) {
      masks.clear();
      showProblem($('#mask-problem'), new ApiError({
        title: 'Masks cleared', detail: `the new content image is ${next.width}×${next.height}, which the masks drawn before do not fit`,
      }));
    }
    size = next;
    // a small image shown enlarged keeps its pixels sharp; a large one shown smaller is smoothed
    $('.mask-stage').classList.toggle('enlarged', size.width < STAGE_WIDTH);
    const canvas = overlay();
    canvas.width = size.width;
    canvas.height = size.height;
    resetBrush();
    renderEditor();
  };
  img.onerror = () => {
    size = null;
    renderEditor();
  };
  img.src = URL.createObjectURL(file);
}

/** The style list changed: masks follow their styles, a removed style's mask goes with it. */
export function setMaskStyles(list) {
  styles = list;
  const ids = new Set(styles.map((style) => style.id));
  for (const id of masks.keys()) {
    if (!ids.has(id)) {
      masks.delete(id);
    }
  }
  if (!ids.has(active)) {
    active = styles[0]?.id ?? null;
  }
  renderEditor();
}

export const maskColour = (index) => MASK_COLOURS[index % MASK_COLOURS.length];

const hasMask = (style) => Boolean(masks.get(style.id)?.painted);

/**
 * Why the masks cannot be sent, or null: once one style has a mask every style needs one, since
 * the service refuses a partial set. Picks the first style without one in the editor.
 */
export function maskProblem() {
  const missing = styles.filter((style) => !hasMask(style));
  if (missing.length === 0 || missing.length === styles.length) {
    return null;
  }
  select(missing[0].id);
  const names = missing.map((style) => `style ${styles.indexOf(style) + 1} (${style.file.name})`);
  return new ApiError({
    title: 'Masks incomplete',
    detail: `${names.join(', ')} ${missing.length === 1 ? 'has' : 'have'} no mask. Once one style has a mask every style needs one`
      + ' (the service refuses a partial set): draw or upload the missing ones, "Fill" a style to apply it everywhere, or clear all masks',
    errors: missing.map((style) => ({ field: 'mask', message: `style ${styles.indexOf(style) + 1}: no mask` })),
  });
}

/** The masks to send, one grey PNG per style in style order; null when no style has one. */
export async function maskBlobs() {
  if (!styles.some(hasMask)) {
    return null;
  }
  return Promise.all(styles.map((style) => greyPng(masks.get(style.id).canvas)));
}

/**
 * A mask's alpha as an opaque grey PNG (r = g = b = alpha): opaque, so that the service reads its
 * grey level rather than an alpha channel, and written pixel by pixel, so that no compositing rounds it.
 *
 * @returns {Promise<Blob>} image/png
 */
function greyPng(canvas) {
  const alpha = alphaOf(canvas);
  const grey = new ImageData(canvas.width, canvas.height);
  for (let i = 0; i < alpha.length; i++) {
    grey.data.set([alpha[i], alpha[i], alpha[i], 255], i * 4);
  }
  const out = new OffscreenCanvas(canvas.width, canvas.height);
  out.getContext('2d').putImageData(grey, 0, 0);
  return out.convertToBlob({ type: 'image/png' });
}

/** Focuses the editor's style picker (where a missing mask is fixed). */
export function focusMasks() {
  $('#mask-style').focus();
}

function select(id) {
  active = id;
  $('#mask-style').value = String(id);
}

function maskOf(id) {
  let mask = masks.get(id);
  if (!mask) {
    const canvas = document.createElement('canvas');
    canvas.width = size.width;
    canvas.height = size.height;
    // read back after every stroke (is anything painted?) and at every upload
    canvas.getContext('2d', { willReadFrequently: true });
    mask = { canvas, painted: false };
    masks.set(id, mask);
  }
  return mask;
}

/** Changes the active style's mask with a whole-image operation. */
function edit(operation) {
  if (active === null || !size) {
    return;
  }
  clearProblem($('#mask-problem'));
  const context = maskOf(active).canvas.getContext('2d');
  context.save();
  operation(context);
  context.restore();
  notePainted(active);
  changed();
}

/** One piece of a stroke, from one point to the next: white with the brush, cleared with the eraser. */
function paint(from, to) {
  const context = maskOf(active).canvas.getContext('2d');
  const eraser = $('#mask-tool-eraser').checked;
  const width = Number($('#mask-brush').value);
  context.save();
  context.globalCompositeOperation = eraser ? 'destination-out' : 'source-over';
  context.fillStyle = '#fff';
  context.strokeStyle = '#fff';
  context.lineWidth = width;
  context.lineCap = 'round';
  context.lineJoin = 'round';
  if (from.x === to.x && from.y === to.y) {
    context.beginPath();
    context.arc(from.x, from.y, width / 2, 0, 2 * Math.PI);
    context.fill();
  } else {
    context.beginPath();
    context.moveTo(from.x, from.y);
    context.lineTo(to.x, to.y);
    context.stroke();
  }
  context.restore();
  scheduleRender();
}

/** A pointer's position in content pixels (the canvas is scaled for display). */
function pointOf(event) {
  const box = overlay().getBoundingClientRect();
  return {
    x: ((event.clientX - box.left) / box.width) * size.width,
    y: ((event.clientY - box.top) / box.height) * size.height,
  };
}

function alphaOf(canvas) {
  const rgba = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  const alpha = new Uint8Array(canvas.width * canvas.height);
  for (let i = 0; i < alpha.length; i++) {
    alpha[i] = rgba[i * 4 + 3];
  }
  return alpha;
}

function notePainted(id) {
  const mask = masks.get(id);
  if (mask) {
    mask.painted = alphaOf(mask.canvas).some((value) => value > 0);
  }
}

/**
 * An uploaded mask, read as the service reads one (the alpha of an image with transparency, else its
 * grey level), scaled to the content's size; refused when its aspect ratio differs.
 */
async function uploadMask(file) {
  const box = $('#mask-problem');
  clearProblem(box);
  if (active === null || !size) {
    return;
  }
  let bitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    showProblem(box, new ApiError({ title: 'Invalid mask', detail: `${file.name} is not an image the browser can read` }));
    return;
  }
  const aspect = bitmap.width / bitmap.height;
  const contentAspect = size.width / size.height;
  if (Math.abs(aspect / contentAspect - 1) > ASPECT_TOLERANCE) {
    showProblem(box, new ApiError({
      title: 'Mask does not fit',
      detail: `${file.name} is ${bitmap.width}×${bitmap.height}; a mask needs the content image's aspect ratio `
        + `(${size.width}×${size.height}) within 1 %`,
    }));
    bitmap.close();
    return;
  }
  const scratch = document.createElement('canvas');
  scratch.width = size.width;
  scratch.height = size.height;
  const scratchContext = scratch.getContext('2d', { willReadFrequently: true });
  scratchContext.drawImage(bitmap, 0, 0, size.width, size.height);
  bitmap.close();
  const pixels = scratchContext.getImageData(0, 0, size.width, size.height);
  const rgba = pixels.data;
  let transparent = false;
  for (let i = 3; i < rgba.length && !transparent; i += 4) {
    transparent = rgba[i] < 255;
  }
  for (let i = 0; i < rgba.length; i += 4) {
    // Rec. 601 luma, as a grey reading of a colour image
    const value = transparent ? rgba[i + 3] : Math.round(0.299 * rgba[i] + 0.587 * rgba[i + 1] + 0.114 * rgba[i + 2]);
    rgba.set([255, 255, 255, value], i);
  }
  const mask = maskOf(active);
  mask.canvas.getContext('2d').putImageData(pixels, 0, 0);
  notePainted(active);
  if (!mask.painted) {
    showProblem(box, new ApiError({
      title: 'Empty mask', detail: `${file.name} is black everywhere: the style would apply nowhere, so it counts as no mask`,
    }));
  }
  changed();
}

function changed() {
  renderState();
  scheduleRender();
  // a refusal of a partial set is out of date once the set is whole
  const refused = $('#transfer-problem');
  if (refused.dataset.cause === 'masks' && !maskProblem()) {
    clearProblem(refused);
    delete refused.dataset.cause;
  }
}

function scheduleRender() {
  if (!renderPending) {
    renderPending = true;
    requestAnimationFrame(() => {
      renderPending = false;
      renderOverlay();
    });
  }
}

/** Every style's mask in its colour at half opacity, later styles over earlier ones. */
function renderOverlay() {
  const canvas = overlay();
  const context = canvas.getContext('2d');
  context.clearRect(0, 0, canvas.width, canvas.height);
  if (!size) {
    return;
  }
  const layer = document.createElement('canvas');
  layer.width = size.width;
  layer.height = size.height;
  const layerContext = layer.getContext('2d');
  styles.forEach((style, index) => {
    const mask = masks.get(style.id);
    if (!mask) {
      return;
    }
    layerContext.globalCompositeOperation = 'copy';
    layerContext.drawImage(mask.canvas, 0, 0);
    layerContext.globalCompositeOperation = 'source-in';
    layerContext.fillStyle = maskColour(index);
    layerContext.fillRect(0, 0, size.width, size.height);
    context.globalAlpha = OVERLAY_ALPHA;
    context.drawImage(layer, 0, 0);
  });
  context.globalAlpha = 1;
}

/** Brush sizes in content pixels: up to a quarter of the longest side, a sixteenth to start. */
function resetBrush() {
  const brush = $('#mask-brush');
  const longest = Math.max(size.width, size.height);
  brush.max = Math.max(4, Math.round(longest / 4));
  brush.value = Math.max(1, Math.round(longest / 16));
  showBrushSize();
}

function showBrushSize() {
  const brush = $('#mask-brush');
  $('#mask-brush-size').textContent = `${brush.value} px`;
  brush.setAttribute('aria-valuetext', `${brush.value} pixels of the content image`);
}

function renderEditor() {
  const ready = Boolean(size) && styles.length > 0;
  $('#mask-editor').hidden = !ready;
  $('#masks-empty').hidden = ready;
  const picker = $('#mask-style');
  picker.replaceChildren(...styles.map((style, index) => h('option', { value: style.id }, `Style ${index + 1} (${style.file.name})`)));
  if (active !== null) {
    picker.value = String(active);
  }
  const canvas = overlay();
  canvas.setAttribute('aria-label', size ? `The content image, ${size.width}×${size.height}, with the masks in their styles' colours` : 'No content image');
  changed();
}

/** The legend (each style's colour and whether it has a mask) and what the set of masks means for the run. */
function renderState() {
  $('#mask-legend').replaceChildren(...styles.map((style, index) => h('li', { 'data-style-id': style.id, 'data-mask': hasMask(style) ? 'yes' : 'no' },
    h('span', { class: 'swatch', style: `background: ${maskColour(index)}`, 'data-colour': maskColour(index), 'aria-hidden': 'true' }),
    `Style ${index + 1} (${style.file.name}): `,
    h('strong', {}, hasMask(style) ? 'mask' : 'no mask'))));
  const missing = styles.filter((style) => !hasMask(style));
  const state = $('#mask-state');
  state.classList.toggle('warning', missing.length > 0 && missing.length < styles.length);
  if (missing.length === styles.length) {
    state.textContent = 'No masks: every style applies to the whole image.';
  } else if (missing.length === 0) {
    state.textContent = 'Every style has a mask: each applies where its mask is white.';
  } else {
    const names = missing.map((style) => `style ${styles.indexOf(style) + 1}`).join(', ');
    state.textContent = `Not ready: ${names} ${missing.length === 1 ? 'has' : 'have'} no mask. Once one style has a mask, every style `
      + 'needs one: draw or upload it, or "Fill" it to apply that style everywhere; or clear all masks.';
  }
}
