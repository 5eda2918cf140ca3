// Draws assets/icon.png (512x512 RGBA): a teal rounded square with a white heartbeat line. No image
// library: the shapes are signed distances (anti-aliased over one pixel) and the PNG chunks are written
// by hand. electron-builder derives the .ico, .icns and Linux sizes from this file.
//
//   node scripts/make-icon.mjs
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const SIZE = 512;
const MARGIN = 24;
const RADIUS = 104;
const TEAL = [15, 139, 141];
const WHITE = [255, 255, 255];
const STROKE_HALF_WIDTH = 15;
// Baseline, P wave, Q dip, R spike, S dip, T wave, baseline.
const HEARTBEAT = [
  [80, 280],
  [168, 280],
  [190, 250],
  [212, 280],
  [232, 280],
  [250, 318],
  [280, 132],
  [314, 368],
  [338, 280],
  [360, 280],
  [384, 246],
  [408, 280],
  [432, 280],
];

function roundedSquareDistance(x, y) {
  const half = (SIZE - 2 * MARGIN) / 2 - RADIUS;
  const qx = Math.abs(x - SIZE / 2) - half;
  const qy = Math.abs(y - SIZE / 2) - half;
  const outside = Math.hypot(Math.max(qx, 0), Math.max(qy, 0));
  return outside + Math.min(Math.max(qx, qy), 0) - RADIUS;
}

function segmentDistance(px, py, [ax, ay], [bx, by]) {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - ax - t * dx, py - ay - t * dy);
}

function lineDistance(x, y) {
  let d = Infinity;
  for (let i = 1; i < HEARTBEAT.length; i += 1) d = Math.min(d, segmentDistance(x, y, HEARTBEAT[i - 1], HEARTBEAT[i]));
  return d - STROKE_HALF_WIDTH;
}

const coverage = (distance) => Math.max(0, Math.min(1, 0.5 - distance));

function pixels() {
  const rowBytes = 1 + SIZE * 4;
  const raw = Buffer.alloc(rowBytes * SIZE);
  for (let y = 0; y < SIZE; y += 1) {
    raw[y * rowBytes] = 0; // filter: none
    for (let x = 0; x < SIZE; x += 1) {
      const cx = x + 0.5;
      const cy = y + 0.5;
      const square = coverage(roundedSquareDistance(cx, cy));
      const line = coverage(lineDistance(cx, cy));
      const o = y * rowBytes + 1 + x * 4;
      for (let c = 0; c < 3; c += 1) raw[o + c] = Math.round(TEAL[c] * (1 - line) + WHITE[c] * line);
      raw[o + 3] = Math.round(255 * square);
    }
  }
  return raw;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const typeAndData = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  typeAndData.copy(out, 4);
  out.writeUInt32BE(crc32(typeAndData), 8 + data.length);
  return out;
}

const header = Buffer.alloc(13);
header.writeUInt32BE(SIZE, 0);
header.writeUInt32BE(SIZE, 4);
header[8] = 8; // bits per channel
header[9] = 6; // RGBA
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk('IHDR', header),
  chunk('IDAT', deflateSync(pixels(), { level: 9 })),
  chunk('IEND', Buffer.alloc(0)),
]);

const target = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'assets', 'icon.png');
mkdirSync(path.dirname(target), { recursive: true });
writeFileSync(target, png);
console.log(`wrote ${path.relative(process.cwd(), target)} (${png.length} bytes)`);
