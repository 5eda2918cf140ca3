/** An import input backed by a file on disk: streamed in chunks, never read whole. */
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../../shared/ipc/errors.js';
import type { ImportInput } from './importer.js';

/** Bytes of the start of a file that format detection looks at. */
export const DETECT_HEAD_BYTES = 64 * 1024;

export function fileImportInput(filePath: string): ImportInput {
  let sizeBytes: number;
  try {
    const stat = fs.statSync(filePath);
    if (!stat.isFile()) throw new Error('not a file');
    sizeBytes = stat.size;
  } catch {
    throw new AppError('NOT_FOUND', `${path.basename(filePath)} cannot be read: check the path and its permissions.`);
  }
  return {
    fileName: path.basename(filePath),
    sizeBytes,
    path: filePath,
    // A generator opens the file only when iterated: an input opened and then never read (a reader that refuses
    // early) leaves no stream behind.
    async *open() {
      yield* fs.createReadStream(filePath, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>;
    },
  };
}

/** The first bytes of an input, for `ImportFormat.detect`. */
export async function readHead(input: ImportInput, maxBytes = DETECT_HEAD_BYTES): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let n = 0;
  for await (const chunk of input.open()) {
    parts.push(chunk);
    n += chunk.length;
    if (n >= maxBytes) break;
  }
  return Buffer.concat(parts).subarray(0, maxBytes);
}

/** An in-memory input (tests, and text handed over by other code). */
export function bytesImportInput(fileName: string, content: Uint8Array | string): ImportInput {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  return {
    fileName,
    sizeBytes: bytes.length,
    async *open() {
      for (let at = 0; at < bytes.length; at += 1024 * 1024) yield bytes.subarray(at, at + 1024 * 1024);
    },
  };
}
