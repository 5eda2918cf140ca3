/**
 * Exact, compact encoding of one (patient, stream, UTC day) chunk: the plaintext that one envelope seals.
 *
 * Layout (varints are unsigned LEB128; signed integers are zigzag-mapped first):
 *   u8      format version (1)
 *   u8      flags: bit 0 times raw, bit 1 values raw, bit 2 has source ids, bits 4-6 decimal scale k (0..4)
 *   varint  count
 *   times   count zigzag deltas in ms, the first relative to the day start      | raw: count x Float64LE
 *   values  count zigzag deltas of v x 10^k, the first relative to 0            | raw: count x Float64LE
 *   sources varint dictSize, dictSize x string; varint runCount, runCount x (varint dictIndex, varint runLength)
 *   ids     (bit 2) count x string, '' = none
 *   string  = varint byteLength, UTF-8 bytes
 *
 * Scaled integers are used only when every value of the chunk round-trips bit for bit (checked, not assumed), so
 * decoding is exact for every double, including -0, NaN and infinities, which fall back to raw.
 */
import { AppError } from '../../../shared/ipc/errors.js';

export const CHUNK_FORMAT_VERSION = 1;

const FLAG_TIMES_RAW = 1;
const FLAG_VALUES_RAW = 2;
const FLAG_SOURCE_IDS = 4;
const SCALE_SHIFT = 4;
const SCALE_MASK = 0x70;
const MAX_SCALE = 4;
const POW10 = [1, 10, 100, 1000, 10000] as const;
// Bounds that keep a delta of two such integers, zigzag-mapped, below 2^53 where doubles are still exact.
const MAX_SCALED = 2 ** 50;
const MAX_INT_TIME = 2 ** 50;

/** Columns of samples; the encoder reads positions [start, end). */
export interface ChunkColumns {
  readonly tMs: ArrayLike<number>;
  readonly values: ArrayLike<number>;
  readonly sourceDict: readonly string[];
  /** Per-sample index into `sourceDict`, or one index shared by every sample. */
  readonly sourceIndex: ArrayLike<number> | number;
  /** The source's own id per sample; undefined or '' = none. */
  readonly sourceIds?: ArrayLike<string | undefined>;
}

export interface DecodedChunk {
  readonly tMs: Float64Array;
  readonly values: Float64Array;
  readonly sourceDict: readonly string[];
  /** Per-sample index into `sourceDict`. */
  readonly sourceIndex: Uint32Array;
  /** Per-sample source ids ('' = none); absent when no sample of the chunk had one. */
  readonly sourceIds?: readonly string[];
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();

/**
 * Encodes chunks into one growing buffer it keeps, so the write path allocates nothing per sample and nothing per
 * chunk but the envelope. The returned view is valid until the next `encode` or `wipe`.
 */
export class ChunkEncoder {
  private buf = new Uint8Array(16_384);
  private view = new DataView(this.buf.buffer);

