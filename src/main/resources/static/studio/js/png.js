// 8-bit greyscale PNGs (colour type 0), written byte by byte: a canvas can only export RGBA, whose
// alpha a mask reader may take for the mask, so a mask is sent as exactly the grey values the studio shows.

const SIGNATURE = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

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

/** A PNG chunk: length, type, data, and the CRC of type and data (PNG spec §5.3). */
function chunk(type, data) {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set([...type].map((c) => c.charCodeAt(0)), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/**
 * A greyscale PNG of width × height values (0 black … 255 white, row by row).
 *
 * @returns {Promise<Blob>} image/png
 */
export async function greyPng(width, height, values) {
  // every row starts with its filter type, 0 (none)
  const raw = new Uint8Array((width + 1) * height);
  for (let y = 0; y < height; y++) {
    raw.set(values.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  }
  // CompressionStream's "deflate" is the zlib stream that IDAT holds
  const zlib = new Uint8Array(await new Response(new Blob([raw]).stream().pipeThrough(new CompressionStream('deflate'))).arrayBuffer());
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header.set([8, 0, 0, 0, 0], 8); // 8 bits, greyscale, deflate, adaptive filtering, no interlace
  return new Blob([SIGNATURE, chunk('IHDR', header), chunk('IDAT', zlib), chunk('IEND', new Uint8Array(0))], { type: 'image/png' });
}
