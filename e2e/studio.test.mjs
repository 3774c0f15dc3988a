// End-to-end tests of the studio page in headless Debian chromium, driven by playwright-core.
//
//   node e2e/studio.test.mjs <baseUrl>
//
// Environment: STUDIO_API_KEY (the key the service under test needs; empty when it needs none),
// STUDIO_SCREENSHOTS (folder for the screenshots, default target/studio-screenshots),
// CHROMIUM (default /usr/bin/chromium). The service must run on random weights; jobs are tiny.
// Exits 0 when every step passed, 1 otherwise (with a screenshot of the failing page).

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { deflateSync, inflateSync } from 'node:zlib';
import { chromium } from 'playwright-core';

const baseUrl = (process.argv[2] || process.env.STUDIO_URL || '').replace(/\/$/, '');
if (!baseUrl) {
  console.error('usage: node e2e/studio.test.mjs <baseUrl>');
  process.exit(2);
}
const apiKey = process.env.STUDIO_API_KEY || '';
const shots = resolve(process.env.STUDIO_SCREENSHOTS || 'target/studio-screenshots');
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const JOB_TIMEOUT = 150_000;
mkdirSync(shots, { recursive: true });

// ── test images: small seeded patterns, encoded as PNG here (no fixtures needed) ──

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

function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** PNG colour types and their channels: grey, RGB, grey with alpha, RGBA. */
const CHANNELS = { 0: 1, 2: 3, 4: 2, 6: 4 };

/** An 8-bit PNG whose pixel (x, y) has the channels pixel(x, y) gives. */
function encodePng(width, height, colourType, pixel) {
  const channels = CHANNELS[colourType];
  const raw = Buffer.alloc((width * channels + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * channels + 1)] = 0;
    for (let x = 0; x < width; x++) {
      raw.set(pixel(x, y).map((v) => v & 0xff), y * (width * channels + 1) + 1 + x * channels);
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, colourType, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

/** An RGB PNG of stripes and gradients that differ by seed. */
const png = (width, height, seed) => encodePng(width, height, 2, (x, y) => [x * 4 * seed + y * 2,
  (x + y) % (6 + seed * 3) < 3 + seed ? 220 : 30, y * 5 + seed * 60]);

/** An 8-bit, non-interlaced PNG's size, colour type and unfiltered pixels (PNG spec §9). */
function decodePng(bytes) {
  assert.deepEqual([...bytes.subarray(1, 4)], [0x50, 0x4e, 0x47], 'a PNG');
  let offset = 8;
  let header;
  const data = [];
  while (offset < bytes.length) {
    const length = bytes.readUInt32BE(offset);
    const type = bytes.toString('latin1', offset + 4, offset + 8);
    const body = bytes.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      header = { width: body.readUInt32BE(0), height: body.readUInt32BE(4), depth: body[8], colourType: body[9], interlace: body[12] };
    } else if (type === 'IDAT') {
      data.push(body);
    }
    offset += 12 + length;
  }
  assert.equal(header.depth, 8, '8 bits per channel');
  assert.equal(header.interlace, 0, 'not interlaced');
  const channels = CHANNELS[header.colourType];
  const stride = header.width * channels;
  const raw = inflateSync(Buffer.concat(data));
  const pixels = Buffer.alloc(stride * header.height);
  for (let y = 0; y < header.height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? pixels[y * stride + i - channels] : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + i] : 0;
      const c = i >= channels && y > 0 ? pixels[(y - 1) * stride + i - channels] : 0;
      const p = a + b - c;
      const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
      const predictor = [0, a, b, (a + b) >> 1, paeth][filter];
      pixels[y * stride + i] = (raw[y * (stride + 1) + 1 + i] + predictor) & 0xff;
    }
  }
  return { ...header, channels, pixels };
}

const file = (name, buffer) => ({ name, mimeType: 'image/png', buffer });
const contentPng = file('content.png', png(64, 48, 1));
const style1Png = file('style-one.png', png(40, 40, 2));
const style2Png = file('style-two.png', png(48, 48, 3));
const otherPng = file('other.png', png(80, 60, 4));
const notAnImage = file('notes.png', Buffer.from('these are notes, not a picture'));
/** A texture for the classifier: dark stripes at an angle, or dark dots on a grid, on light grey (64², seeded). */
function texture(kind, seed) {
  const r = (n) => ((Math.sin(seed * 12.9898 + n * 78.233) * 43758.5453) % 1 + 1) % 1;
  const angle = r(1) * Math.PI;
  const period = 5 + r(2) * 7;
  const spacing = 8 + r(3) * 6;
  const phase = r(4) * 16;
  return encodePng(64, 64, 0, (x, y) => {
    if (kind === 'stripes') {
      return [((x * Math.cos(angle) + y * Math.sin(angle) + phase) / period) % 1 < 0.5 ? 32 : 224];
    }
    const dx = (x + phase) % spacing - spacing / 2;
    const dy = (y + phase) % spacing - spacing / 2;
    return [dx * dx + dy * dy < (spacing * 0.25) ** 2 ? 32 : 224];
  });
}

/** A zip without compression of the given entries (name → bytes). */
function storedZip(entries) {
  const parts = [];
  const central = [];
  let offset = 0;
  for (const [name, data] of entries) {
    const nameBytes = Buffer.from(name, 'utf8');
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(0x02014b50, 0);
    entry.writeUInt16LE(20, 4);
    entry.writeUInt16LE(20, 6);
    entry.writeUInt32LE(crc, 16);
    entry.writeUInt32LE(data.length, 20);
    entry.writeUInt32LE(data.length, 24);
    entry.writeUInt16LE(nameBytes.length, 28);
    entry.writeUInt32LE(offset, 42);
    parts.push(local, nameBytes, data);
    central.push(entry, nameBytes);
    offset += 30 + nameBytes.length + data.length;
  }
  const size = central.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(size, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, ...central, end]);
}

/** A grey mask for the content (64×48): white on its right part, from x = 40. */
const rightMask = file('right-mask.png', encodePng(64, 48, 0, (x) => [x >= 40 ? 255 : 0]));

// ── a tiny runner: sequential steps, timed, the first failure ends the run ──

const launchArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run'];
const started = Date.now();
const pageErrors = [];
let browser;
let page;
let passed = 0;

async function step(name, body) {
  const t0 = Date.now();
  try {
    await body();
    passed += 1;
    console.log(`ok ${passed} - ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  } catch (error) {
    console.log(`not ok ${passed + 1} - ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    console.log(`  ${String(error.stack || error).split('\n').join('\n  ')}`);
    if (page) {
      const problems = await page.locator('.problem:not([hidden])').allTextContents().catch(() => []);
      if (problems.length) {
        console.log(`  problems on the page: ${JSON.stringify(problems)}`);
      }
      await page.screenshot({ path: join(shots, 'failure.png'), fullPage: true }).catch(() => {});
      console.log(`  screenshot: ${join(shots, 'failure.png')}`);
    }
    throw error;
  }
}

/** Polls fn() until it returns a truthy value; fails with the last value seen. */
async function until(what, fn, timeout = 20_000) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) {
        return last;
      }
    } catch (error) {
      last = error.message;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeout} ms waiting for ${what}; last: ${JSON.stringify(last)}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
}