  encode(cols: ChunkColumns, start: number, end: number, dayStartMs: number): Uint8Array {
    const { tMs, values, sourceDict, sourceIndex, sourceIds } = cols;
    const n = end - start;
    if (!(n >= 0) || start < 0 || end > tMs.length || end > values.length) {
      throw new RangeError('Chunk range outside the columns');
    }

    let dictBytes = 0;
    for (const s of sourceDict) dictBytes += 10 + 3 * s.length;
    let idBytes = 0;
    let hasIds = false;
    if (sourceIds !== undefined) {
      for (let i = start; i < end; i++) {
        const id = sourceIds[i];
        if (id !== undefined && id.length > 0) {
          hasIds = true;
          idBytes += 3 * id.length;
        }
      }
      idBytes += 10 * n;
    }
    this.ensure(32 + 26 * n + dictBytes + idBytes);
    const buf = this.buf;

    const timesRaw = !timesFitIntegers(tMs, start, end, dayStartMs);
    const scale = chooseDecimalScale(values, start, end);
    buf[0] = CHUNK_FORMAT_VERSION;
    buf[1] =
      (timesRaw ? FLAG_TIMES_RAW : 0) |
      (scale < 0 ? FLAG_VALUES_RAW : scale << SCALE_SHIFT) |
      (hasIds ? FLAG_SOURCE_IDS : 0);
    let pos = writeVarint(buf, 2, n);

    if (timesRaw) {
      for (let i = start; i < end; i++, pos += 8) this.view.setFloat64(pos, tMs[i]!, true);
    } else {
      let prev = dayStartMs;
      for (let i = start; i < end; i++) {
        const t = tMs[i]!;
        const d = t - prev;
        prev = t;
        pos = writeVarint(buf, pos, d >= 0 ? d * 2 : -d * 2 - 1);
      }
    }

    if (scale < 0) {
      for (let i = start; i < end; i++, pos += 8) this.view.setFloat64(pos, values[i]!, true);
    } else {
      const mul = POW10[scale]!;
      let prev = 0;
      for (let i = start; i < end; i++) {
        const s = Math.round(values[i]! * mul);
        const d = s - prev;
        prev = s;
        pos = writeVarint(buf, pos, d >= 0 ? d * 2 : -d * 2 - 1);
      }
    }

    pos = writeVarint(buf, pos, sourceDict.length);
    for (const s of sourceDict) pos = this.writeString(pos, s);
    pos = this.writeSourceRuns(pos, sourceIndex, sourceDict.length, start, end);

    if (hasIds) {
      for (let i = start; i < end; i++) pos = this.writeString(pos, sourceIds![i] ?? '');
    }
    return this.buf.subarray(0, pos);
  }

  /** Zeroes the buffer: it held plaintext. */
  wipe(): void {
    this.buf.fill(0);
  }

  private writeSourceRuns(
    pos: number,
    sourceIndex: ArrayLike<number> | number,
    dictSize: number,
    start: number,
    end: number,
  ): number {
    const buf = this.buf;
    if (typeof sourceIndex === 'number') {
      if (end === start) return writeVarint(buf, pos, 0);
      checkSourceIndex(sourceIndex, dictSize);
      pos = writeVarint(buf, pos, 1);
      pos = writeVarint(buf, pos, sourceIndex);
      return writeVarint(buf, pos, end - start);
    }
    let runs = 0;
    for (let i = start; i < end; i++) if (i === start || sourceIndex[i] !== sourceIndex[i - 1]) runs++;
    pos = writeVarint(buf, pos, runs);
    let i = start;
    while (i < end) {
      const idx = sourceIndex[i]!;
      checkSourceIndex(idx, dictSize);
      let j = i + 1;
      while (j < end && sourceIndex[j] === idx) j++;
      pos = writeVarint(buf, pos, idx);
      pos = writeVarint(buf, pos, j - i);
      i = j;
    }
    return pos;
  }

  private writeString(pos: number, s: string): number {
    const buf = this.buf;
    const n = s.length;
    let ascii = true;
    for (let i = 0; i < n; i++) {
      if (s.charCodeAt(i) > 0x7f) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      pos = writeVarint(buf, pos, n);
      for (let i = 0; i < n; i++) buf[pos + i] = s.charCodeAt(i);
      return pos + n;
    }
    // The byte length is known only after encoding: encode after a 5-byte gap, then close the gap.
    const { written } = utf8Encoder.encodeInto(s, buf.subarray(pos + 5));
    const bodyAt = writeVarint(buf, pos, written);
    buf.copyWithin(bodyAt, pos + 5, pos + 5 + written);
    return bodyAt + written;
  }

