// Hand-drawn SVG charts: no library, scaled by their viewBox to any width.

const SVG = 'http://www.w3.org/2000/svg';

function s(tag, attributes = {}, text) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) {
    element.setAttribute(name, value);
  }
  if (text !== undefined) {
    element.textContent = text;
  }
  return element;
}

function svg(width, height, label) {
  return s('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': label, preserveAspectRatio: 'xMinYMin meet' });
}

function tick(value) {
  const abs = Math.abs(value);
  if (abs !== 0 && (abs >= 1e4 || abs < 1e-2)) {
    return value.toExponential(0);
  }
  return String(Number(value.toPrecision(2)));
}

/**
 * A line chart of points [{x, y}] with a log-scaled y axis (losses span decades).
 * Points with y ≤ 0 are left out.
 */
export function lineChart(container, points, { label, xLabel = 'iteration', xMax } = {}) {
  const width = 600;
  const height = 220;
  const pad = { left: 56, right: 12, top: 12, bottom: 34 };
  const usable = points.filter((p) => p.y > 0 && Number.isFinite(p.y));
  const chart = svg(width, height, label || 'line chart');
  chart.classList.add('line-chart');
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  chart.append(s('rect', { x: pad.left, y: pad.top, width: plotW, height: plotH, class: 'plot-bg' }));
  if (usable.length === 0) {
    chart.append(s('text', { x: pad.left + plotW / 2, y: pad.top + plotH / 2, 'text-anchor': 'middle', class: 'muted' }, 'waiting for the first iterations…'));
    container.replaceChildren(chart);
    return;
  }
  const maxX = Math.max(xMax || 0, ...usable.map((p) => p.x), 1);
  let lo = Math.log10(Math.min(...usable.map((p) => p.y)));
  let hi = Math.log10(Math.max(...usable.map((p) => p.y)));
  if (hi - lo < 0.5) {
    lo -= 0.25;
    hi += 0.25;
  }
  const x = (v) => pad.left + (v / maxX) * plotW;
  const y = (v) => pad.top + plotH - ((Math.log10(v) - lo) / (hi - lo)) * plotH;
  for (let i = 0; i <= 4; i++) {
    const value = 10 ** (lo + ((hi - lo) * i) / 4);
    const yy = y(value);
    chart.append(s('line', { x1: pad.left, x2: pad.left + plotW, y1: yy, y2: yy, class: 'grid' }));
    chart.append(s('text', { x: pad.left - 6, y: yy + 4, 'text-anchor': 'end', class: 'axis' }, tick(value)));
  }
  for (let i = 0; i <= 4; i++) {
    const value = Math.round((maxX * i) / 4);
    chart.append(s('text', { x: x(value), y: height - pad.bottom + 16, 'text-anchor': 'middle', class: 'axis' }, String(value)));
  }
  chart.append(s('text', { x: pad.left + plotW / 2, y: height - 4, 'text-anchor': 'middle', class: 'axis' }, xLabel));
  const path = usable.map((p, i) => `${i ? 'L' : 'M'}${x(p.x).toFixed(1)},${y(p.y).toFixed(1)}`).join(' ');
  chart.append(s('path', { d: path, class: 'series' }));
  for (const p of usable) {
    const dot = s('circle', { cx: x(p.x), cy: y(p.y), r: 3, class: 'point' });
    dot.append(s('title', {}, `iteration ${p.x}: ${p.y.toPrecision(4)}`));
    chart.append(dot);
  }
  container.replaceChildren(chart);
}

/**
 * Horizontal bars: rows [{label, value, kind}] (kind picks the colour class), each labelled with
 * its formatted value. Bars share a linear scale from 0 to the largest value.
 */
export function barChart(container, rows, { label, format = String, legend } = {}) {
  const width = 600;
  const rowH = 22;
  const labelW = 120;
  const valueW = 110;
  const legendH = legend ? 24 : 0;
  const height = rows.length * rowH + 8 + legendH;
  const chart = svg(width, height, label || 'bar chart');
  chart.classList.add('bar-chart');
  const max = Math.max(...rows.map((r) => r.value), 0) || 1;
  const plotW = width - labelW - valueW;
  if (legend) {
    let lx = labelW;
    for (const [kind, text] of legend) {
      chart.append(s('rect', { x: lx, y: 4, width: 12, height: 12, class: `bar ${kind}` }));
      chart.append(s('text', { x: lx + 16, y: 14, class: 'axis' }, text));
      lx += 24 + text.length * 7;
    }
  }
  rows.forEach((row, i) => {
    const y = legendH + 4 + i * rowH;
    const barW = Math.max((row.value / max) * plotW, row.value > 0 ? 1 : 0);
    const g = s('g', { class: 'bar-row' });
    g.append(s('text', { x: labelW - 6, y: y + 15, 'text-anchor': 'end', class: 'axis label' }, row.label));
    const bar = s('rect', { x: labelW, y: y + 3, width: barW.toFixed(1), height: rowH - 6, class: `bar ${row.kind || ''}` });
    bar.append(s('title', {}, `${row.label}: ${format(row.value)}`));
    g.append(bar);
    g.append(s('text', { x: labelW + barW + 4, y: y + 15, class: 'axis value' }, format(row.value)));
    chart.append(g);
  });
  container.replaceChildren(chart);
}