const text = async (selector) => ((await page.locator(selector).first().textContent()) || '').trim();
const visible = (selector) => page.locator(selector).first().isVisible();
const naturalWidth = (selector) => page.locator(selector).first().evaluate((img) => img.complete && img.naturalWidth);
const shot = (name, p = page) => p.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

/** A range input set as a person would leave it (playwright cannot fill one). */
const setRange = (selector, value) => page.locator(selector).evaluate((input, v) => {
  input.value = v;
  input.dispatchEvent(new Event('input', { bubbles: true }));
}, String(value));

/** The page coordinates of the middle of pixel (x, y) of a canvas shown scaled. */
async function canvasPoint(selector, x, y) {
  const canvas = page.locator(selector);
  const box = await canvas.boundingBox();
  const [width, height] = await canvas.evaluate((c) => [c.width, c.height]);
  return [box.x + ((x + 0.5) * box.width) / width, box.y + ((y + 0.5) * box.height) / height];
}

/** A mouse stroke through pixels of a canvas: press, move from point to point, release. */
async function stroke(selector, points) {
  await page.locator(selector).scrollIntoViewIfNeeded();
  const [first, ...rest] = await Promise.all(points.map(([x, y]) => canvasPoint(selector, x, y)));
  await page.mouse.move(...first);
  await page.mouse.down();
  for (const point of rest) {
    await page.mouse.move(...point, { steps: 8 });
  }
  await page.mouse.up();
}

/** The mask overlay's RGBA at pixel (x, y), or the whole of it. */
const overlayPixel = (x, y) => page.locator('#mask-overlay').evaluate((c, [px, py]) => [...c.getContext('2d').getImageData(px, py, 1, 1).data], [x, y]);
const overlayPixels = () => page.locator('#mask-overlay').evaluate((c) => [...c.getContext('2d').getImageData(0, 0, c.width, c.height).data]);
/** The colour the page gives the masks of style n (1-based), as RGB. */
const maskColour = async (n) => {
  const hex = await page.locator(`#mask-legend li:nth-child(${n}) .swatch`).getAttribute('data-colour');
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
};
/** Whether an overlay pixel shows colour rgb at half opacity (within rounding). */
const showsColour = (pixel, rgb) => Math.abs(pixel[3] - 128) <= 2 && rgb.every((v, i) => Math.abs(pixel[i] - v) <= 4);

const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** The engine options of the "more options" that the page sends only when the user sets them. */
const ENGINE_OPTIONS = ['pooling', 'styleLoss', 'styleLayerWeights', 'averageDecay', 'initialIterations'];
const pick = (object, keys) => Object.fromEntries(keys.filter((k) => k in object).map((k) => [k, object[k]]));

/** The options part of every job the page submits, in order, and its mask parts (PNG bytes). */
const sentOptions = [];
const sentMasks = [];

/** The form fields of every distance map the page asks for, and the PNG the service answered, in order. */
const sentMaps = [];
const mapAnswers = [];
const field = (request, name) => multipartParts(request, name)[0]?.toString('utf8') ?? null;
/** The metrics field and the number of image parts of every distance matrix the page asks for. */
const sentMatrices = [];

/**
 * The bodies of a multipart request's parts of one name, in order. Read in a route: chromium leaves
 * file and blob parts out of the post data that request events report.
 */
function multipartParts(request, name) {
  const boundary = /boundary=(.+)$/.exec(request.headers()['content-type'])[1];
  return request.postDataBuffer().toString('latin1').split(`--${boundary}`)
    .filter((p) => p.slice(0, p.indexOf('\r\n\r\n')).includes(`name="${name}"`))
    .map((p) => Buffer.from(p.slice(p.indexOf('\r\n\r\n') + 4, p.lastIndexOf('\r\n')), 'latin1'));
}

function multipartJson(request, name) {
  const [part] = multipartParts(request, name);
  assert.ok(part, `the request has a ${name} part`);
  return JSON.parse(part.toString('utf8'));
}

/** What /v1/models says of LPIPS: {available, reason}; a service that does not list it does not offer it. */
function lpipsOf(models) {
  const entry = (models.metrics || []).find((m) => m.name === 'lpips');
  return entry ? { available: entry.available !== false, reason: entry.reason || '' }
    : { available: false, reason: 'this service does not offer it' };
}

const api = (path) => page.request.get(`${baseUrl}${path}`, { headers: apiKey ? { Authorization: `Bearer ${apiKey}` } : {} });