  private ensure(bytes: number): void {
    if (this.buf.length >= bytes) return;
    this.buf.fill(0);
    this.buf = new Uint8Array(Math.max(bytes, this.buf.length * 2));
    this.view = new DataView(this.buf.buffer);
  }
}

/** Encodes into a new array (tests, one-off callers); the write path uses a ChunkEncoder. */
export function encodeChunk(cols: ChunkColumns, dayStartMs: number): Uint8Array {
  return new ChunkEncoder().encode(cols, 0, cols.tMs.length, dayStartMs).slice();
}

/** Number of samples in an encoded chunk, read from its header. */
export function chunkSampleCount(bytes: Uint8Array): number {
  checkHeader(bytes);
  return readVarint(bytes, { pos: 2 });
}

/**
 * Decodes times and values only, into `tOut`/`vOut` from `offset`: the read path, which concatenates many chunks
 * into one pair of arrays without intermediate copies. Returns the number of samples written.
 */
export function decodeChunkInto(
  bytes: Uint8Array,
  dayStartMs: number,
  tOut: Float64Array,
  vOut: Float64Array,
  offset: number,
): number {
  const flags = checkHeader(bytes);
  const cur = { pos: 2 };
  const n = readVarint(bytes, cur);
  if (offset + n > tOut.length || offset + n > vOut.length) throw malformed();
  readTimes(bytes, cur, flags, n, dayStartMs, tOut, offset);
  readValues(bytes, cur, flags, n, vOut, offset);
  return n;
}

export function decodeChunk(bytes: Uint8Array, dayStartMs: number): DecodedChunk {
  const flags = checkHeader(bytes);
  const cur = { pos: 2 };
  const n = readVarint(bytes, cur);
  // Every sample takes at least one byte for its time and one for its value.
  if (n * 2 > bytes.length) throw malformed();
  const tMs = new Float64Array(n);
  const values = new Float64Array(n);
  readTimes(bytes, cur, flags, n, dayStartMs, tMs, 0);
  readValues(bytes, cur, flags, n, values, 0);

  const dictSize = readVarint(bytes, cur);
  if (dictSize > bytes.length) throw malformed();
  const sourceDict: string[] = [];
  for (let i = 0; i < dictSize; i++) sourceDict.push(readString(bytes, cur));
  const sourceIndex = new Uint32Array(n);
  const runs = readVarint(bytes, cur);
  let at = 0;
  for (let r = 0; r < runs; r++) {
    const idx = readVarint(bytes, cur);
    const len = readVarint(bytes, cur);
    if (idx >= dictSize || at + len > n) throw malformed();
    sourceIndex.fill(idx, at, at + len);
    at += len;
  }
  if (at !== n) throw malformed();

  let sourceIds: string[] | undefined;
  if (flags & FLAG_SOURCE_IDS) {
    sourceIds = new Array<string>(n);
    for (let i = 0; i < n; i++) sourceIds[i] = readString(bytes, cur);
  }
  if (cur.pos !== bytes.length) throw malformed();
  return sourceIds === undefined
    ? { tMs, values, sourceDict, sourceIndex }
    : { tMs, values, sourceDict, sourceIndex, sourceIds };
}

function timesFitIntegers(tMs: ArrayLike<number>, start: number, end: number, dayStartMs: number): boolean {
  if (!Number.isInteger(dayStartMs) || Math.abs(dayStartMs) > MAX_INT_TIME) return false;
  for (let i = start; i < end; i++) {
    const t = tMs[i]!;
    // -0 would come back as +0.
    if (!Number.isInteger(t) || t > MAX_INT_TIME || t < -MAX_INT_TIME || (t === 0 && 1 / t < 0)) return false;
  }
  return true;
}

function fitsScale(v: number, mul: number): boolean {
  const s = Math.round(v * mul);
  // -0 would come back as +0.
  return s / mul === v && s <= MAX_SCALED && s >= -MAX_SCALED && (v !== 0 || 1 / v > 0);
}

/** The smallest k in 0..4 at which every value is exactly an integer multiple of 10^-k, or -1. */
function chooseDecimalScale(values: ArrayLike<number>, start: number, end: number): number {
  let k = 0;
  let mul = 1;
  let raisedAt = start;
  for (let i = start; i < end; i++) {
    const v = values[i]!;
    while (!fitsScale(v, mul)) {
      if (++k > MAX_SCALE) return -1;
      mul = POW10[k]!;
      raisedAt = i;
    }
  }
  // In binary floating point, exact at a smaller scale does not strictly imply exact at a larger one: values
  // checked before the last raise are checked again at the final scale.
  for (let i = start; i < raisedAt; i++) if (!fitsScale(values[i]!, mul)) return -1;
  return k;
}

function checkSourceIndex(idx: number, dictSize: number): void {
  if (!Number.isInteger(idx) || idx < 0 || idx >= dictSize) throw new RangeError('Source index outside the dictionary');
}

function writeVarint(buf: Uint8Array, pos: number, v: number): number {
  while (v > 0x7fffffff) {
    // `&` works on v mod 2^32, whose low 7 bits are v's.
    buf[pos++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  while (v > 0x7f) {
    buf[pos++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[pos++] = v;
  return pos;
}

interface Cursor {
  pos: number;
}

function readVarint(bytes: Uint8Array, cur: Cursor): number {
  let pos = cur.pos;
  let b = bytes[pos++];
  if (b === undefined) throw malformed();
  if (b < 0x80) {
    cur.pos = pos;
    return b;
  }
  let v = b & 0x7f;
  let shift = 7;
  for (;;) {
    b = bytes[pos++];
    if (b === undefined || shift > 49) throw malformed();
    // Bitwise while the result stays a non-negative int32, arithmetic beyond (exact up to 2^53).
    if (shift < 28) v |= (b & 0x7f) << shift;
    else v += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) break;
    shift += 7;
  }
  cur.pos = pos;
  return v;
}

function unzigzag(z: number): number {
  return z <= 0x7fffffff ? (z >>> 1) ^ -(z & 1) : z % 2 === 0 ? z / 2 : -(z + 1) / 2;
}

function readTimes(
  bytes: Uint8Array,
  cur: Cursor,
  flags: number,
  n: number,
  dayStartMs: number,
  out: Float64Array,
  offset: number,
): void {
  if (flags & FLAG_TIMES_RAW) {
    readFloat64s(bytes, cur, n, out, offset);
    return;
  }
  let t = dayStartMs;
  for (let i = 0; i < n; i++) {
    t += unzigzag(readVarint(bytes, cur));
    out[offset + i] = t;
  }
}

function readValues(bytes: Uint8Array, cur: Cursor, flags: number, n: number, out: Float64Array, offset: number): void {
  if (flags & FLAG_VALUES_RAW) {
    readFloat64s(bytes, cur, n, out, offset);
    return;
  }
  const k = (flags & SCALE_MASK) >> SCALE_SHIFT;
  if (k > MAX_SCALE) throw malformed();
  const mul = POW10[k]!;
  let s = 0;
  for (let i = 0; i < n; i++) {
    s += unzigzag(readVarint(bytes, cur));
    // The same division the encoder checked, so the same double.
    out[offset + i] = s / mul;
  }
}

function readFloat64s(bytes: Uint8Array, cur: Cursor, n: number, out: Float64Array, offset: number): void {
  if (cur.pos + 8 * n > bytes.length) throw malformed();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0, p = cur.pos; i < n; i++, p += 8) out[offset + i] = view.getFloat64(p, true);
  cur.pos += 8 * n;
}

function readString(bytes: Uint8Array, cur: Cursor): string {
  const len = readVarint(bytes, cur);
  const end = cur.pos + len;
  if (end > bytes.length) throw malformed();
  let s: string;
  try {
    s = utf8Decoder.decode(bytes.subarray(cur.pos, end));
  } catch {
    throw malformed();
  }
  cur.pos = end;
  return s;
}

function checkHeader(bytes: Uint8Array): number {
  if (bytes.length < 3 || bytes[0] !== CHUNK_FORMAT_VERSION) throw malformed();
  const flags = bytes[1]!;
  if (flags & ~(FLAG_TIMES_RAW | FLAG_VALUES_RAW | FLAG_SOURCE_IDS | SCALE_MASK)) throw malformed();
  return flags;
}

// Chunks are authenticated before they are decoded, so a chunk that does not parse was written by a newer
// CareTwin or by a bug, not damaged in storage.
function malformed(): AppError {
  return new AppError(
    'STORE_UNAVAILABLE',
    'A stored data chunk is in a format this version of CareTwin cannot read. It was not shown. Update CareTwin ' +
      'and try again.',
  );
}