/** One bar split into parts [{label, value, kind}], with the share of each written on it. */
export function shareBar(container, parts, { label } = {}) {
  const width = 600;
  const height = 44;
  const chart = svg(width, height, label || 'share');
  chart.classList.add('share-chart');
  const total = parts.reduce((sum, p) => sum + p.value, 0) || 1;
  let x = 0;
  for (const part of parts) {
    const w = (part.value / total) * width;
    const rect = s('rect', { x: x.toFixed(1), y: 0, width: w.toFixed(1), height: 30, class: `bar ${part.kind}` });
    rect.append(s('title', {}, `${part.label}: ${((part.value / total) * 100).toFixed(1)} %`));
    chart.append(rect);
    if (w > 90) {
      chart.append(s('text', { x: x + 8, y: 20, class: 'on-bar' }, `${part.label} ${((part.value / total) * 100).toFixed(1)} %`));
    }
    x += w;
  }
  container.replaceChildren(chart);
}

/**
 * matplotlib's viridis (van der Walt and Smith, 2015; the service's colormaps/viridis.csv) at t = 0, 1/16, …, 1:
 * perceptually uniform, readable in grey. Linear between these, it stays within 6/255 of the 256-entry table.
 */
const VIRIDIS = ['#440154', '#48186a', '#472d7b', '#424086', '#3b528b', '#33638d', '#2c728e', '#26828e', '#21918c', '#1f9f88',
  '#27ad81', '#3dbc74', '#5cc863', '#81d34d', '#aadc32', '#d5e21a', '#fde725']
  .map((hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)));

/** The viridis colour at t in [0, 1] (clamped), as [r, g, b]. */
export function viridis(t) {
  const x = Math.min(Math.max(Number.isFinite(t) ? t : 0, 0), 1) * (VIRIDIS.length - 1);
  const i = Math.min(Math.floor(x), VIRIDIS.length - 2);
  const f = x - i;
  return VIRIDIS[i].map((v, c) => Math.round(v + (VIRIDIS[i + 1][c] - v) * f));
}

export const rgb = ([r, g, b]) => `rgb(${r}, ${g}, ${b})`;

/** WCAG 2.1 relative luminance of an sRGB colour. */
function luminance(colour) {
  const [r, g, b] = colour.map((v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** Black or white, whichever contrasts more with the colour: at least 4.58:1 on any background. */
export function inkOn(colour) {
  const l = luminance(colour);
  return (l + 0.05) / 0.05 >= 1.05 / (l + 0.05) ? '#000000' : '#ffffff';
}

/** Gradients are found by id, so every legend on the page needs its own. */
let scales = 0;

/** A horizontal viridis legend from min to max with three ticks. */
export function colourScale(container, { min, max, label, format = String }) {
  const width = 320;
  const height = 40;
  const chart = svg(width, height, label || `colour scale from ${format(min)} to ${format(max)}`);
  chart.classList.add('colour-scale');
  scales += 1;
  const id = `viridis-scale-${scales}`;
  const gradient = s('linearGradient', { id, x1: 0, x2: 1, y1: 0, y2: 0 });
  VIRIDIS.forEach((colour, i) => gradient.append(s('stop', { offset: i / (VIRIDIS.length - 1), 'stop-color': rgb(colour) })));
  const defs = s('defs');
  defs.append(gradient);
  chart.append(defs);
  const pad = 30;
  chart.append(s('rect', { x: pad, y: 2, width: width - 2 * pad, height: 16, fill: `url(#${id})`, class: 'scale-bar' }));
  [[0, 'start', min], [0.5, 'middle', (min + max) / 2], [1, 'end', max]].forEach(([t, anchor, value]) => {
    const x = pad + t * (width - 2 * pad);
    chart.append(s('line', { x1: x, x2: x, y1: 18, y2: 23, class: 'grid' }));
    chart.append(s('text', { x: t === 0 ? x - 4 : t === 1 ? x + 4 : x, y: 36, 'text-anchor': anchor, class: 'axis' }, format(value)));
  });
  container.replaceChildren(chart);
}