/** axe-core's WCAG 2.1 A and AA rules (labels, names, contrast, ARIA) on the page as it is now. */
async function accessible(where, p = page) {
  if (!(await p.evaluate(() => typeof window.axe === 'object'))) {
    await p.addScriptTag({ path: axePath });
  }
  const violations = await p.evaluate(async () => (await window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
  })).violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`));
  assert.deepEqual(violations, [], `accessibility violations on ${where}`);
}

async function main() {
  browser = await chromium.launch({ executablePath, args: launchArgs, headless: true });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  page.on('dialog', (dialog) => dialog.accept());
  await page.route((url) => url.pathname === '/v1/style-transfers', (route) => {
    if (route.request().method() === 'POST') {
      sentOptions.push(multipartJson(route.request(), 'options'));
      sentMasks.push(multipartParts(route.request(), 'mask'));
    }
    return route.continue();
  });
  await page.route((url) => url.pathname === '/v1/perceptual-distance-maps', async (route) => {
    const request = route.request();
    sentMaps.push({ metric: field(request, 'metric'), overlay: field(request, 'overlay'), resize: field(request, 'resize'),
      accept: request.headers().accept });
    const response = await route.fetch();
    mapAnswers.push({ status: response.status(), body: await response.body(), mean: response.headers()['pastiche-map-mean'] });
    return route.fulfill({ response });
  });
  await page.route((url) => url.pathname === '/v1/perceptual-distance-matrix', (route) => {
    sentMatrices.push({ metrics: field(route.request(), 'metrics'), resize: field(route.request(), 'resize'),
      images: multipartParts(route.request(), 'image').length });
    return route.continue();
  });

  await step('the page loads with the untrained-weights banner and takes the API key', async () => {
    const response = await page.goto(`${baseUrl}/`);
    assert.equal(response.status(), 200);
    await until('the random-weights banner', () => visible('#weights-banner'));
    assert.match(await text('#weights-banner'), /random/);
    if (apiKey) {
      await until('the 401 problem asking for a key', async () => /API key/.test(await text('#global-problem')));
      assert.match(await text('#global-problem'), /Unauthorized \(401\)/);
      await page.fill('#api-key', apiKey);
      await page.click('#key-form button[type=submit]');
      await until('the problem to go', async () => !(await visible('#global-problem')));
      assert.match(await text('#key-state'), /Key in use/);
    }
    await until('the model line', async () => /vgg19/.test(await text('#extractor-info')));
    assert.match(await text('#extractor-info'), /untrained random weights/);
    await page.reload();
    await until('the model line after a reload (key kept for the session)', async () => /vgg19/.test(await text('#extractor-info')));
    assert.equal(await visible('#global-problem'), false);
  });

  await step('an invalid upload shows the API\'s problem detail', async () => {
    await page.setInputFiles('#content-file', notAnImage);
    await page.setInputFiles('#style-files', style1Png);
    await page.click('#transfer-submit');
    await until('the 415 problem', async () => /not a PNG or JPEG/.test(await text('#transfer-problem')));
    assert.match(await text('#transfer-problem'), /Unsupported media type \(415\): content is not a PNG or JPEG image/);
    await shot('transfer-invalid-upload');
    await accessible('the transfer page with a problem');
  });

  let firstJobSeedText;
  const jobIds = [];
  await step('a small job shows progress with ETA, a loss chart, previews and the result to download', async () => {
    await page.setInputFiles('#content-file', contentPng);
    await page.setInputFiles('#style-files', style2Png);
    assert.equal(await page.locator('#style-list li').count(), 2);
    // the blend slider of the second style, by keyboard: End = 100 against 50, two thirds of the blend
    await page.focus('#style-list li:nth-child(2) input[type=range]');
    await page.keyboard.press('End');
    assert.equal(await text('#style-list li:nth-child(2) output'), '67 %');
    await page.fill('#opt-size', '48');
    await page.fill('#opt-iterations', '24');
    await page.selectOption('#opt-optimizer', 'adam');
    await page.fill('#opt-seed', '1234');
    await page.click('#transfer-form summary');
    await page.fill('#opt-preview-every', '4');
    // every text the progress line shows, kept by the page, so a fast job cannot hide a state from us
    await page.evaluate(() => {
      window.progressTexts = [];
      new MutationObserver(() => window.progressTexts.push(document.querySelector('#job-progress-text').textContent))
        .observe(document.querySelector('#job-progress-text'), { childList: true, characterData: true, subtree: true });
    });
    await page.click('#transfer-submit');
    await until('the job to appear', () => visible('#job-view'));
    assert.equal(await visible('#transfer-problem'), false);
    assert.match(await text('#job-summary'), /48px · 24 iterations · adam · 2 styles · seed 1234/);
    assert.deepEqual(pick(sentOptions.at(-1), ENGINE_OPTIONS), {}, 'engine options the user left alone are not sent');
    await until('progress by iteration', async () => /iteration \d+\/24/.test(await text('#job-progress-text')), JOB_TIMEOUT);
    await shot('transfer-running');
    await until('the job to succeed', async () => (await text('#job-status')) === 'succeeded', JOB_TIMEOUT);
    const texts = await page.evaluate(() => window.progressTexts);
    assert.ok(texts.some((t) => /scale 1\/1 · iteration \d+\/24 · \d+ evaluations · ETA \d/.test(t)),
      `no running progress with evaluations and an ETA in ${JSON.stringify(texts)}`);
    assert.match(await text('#job-progress-text'), /100 % · scale 1\/1 · iteration 24\/24 · \d+ evaluations/);
    assert.equal(await page.locator('#job-progress').evaluate((p) => p.value), 1);
    assert.ok(await page.locator('#loss-chart circle.point').count() >= 2, 'the loss chart has at least two points');
    await until('the preview image', async () => (await naturalWidth('#job-preview')) > 0);
    await until('the result image', async () => (await naturalWidth('#job-result')) === 48);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#job-download')]);
    assert.match(download.suggestedFilename(), /^pastiche-[0-9a-f]{8}-seed1234\.png$/);
    const bytes = readFileSync(await download.path());
    assert.deepEqual([...bytes.subarray(1, 4)], [0x50, 0x4e, 0x47], 'the download is a PNG');
    await accessible('the transfer page with a finished job');
    firstJobSeedText = await text('#job-summary');
    jobIds.push(await page.locator('#job-view').getAttribute('data-job-id'));
    await shot('transfer-result');
  });

  await step('"run again with this seed" starts the same job again, and it can be cancelled', async () => {
    await page.fill('#opt-seed', '');
    await page.click('#job-again');
    await until('a new active job', async () => ['queued', 'running'].includes(await text('#job-status')));
    assert.equal(await text('#job-summary'), firstJobSeedText);
    assert.equal(await page.inputValue('#opt-seed'), '1234');
    jobIds.push(await page.locator('#job-view').getAttribute('data-job-id'));
    assert.notEqual(jobIds[1], jobIds[0]);
    await page.click('#job-cancel');
    await until('the job to be cancelled', async () => (await text('#job-status')) === 'cancelled', JOB_TIMEOUT);
    assert.match(await text('#job-error'), /cancelled/);
  });

  await step('the history lists the jobs, newest first; delete removes one', async () => {
    await page.click('#history-refresh');
    const row = (id) => page.locator(`#history tbody tr[data-job-id="${id}"]`);
    await until('both jobs in the history', async () => (await row(jobIds[0]).count()) === 1 && (await row(jobIds[1]).count()) === 1);
    assert.equal(await page.locator('#history tbody tr').first().getAttribute('data-job-id'), jobIds[1]);
    assert.equal(await text(`#history tbody tr[data-job-id="${jobIds[1]}"] .badge`), 'cancelled');
    assert.equal(await text(`#history tbody tr[data-job-id="${jobIds[0]}"] .badge`), 'succeeded');
    await shot('history');
    await accessible('the history');
    await row(jobIds[1]).getByRole('button', { name: /^Delete job/ }).click();
    await until('the cancelled job to go', async () => (await row(jobIds[1]).count()) === 0);
    assert.equal(await row(jobIds[0]).count(), 1);
    assert.equal(await visible('#job-view'), false, 'the deleted job was on show and is no longer');
    assert.equal((await api(`/v1/style-transfers/${jobIds[1]}`)).status(), 404, 'the service no longer has it');
  });

  await step('the engine options (pooling, style loss, layer weights, averaging, initial iterations) are sent as set, resolved and restored', async () => {
    // one iteration: a Wasserstein-2 evaluation takes square roots of 512×512 covariances, seconds on a CPU
    await page.fill('#opt-iterations', '1');
    await page.selectOption('#opt-pooling', 'avg');
    await page.selectOption('#opt-style-loss', 'w2');
    await page.fill('#opt-average-decay', '0.9');
    await page.fill('#opt-initial-iterations', '3');
    await page.fill('#opt-layer-weight-5', '-1');
    const before = sentOptions.length;
    await page.click('#transfer-submit');
    await until('the local problem', async () => /styleLayerWeights block5_conv1: not a number ≥ 0/.test(await text('#transfer-problem')));
    assert.equal(sentOptions.length, before, 'nothing was sent');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'opt-layer-weight-5');
    assert.equal(await page.getAttribute('#opt-layer-weight-5', 'aria-invalid'), 'true');
    await page.fill('#opt-layer-weight-1', '0.5');
    await page.fill('#opt-layer-weight-5', '4');
    const chosen = { pooling: 'avg', styleLoss: 'w2', averageDecay: 0.9, initialIterations: 3, styleLayerWeights: [0.5, 1, 1, 1, 4] };
    await page.click('#transfer-submit');
    const id = await until('the new job on show', async () => {
      const shown = (await visible('#job-view')) && (await page.locator('#job-view').getAttribute('data-job-id'));
      return shown && !jobIds.includes(shown) && shown;
    });
    assert.equal(await visible('#transfer-problem'), false);
    assert.equal(sentOptions.length, before + 1);
    assert.deepEqual(pick(sentOptions.at(-1), ENGINE_OPTIONS), chosen, 'the options part carries exactly what was set');
    await until('the job to end', async () => ['succeeded', 'failed', 'cancelled'].includes(await text('#job-status')), JOB_TIMEOUT);
    assert.equal(await text('#job-status'), 'succeeded', await text('#job-error'));
    const job = await (await api(`/v1/style-transfers/${id}`)).json();
    assert.deepEqual(pick(job.options, ENGINE_OPTIONS), chosen, 'the resolved options');
    assert.equal(job.result.iterations, 1);
    assert.ok(job.result.evaluations >= 1, `evaluations ${job.result.evaluations}`);
    assert.match(await text('#job-progress-text'), new RegExp(`iteration 1/1 · ${job.progress.evaluations} evaluations? · loss`));
    await until('the result summary', () => visible('#job-result-summary'));
    assert.match(await text('#job-result-summary'), new RegExp(`^48×36 PNG · 1 iteration · ${job.result.evaluations} evaluations? · loss `));
    await shot('transfer-engine-options');
    // cleared, then "run again" without a content image only restores the job's options into the form
    await page.selectOption('#opt-pooling', '');
    await page.selectOption('#opt-style-loss', '');
    for (const field of ['#opt-average-decay', '#opt-initial-iterations', '#opt-layer-weight-1', '#opt-layer-weight-5']) {
      await page.fill(field, '');
    }
    await page.setInputFiles('#content-file', []);
    await page.click('#job-again');
    await until('the options to be restored', async () => /Options restored/.test(await text('#transfer-problem')));
    assert.equal(sentOptions.length, before + 1, 'restoring sends nothing');
    assert.equal(await page.inputValue('#opt-pooling'), 'avg');
    assert.equal(await page.inputValue('#opt-style-loss'), 'w2');
    assert.equal(await page.inputValue('#opt-average-decay'), '0.9');
    assert.equal(await page.inputValue('#opt-initial-iterations'), '3');
    assert.deepEqual(await page.locator('#opt-layer-weights input').evaluateAll((inputs) => inputs.map((i) => i.value)),
      ['0.5', '1', '1', '1', '4']);
    await accessible('the transfer page with every option open');
  });

  await step('masks: a mask drawn for one style only blocks the start, saying which style needs one', async () => {
    // a fresh page (the key stays for the session), so no style or option from the steps before
    await page.goto('about:blank');
    await page.goto(`${baseUrl}/#transfer`);
    await until('the model line', async () => /vgg19/.test(await text('#extractor-info')));
    assert.equal(await visible('#mask-editor'), false);
    assert.equal(await visible('#masks-empty'), true);
    await page.setInputFiles('#content-file', contentPng);
    await page.setInputFiles('#style-files', [style1Png, style2Png]);
    await until('the mask editor at the content\'s size', async () => (await visible('#mask-editor'))
      && (await page.locator('#mask-overlay').evaluate((c) => `${c.width}×${c.height}`)) === '64×48');
    assert.match(await text('#mask-state'), /^No masks: every style applies to the whole image/);
    assert.deepEqual(await page.locator('#mask-style option').allTextContents(), ['Style 1 (style-one.png)', 'Style 2 (style-two.png)']);
    // style 1: a stroke 8 px wide along y = 16 from x = 4 to 28, then a 6 px eraser dab at (16, 16)
    await setRange('#mask-brush', 8);
    assert.equal(await text('#mask-brush-size'), '8 px');
    await stroke('#mask-overlay', [[4, 16], [16, 16], [28, 16]]);
    await page.check('#mask-tool-eraser');
    await setRange('#mask-brush', 6);
    await stroke('#mask-overlay', [[16, 16]]);
    const red = await maskColour(1);
    await until('the stroke in style 1\'s colour', async () => showsColour(await overlayPixel(8, 16), red) && showsColour(await overlayPixel(24, 16), red));
    assert.equal((await overlayPixel(16, 16))[3], 0, 'erased');
    assert.equal((await overlayPixel(8, 30))[3], 0, 'never painted');
    assert.match(await text('#mask-state'), /^Not ready: style 2 has no mask/);
    assert.deepEqual(await page.locator('#mask-legend li').evaluateAll((items) => items.map((i) => i.dataset.mask)), ['yes', 'no']);
    // style 2: a square mask does not fit the 4:3 content; "Fill" gives it a mask everywhere; cleared again, the set is partial
    await page.selectOption('#mask-style', { label: 'Style 2 (style-two.png)' });
    await page.setInputFiles('#mask-file', style1Png);
    await until('the mask refused', async () => /^Mask does not fit/.test(await text('#mask-problem')));
    assert.match(await text('#mask-problem'), /style-one\.png is 40×40; a mask needs the content image's aspect ratio \(64×48\) within 1 %/);
    await page.click('#mask-fill');
    await until('every style with a mask', async () => /^Every style has a mask/.test(await text('#mask-state')));
    await page.click('#mask-clear');
    await until('style 2 without a mask again', async () => /^Not ready: style 2 has no mask/.test(await text('#mask-state')));
    await page.selectOption('#mask-style', { label: 'Style 1 (style-one.png)' });
    const before = sentOptions.length;
    await page.click('#transfer-submit');
    await until('the local problem', async () => /^Masks incomplete/.test(await text('#transfer-problem')));
    assert.match(await text('#transfer-problem'), /style 2 \(style-two\.png\) has no mask\. Once one style has a mask every style needs one/);
    assert.equal(sentOptions.length, before, 'nothing was sent');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'mask-style');
    assert.equal(await page.locator('#mask-style option:checked').textContent(), 'Style 2 (style-two.png)', 'the style to fix is picked');
    await shot('transfer-mask-missing');
    await accessible('the mask editor with a mask missing');
  });

  await step('masks: drawn, erased and uploaded masks show in their colours and are sent as drawn, with a colour mode and per-style scales', async () => {
    // style 2 (picked by the step before): a grey PNG, white from x = 40
    await page.setInputFiles('#mask-file', rightMask);
    const red = await maskColour(1);
    const green = await maskColour(2);
    assert.notDeepEqual(red, green, 'each style has its own colour');
    await until('the uploaded mask in style 2\'s colour', async () => showsColour(await overlayPixel(52, 30), green));
    assert.ok(showsColour(await overlayPixel(8, 16), red), 'style 1\'s stroke is still on show');
    assert.equal((await overlayPixel(30, 40))[3], 0, 'no style at (30, 40)');
    assert.match(await text('#mask-state'), /^Every style has a mask/);
    assert.equal(await visible('#transfer-problem'), false, 'the refusal of the partial set went with it');
    await shot('transfer-masks');
    await page.check('#color-mode-histogram');
    await page.fill('#style-list li:nth-child(1) input.style-scale', '5');
    await page.click('#transfer-submit');
    await until('the scale problem', async () => /styleScales Scale of style 1: not between 0\.1 and 4/.test(await text('#transfer-problem')));
    await page.fill('#style-list li:nth-child(1) input.style-scale', '1.5');
    await page.fill('#opt-size', '48');
    await page.fill('#opt-iterations', '4');
    await page.selectOption('#opt-optimizer', 'adam');
    await page.fill('#opt-seed', '4321');
    const before = sentOptions.length;
    await page.click('#transfer-submit');
    await until('the request', () => sentOptions.length === before + 1);
    assert.deepEqual(pick(sentOptions.at(-1), ['colorMode', 'styleScales']), { colorMode: 'histogram', styleScales: [1.5, 1] });
    // what was sent is what the overlay showed: one opaque grey PNG per style at the content's size
    // (the browser's encoder picks the colour type: every pixel has r = g = b and alpha 255)
    const masks = sentMasks.at(-1).map(decodePng).map((mask) => {
      assert.deepEqual([mask.width, mask.height], [64, 48], 'at the content\'s size');
      const grey = new Uint8Array(64 * 48);
      for (let i = 0; i < grey.length; i++) {
        const pixel = [...mask.pixels.subarray(i * mask.channels, (i + 1) * mask.channels)];
        const [r, g, b, a = 255] = mask.channels < 3 ? [pixel[0], pixel[0], pixel[0], pixel[1]] : pixel;
        assert.ok(r === g && g === b && a === 255, `mask pixel ${i}: opaque grey, not ${[r, g, b, a]}`);
        grey[i] = r;
      }
      return { pixels: grey };
    });
    assert.equal(masks.length, 2, 'one mask per style');
    const at = (mask, x, y) => mask.pixels[y * 64 + x];
    assert.deepEqual([at(masks[0], 8, 16), at(masks[0], 16, 16), at(masks[0], 24, 16), at(masks[0], 8, 30)], [255, 0, 255, 0]);
    assert.ok(masks[1].pixels.every((v, i) => v === (i % 64 >= 40 ? 255 : 0)), 'style 2\'s mask is the uploaded one');
    const shown = await overlayPixels();
    const mismatches = masks[0].pixels.filter((m1, i) => {
      // two layers at half opacity, one over the other
      const expected = 255 * (1 - (1 - (0.5 * m1) / 255) * (1 - (0.5 * masks[1].pixels[i]) / 255));
      return Math.abs(shown[i * 4 + 3] - expected) > 2;
    }).length;
    assert.equal(mismatches, 0, 'the overlay\'s coverage is the masks\'');
    await until('the masked job on show', async () => (await visible('#job-view')) && /seed 4321/.test(await text('#job-summary')));
    assert.equal(await visible('#transfer-problem'), false, await text('#transfer-problem'));
    const id = await page.locator('#job-view').getAttribute('data-job-id');
    await until('the job to end', async () => ['succeeded', 'failed', 'cancelled'].includes(await text('#job-status')), JOB_TIMEOUT);
    assert.equal(await text('#job-status'), 'succeeded', await text('#job-error'));
    assert.match(await text('#job-summary'), /· colours histogram$/);
    const job = await (await api(`/v1/style-transfers/${id}`)).json();
    assert.deepEqual(pick(job.options, ['colorMode', 'styleScales']), { colorMode: 'histogram', styleScales: [1.5, 1] }, 'the resolved options');
    // the recipe keys each stored image by the SHA-256 of its bytes: the service ran on the masks sent, in order
    assert.deepEqual(job.recipe.inputs.masks, sentMasks.at(-1).map((bytes) => createHash('sha256').update(bytes).digest('hex')));
    await until('the result image', async () => (await naturalWidth('#job-result')) === 48);
    await shot('transfer-masked-result');
    await accessible('the transfer page with masks and a finished job');
    // a content image of another size: the masks no longer fit and go
    await page.setInputFiles('#content-file', otherPng);
    await until('the masks cleared', async () => /^Masks cleared/.test(await text('#mask-problem')));
    assert.match(await text('#mask-state'), /^No masks/);
    assert.equal(await page.locator('#mask-overlay').evaluate((c) => `${c.width}×${c.height}`), '80×60');
  });

  await step('compare: distances in total and per layer, and the API\'s message for images of two sizes', async () => {
    await page.click('a[data-tab=compare]');
    await until('the compare panel', () => visible('#panel-compare'));
    assert.equal(await visible('#panel-transfer'), false);
    await page.setInputFiles('#compare-reference', contentPng);
    await page.setInputFiles('#compare-candidate', otherPng);
    await page.uncheck('#compare-resize');
    await page.click('#compare-submit');
    await until('the 422 problem', async () => /candidate is 80×60 but reference is 64×48/.test(await text('#compare-problem')));
    assert.match(await text('#compare-problem'), /^Invalid image \(422\)/);
    await page.check('#compare-resize');
    await page.click('#compare-submit');
    await until('the distances', () => visible('#compare-result'));
    assert.equal(await visible('#compare-problem'), false);
    for (const metric of ['content', 'style', 'features']) {
      const value = Number(await text(`#compare-totals dd[data-metric=${metric}]`));
      assert.ok(Number.isFinite(value) && value > 0, `${metric} is a positive number`);
    }
    assert.equal(await page.locator('[data-chart=style] rect.bar').count(), 5);
    assert.equal(await page.locator('[data-chart=features] rect.bar').count(), 5);
    assert.equal(await page.locator('[data-chart=content] rect.bar').count(), 1);
    assert.match(await text('#compare-table tbody'), /block1_conv1.*block4_conv2.*block5_conv1/s);
    await shot('compare');
    await accessible('the compare page with results');
  });

  await step('compare: the distance map at the reference\'s size, fetched again for another metric and with the overlay', async () => {
    // the step before compared content.png (64×48) with other.png (80×60), resized
    const lpips = lpipsOf(await (await api('/v1/models')).json());
    assert.deepEqual(await page.locator('#heatmap-metric option').evaluateAll((options) => options.map((o) => [o.value, o.disabled])),
      [['content', false], ['features', false], ['lpips', !lpips.available]], 'no style map; LPIPS only when the service has it');
    if (!lpips.available) {
      assert.equal(await text('#heatmap-lpips-reason'), `LPIPS is unavailable: ${lpips.reason}`);
    }
    const shown = (metric, overlay) => page.locator('#compare-heatmap').evaluate((img, [m, o]) => !img.hidden && img.complete
      && img.dataset.metric === m && img.dataset.overlay === String(o) && `${img.naturalWidth}×${img.naturalHeight}`, [metric, overlay]);
    const size = await until('the features map, decoded', () => shown('features', false));
    assert.deepEqual(sentMaps.at(-1), { metric: 'features', overlay: null, resize: 'true', accept: 'image/png' });
    // the PNG the service answered: the reference's 64×48 with the legend strip below
    const answer = (n) => {
      assert.equal(mapAnswers.at(n).status, 200);
      const map = decodePng(mapAnswers.at(n).body);
      assert.equal(map.width, 64, 'the map is as wide as the reference');
      assert.ok(map.height > 48 && map.height <= 96, `the map is the reference's 48 rows and a legend strip, not ${map.height}`);
      return map;
    };
    const plain = answer(-1);
    // without the overlay every pixel of the map proper is a viridis colour (the page's, within 6/255 of the service's table)
    const viridis = await page.evaluate(async () => {
      const { viridis: colour } = await import('/studio/js/charts.js');
      return Array.from({ length: 1025 }, (_, i) => colour(i / 1024));
    });
    const offScale = [];
    for (let i = 0; i < 64 * 48; i++) {
      const pixel = [...plain.pixels.subarray(i * plain.channels, i * plain.channels + 3)];
      if (!viridis.some((c) => c.every((v, k) => Math.abs(v - pixel[k]) <= 8))) {
        offScale.push(`(${i % 64}, ${Math.floor(i / 64)}): ${pixel}`);
      }
    }
    assert.deepEqual(offScale.slice(0, 5), [], `${offScale.length} pixels of the map are not on the viridis scale`);
    assert.equal(size, `${plain.width}×${plain.height}`, 'the page shows the PNG as the service made it');
    const before = sentMaps.length;
    await page.selectOption('#heatmap-metric', 'content');
    assert.equal(await until('the content map', () => shown('content', false)), size);
    assert.equal(sentMaps.length, before + 1, 'another metric: fetched again');
    assert.deepEqual(sentMaps.at(-1), { metric: 'content', overlay: null, resize: 'true', accept: 'image/png' });
    answer(-1);
    await page.check('#heatmap-overlay');
    assert.equal(await until('the content map over the reference', () => shown('content', true)), size);
    assert.equal(sentMaps.length, before + 2, 'the overlay: fetched again');
    assert.deepEqual(sentMaps.at(-1), { metric: 'content', overlay: 'true', resize: 'true', accept: 'image/png' });
    assert.ok(!answer(-1).pixels.equals(answer(-2).pixels), 'the overlay changes the picture');
    await page.selectOption('#heatmap-metric', 'features');
    assert.equal(await until('the features map over the reference', () => shown('features', true)), size);
    assert.ok(!answer(-1).pixels.equals(plain.pixels), 'the overlay changes the features map too');
    assert.match(await page.getAttribute('#compare-heatmap', 'alt'), /features distance per pixel .*over the reference/);
    await shot('compare-map');
    await accessible('the compare page with a distance map');
    // the map's mean is the pair's distance (API.md): the page shows the one the service reports
    const mean = Number(mapAnswers.at(-1).mean);
    assert.match(await text('#heatmap-summary'), /^mean \S+ · largest \S+$/);
    assert.ok(Math.abs(Number(/^mean (\S+)/.exec(await text('#heatmap-summary'))[1]) - mean) <= 5e-4 * mean, await text('#heatmap-summary'));
    const total = Number(await text('#compare-totals dd[data-metric=features]'));
    assert.ok(Math.abs(mean - total) <= 0.02 * total, `the features map's mean ${mean} is the features distance ${total}`);
  });

  await step('set: four images give a symmetric matrix per metric with a zero diagonal, as the service computed it, and the closest pairs', async () => {
    await page.click('a[data-tab=set]');
    await until('the set panel', () => visible('#panel-set'));
    const lpips = lpipsOf(await (await api('/v1/models')).json());
    assert.equal(await page.locator('#set-metric-lpips').isDisabled(), !lpips.available);
    if (!lpips.available) {
      assert.equal(await text('#set-lpips-reason'), `LPIPS is unavailable: ${lpips.reason}`);
    }
    await page.setInputFiles('#set-files', contentPng);
    await page.click('#set-submit');
    await until('the local problem', async () => /^Too few images/.test(await text('#set-problem')));
    // two chosen, one dropped on the zone, as if chosen
    await page.setInputFiles('#set-files', [style1Png, style2Png]);
    await page.locator('.drop[data-drop-for=set-files]').evaluate((zone, bytes) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([new Uint8Array(bytes)], 'other.png', { type: 'image/png' }));
      zone.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
    }, [...otherPng.buffer]);
    const set = [contentPng, style1Png, style2Png, otherPng];
    assert.deepEqual(await page.locator('#set-list .set-name').allTextContents(), set.map((f, i) => `${i + 1} ${f.name}`));
    assert.equal(await text('#set-count'), '4 images');
    const [response] = await Promise.all([
      page.waitForResponse((r) => new URL(r.url()).pathname === '/v1/perceptual-distance-matrix', { timeout: 60_000 }),
      page.click('#set-submit'),
    ]);
    assert.equal(response.status(), 200, await response.text());
    const answer = await response.json();
    assert.deepEqual(sentMatrices.at(-1), { metrics: 'content,style,features', resize: 'true', images: 4 });
    assert.deepEqual(answer.images.map((i) => i.sha256), set.map((f) => createHash('sha256').update(f.buffer).digest('hex')),
      'the service saw the four images, in the list\'s order');
    const metrics = ['content', 'style', 'features'];
    assert.deepEqual(Object.keys(answer.metrics).sort(), [...metrics].sort());
    await until('a matrix per metric', async () => (await page.locator('#set-result table.matrix').count()) === 3);
    for (const metric of metrics) {
      const table = `#set-result table.matrix[data-metric=${metric}]`;
      const cells = await page.locator(`${table} tbody tr`).evaluateAll((rows) => rows.map((row) => [...row.querySelectorAll('td')]
        .map((td) => ({ value: Number(td.dataset.value), text: td.textContent, background: td.style.backgroundColor }))));
      const shown = cells.map((row) => row.map((c) => c.value));
      assert.deepEqual(shown, answer.metrics[metric], `${metric}: the entries are the service's`);
      assert.equal(shown.length, 4);
      const offDiagonal = [];
      for (let i = 0; i < 4; i++) {
        assert.equal(shown[i].length, 4);
        assert.equal(shown[i][i], 0, `${metric}: image ${i + 1} against itself`);
        for (let j = 0; j < 4; j++) {
          assert.equal(shown[i][j], shown[j][i], `${metric}: symmetric at ${i + 1}, ${j + 1}`);
          const value = Number(cells[i][j].text);
          assert.ok(Math.abs(value - shown[i][j]) <= 5e-4 * Math.abs(shown[i][j]), `${metric}: cell ${i + 1}, ${j + 1} reads ${cells[i][j].text} for ${shown[i][j]}`);
          if (j > i) {
            assert.ok(shown[i][j] > 0, `${metric}: different images ${i + 1} and ${j + 1} are apart`);
            offDiagonal.push({ i, j, value: shown[i][j] });
          }
        }
      }
      offDiagonal.sort((a, b) => a.value - b.value);
      const smallest = offDiagonal[0];
      const largest = offDiagonal.at(-1);
      assert.equal(cells[smallest.i][smallest.j].background, 'rgb(68, 1, 84)', `${metric}: the smallest distance is viridis' darkest`);
      assert.equal(cells[largest.i][largest.j].background, 'rgb(253, 231, 37)', `${metric}: the largest distance is viridis' brightest`);
      const pairs = await page.locator(`#set-result section[data-metric=${metric}] ol.pairs li`).evaluateAll((items) => items
        .map((li) => ({ i: Number(li.dataset.i), j: Number(li.dataset.j), value: Number(li.dataset.value) })));
      assert.equal(pairs.length, 5, 'the five closest of six pairs');
      assert.deepEqual(pairs[0], smallest, `${metric}: the closest pair listed is the smallest entry`);
      assert.deepEqual(pairs.map((p) => p.value), offDiagonal.slice(0, 5).map((p) => p.value), `${metric}: the pairs, closest first`);
      for (const pair of pairs) {
        assert.equal(pair.value, answer.metrics[metric][pair.i][pair.j]);
      }
      const first = await text(`#set-result section[data-metric=${metric}] ol.pairs li`);
      assert.ok(first.startsWith(`${smallest.i + 1} and ${smallest.j + 1} (${set[smallest.i].name}, ${set[smallest.j].name}): `), first);
      const legend = await page.locator(`#set-result section[data-metric=${metric}] svg.colour-scale text`).allTextContents();
      assert.equal(legend.length, 3, `${metric}: a legend with three ticks`);
    }
    await shot('set');
    await accessible('the set view with its matrices');
    await page.click('#set-list li:nth-child(4) button');
    assert.equal(await page.locator('#set-list li').count(), 3);
    assert.equal(await text('#set-count'), '3 images');
  });

  await step('architecture: VGG16\'s table and parameter totals, 89 % in the fully connected layers', async () => {
    await page.click('a[data-tab=architecture]');
    await page.selectOption('#arch-variant', 'vgg16');
    await until('VGG16\'s table', async () => /VGG16/.test(await text('#arch-title')) && (await visible('#arch-result')));
    assert.equal(await text('#arch-totals dd[data-total=parameters]'), '138,357,544');
    assert.equal(await text('#arch-totals dd[data-total=conv]'), '14,714,688 (10.6 %)');
    assert.equal(await text('#arch-totals dd[data-total=fc]'), '123,642,856 (89.4 %)');
    assert.match(await text('#arch-fact'), /^89\.4 % of VGG16's parameters are in its three fully connected layers/);
    // bars: 13 convolutions and 3 fully connected layers, plus one legend swatch each
    assert.equal(await page.locator('#arch-chart rect.bar.conv').count(), 14);
    assert.equal(await page.locator('#arch-chart rect.bar.fc').count(), 4);
    const table = await text('#arch-table tbody');
    assert.match(table, /block1_conv1.*block5_conv3.*fc1.*fc3/s);
    const row = await page.locator('#arch-table tbody tr', { hasText: 'block5_pool' }).allTextContents();
    assert.match(row[0], /512 × 7 × 7/);
    assert.equal(await page.locator('#variants-table tbody tr').count(), 8);
    await page.fill('#arch-height', '20');
    await page.click('#arch-submit');
    await until('the 400 problem for a too small input', async () => /height/.test(await text('#arch-problem')));
    assert.match(await text('#arch-problem'), /Invalid request \(400\).*height.*must be between 32/s);
    await page.fill('#arch-height', '224');
    await page.click('#arch-submit');
    await until('the table again', async () => !(await visible('#arch-problem')) && (await visible('#arch-result')));
    await shot('architecture');
    await accessible('the architecture page');
  });

  await step('architecture facts: each block\'s share of parameters and FLOPs, FLOPs per layer, and the 3×3-stacking comparison', async () => {
    await page.selectOption('#arch-variant', 'vgg19');
    await until('VGG19\'s table', async () => /VGG19/.test(await text('#arch-title')) && (await visible('#arch-result')));
    const blocks = await page.locator('#arch-blocks tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.block));
    assert.deepEqual(blocks, ['block1', 'block2', 'block3', 'block4', 'block5', 'classifier']);
    assert.equal(await text('#arch-blocks tr[data-block=classifier] td[data-share=parameters]'), '86.1 %');
    assert.match(await text('#arch-flops-fact'), /39\.\d\d GFLOPs/);
    // 6 blocks × (parameters, FLOPs) bars plus the two legend swatches
    assert.equal(await page.locator('#arch-block-chart rect.bar').count(), 14);
    const conv = await page.locator('#arch-table tbody tr', { hasText: 'block1_conv2' }).allTextContents();
    assert.match(conv[0], /3699\.4/, '2·9·64·64·224² FLOPs, in millions');
    assert.equal(await page.locator('#arch-stacking tbody tr').count(), 4);
    assert.equal(await text('#arch-stacking tr[data-convs="3"] td[data-ratio]'), '55.1 %');
    assert.match(await text('#arch-stacking tr[data-convs="3"]'), /7×7.*7,077,888.*12,845,056/s);
    await page.fill('#arch-stack-channels', '64');
    await page.click('#arch-submit');
    await until('the comparison for 64 channels', async () => /110,592/.test(await text('#arch-stacking tr[data-convs="3"]')));
    const api512 = await (await api('/v1/models/vgg19?stackChannels=512')).json();
    assert.equal(api512.stacking.comparisons[2].stackedParameters, 27 * 512 * 512);
    await shot('architecture-facts');
    await accessible('the architecture facts');
  });

  await step('feature maps: one layer, then the first convolution of every block', async () => {
    await page.click('a[data-tab=features]');
    // dropped on its zone, as if chosen
    await page.locator('.drop[data-drop-for=features-image]').evaluate((zone, bytes) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([new Uint8Array(bytes)], 'dropped.png', { type: 'image/png' }));
      zone.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
    }, [...contentPng.buffer]);
    assert.equal(await page.locator('#features-image').evaluate((input) => input.files[0]?.name), 'dropped.png');
    await until('the dropped image\'s thumbnail', async () => (await naturalWidth('#features-thumb')) === 64);
    await page.selectOption('#features-layer', 'block2_conv1');
    await page.fill('#features-channels', '16');
    await page.click('#features-submit');
    await until('the block2_conv1 grid', async () => (await naturalWidth('figure[data-layer=block2_conv1] img')) > 0, 60_000);
    await page.check('#features-blocks');
    await page.click('#features-submit');
    await until('five grids', async () => (await page.locator('.feature-grid img').count()) === 5
        && (await page.locator('.feature-grid img').evaluateAll((imgs) => imgs.every((i) => i.complete && i.naturalWidth > 0))), 90_000);
    assert.deepEqual(await page.locator('.feature-grid').evaluateAll((f) => f.map((x) => x.dataset.layer)),
      ['block1_conv1', 'block2_conv1', 'block3_conv1', 'block4_conv1', 'block5_conv1']);
    await shot('features');
    await accessible('the feature maps');
  });

  await step('classify: the top 5 classes as bars, the probabilities the service computed, and the random classifier said so', async () => {
    await page.click('a[data-tab=classify]');
    await page.setInputFiles('#classify-image', contentPng);
    await until('the thumbnail', async () => (await naturalWidth('#classify-thumb')) === 64);
    const answered = page.waitForResponse((r) => r.url().endsWith('/v1/classifications'));
    await page.click('#classify-submit');
    const answer = await (await answered).json();
    await until('five predictions', async () => (await page.locator('#classify-predictions li').count()) === 5, 90_000);
    assert.equal(answer.predictions.length, 5);
    const shown = await page.locator('#classify-predictions li').evaluateAll((items) => items.map((li) => ({
      index: Number(li.dataset.index),
      probability: Number(li.querySelector('[data-probability]').dataset.probability),
      width: parseFloat(li.querySelector('.prediction-fill').style.width),
    })));
    assert.deepEqual(shown.map((p) => p.index), answer.predictions.map((p) => p.index));
    assert.deepEqual(shown.map((p) => p.probability), answer.predictions.map((p) => p.probability));
    for (let i = 1; i < 5; i++) {
      assert.ok(shown[i].probability <= shown[i - 1].probability, 'most probable first');
      assert.ok(shown[i].width <= shown[i - 1].width, 'bars follow the probabilities');
    }
    assert.equal(shown[0].width, 100);
    assert.match(await text('#classify-predictions li:first-child'), new RegExp(answer.predictions[0].label));
    assert.equal(answer.model.classifier.keys, 'random');
    assert.ok(await visible('#classify-random'), 'the random classifier is said to be random');
    assert.match(await text('#classify-model'), /random keys; short side resized to 256/);
    await shot('classify');
    await accessible('the classify page');
    await page.fill('#classify-top', '0');
    await page.click('#classify-submit');
    await until('the 400 problem for top 0', async () => /top/.test(await text('#classify-problem')));
    assert.match(await text('#classify-problem'), /Invalid request \(400\).*top.*must be between 1 and 1000/s);
    await page.fill('#classify-top', '5');
  });

  await step('train a classifier: a zip of two texture folders trains, shows counts, accuracies and the confusion matrix, classifies an image, and is deleted', async () => {
    await page.click('a[data-tab=classifiers]');
    const entries = [];
    for (let i = 0; i < 8; i++) {
      entries.push([`dots/${i}.png`, texture('dots', i + 1)], [`stripes/${i}.png`, texture('stripes', i + 101)]);
    }
    await page.setInputFiles('#classifier-zip', { name: 'textures.zip', mimeType: 'application/zip', buffer: storedZip(entries) });
    assert.match(await text('#classifier-selection'), /textures\.zip/);
    await page.fill('#classifier-epochs', '10');
    await page.fill('#classifier-seed', '3');
    await page.click('#classifier-submit');
    await until('the training to succeed', async () => /^succeeded/.test(await text('#classifier-status')), JOB_TIMEOUT);
    assert.deepEqual(await page.locator('#classifier-counts tr').evaluateAll((rows) => rows.slice(1).map((r) => r.textContent)),
      ['dots862', 'stripes862']);
    assert.equal(await page.locator('#classifier-progress').evaluate((p) => p.value), 1);
    const cells = await page.locator('#classifier-confusion td').evaluateAll((tds) => tds.map((td) => Number(td.textContent)));
    assert.equal(cells.reduce((a, b) => a + b, 0), 4, 'every held-out image once in the confusion matrix');
    assert.match(await text('#classifier-accuracy'), /on the training images, [\d.]+ % on the held-out images/);
    await page.setInputFiles('#classifier-probe', file('probe.png', texture('stripes', 999)));
    await page.click('#classifier-predict');
    await until('two predictions', async () => (await page.locator('#classifier-predictions li').count()) === 2, 30_000);
    const values = await page.locator('#classifier-predictions meter').evaluateAll((meters) => meters.map((m) => m.value));
    assert.ok(values[0] >= values[1], `most probable first: ${values}`);
    assert.ok(Math.abs(values[0] + values[1] - 1) < 1e-3, `probabilities sum to 1: ${values}`);
    await shot('classifier');
    await accessible('the classifier');
    await page.click('#classifier-delete');
    await until('the classifier gone', async () => !(await visible('#classifier-result')));
  });

  await step('accessible: every control is labelled (axe-core checked each page above), and the sections work by keyboard with a visible focus', async () => {
    for (const tab of ['transfer', 'compare', 'set', 'architecture', 'features', 'classify', 'classifiers']) {
      await page.click(`a[data-tab=${tab}]`);
      const unlabelled = await page.evaluate(() => [...document.querySelectorAll('input, select, textarea, button')]
        .filter((e) => e.offsetParent !== null)
        .filter((e) => !(e.labels?.length || e.getAttribute('aria-label') || e.getAttribute('aria-labelledby')
          || (e.tagName === 'BUTTON' && e.textContent.trim())))
        .map((e) => e.id || e.outerHTML.slice(0, 80)));
      assert.deepEqual(unlabelled, [], `unlabelled controls on ${tab}`);
    }
    await page.goto('about:blank');
    await page.goto(`${baseUrl}/#compare`);
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Skip to content');
    await page.keyboard.press('Enter');
    await until('focus in the main content', () => page.evaluate(() => document.activeElement.id === 'main'));
    assert.equal(await visible('#panel-compare'), true, 'the skip link keeps the section on show');
    await page.goto(`${baseUrl}/`);
    await page.keyboard.press('Tab');
    let found = false;
    for (let i = 0; i < 15 && !found; i++) {
      await page.keyboard.press('Tab');
      found = await page.evaluate(() => document.activeElement.dataset?.tab === 'architecture');
    }
    assert.ok(found, 'the Architecture section is reachable with Tab');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert.notEqual(outline, 'none', 'the focused link shows its focus');
    await page.keyboard.press('Enter');
    await until('the architecture panel by keyboard', () => visible('#panel-architecture'));
  });

  await step('phone width (375 px): nothing overflows sideways, the distance map and the matrices included', async () => {
    const phone = await browser.newContext({ viewport: { width: 375, height: 812 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    if (apiKey) {
      await phone.addInitScript((key) => sessionStorage.setItem('pastiche.apiKey', key), apiKey);
    }
    const small = await phone.newPage();
    small.on('pageerror', (error) => pageErrors.push(String(error)));
    await small.goto(`${baseUrl}/#transfer`);
    await until('the model line on the phone', async () => /vgg19/.test((await small.locator('#extractor-info').textContent()) || ''));
    await small.setInputFiles('#content-file', contentPng);
    await small.setInputFiles('#style-files', [style1Png, style2Png]);
    const overflow = () => small.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(await overflow() <= 0, `the transfer page is ${await overflow()} px too wide`);
    await shot('phone-transfer', small);
    await accessible('the transfer page at phone width', small);
    await small.goto(`${baseUrl}/#architecture`);
    await until('the architecture table on the phone', async () => (await small.locator('#arch-table tbody tr').count()) > 30);
    assert.ok(await overflow() <= 0, `the architecture page is ${await overflow()} px too wide`);
    await shot('phone-architecture', small);
    await small.goto(`${baseUrl}/#compare`);
    await small.setInputFiles('#compare-reference', contentPng);
    await small.setInputFiles('#compare-candidate', otherPng);
    await small.click('#compare-submit');
    await until('the distance map on the phone', () => small.locator('#compare-heatmap').evaluate((img) => !img.hidden && img.complete && img.naturalWidth > 0));
    assert.ok(await overflow() <= 0, `the compare page is ${await overflow()} px too wide`);
    await shot('phone-compare', small);
    await accessible('the compare page at phone width', small);
    await small.goto(`${baseUrl}/#set`);
    await small.setInputFiles('#set-files', [contentPng, style1Png, style2Png]);
    await small.click('#set-submit');
    await until('the matrices on the phone', async () => (await small.locator('#set-result table.matrix').count()) === 3, 60_000);
    assert.ok(await overflow() <= 0, `the set page is ${await overflow()} px too wide`);
    await shot('phone-set', small);
    await accessible('the set view at phone width', small);
    await phone.close();
  });

  await step('no uncaught script errors', async () => {
    assert.deepEqual(pageErrors, []);
  });
}

let exitCode = 0;
try {
  await main();
  console.log(`# ${passed} steps passed in ${((Date.now() - started) / 1000).toFixed(1)} s; screenshots in ${shots}`);
} catch {
  console.log(`# failed after ${passed} passing steps, ${((Date.now() - started) / 1000).toFixed(1)} s`);
  exitCode = 1;
} finally {
  await browser?.close().catch(() => {});
}
process.exit(exitCode);
