/**
 * Reading a text export (CSV, JSON) whole, with limits: such files are small in practice, and a parse that
 * sees the whole file can refuse it before anything is stored. Limits keep a hostile or broken file (one
 * 100-MB line, a multi-GB dump) from exhausting memory: it is refused as soon as a limit is crossed.
 */
import { AppError } from '../../../shared/ipc/errors.js';
import type { ImportContext, ImportInput } from './importer.js';

export interface TextLimits {
  /** Refuse files larger than this. */
  readonly maxBytes: number;
  /** Refuse any line longer than this (characters); JSON exports may be one long line, CSV rows never are. */
  readonly maxLineChars: number;
}

export const CSV_LIMITS: TextLimits = { maxBytes: 256 * 1024 * 1024, maxLineChars: 64 * 1024 };
export const JSON_LIMITS: TextLimits = { maxBytes: 64 * 1024 * 1024, maxLineChars: 64 * 1024 * 1024 };

export async function readTextContent(
  input: ImportInput,
  formatLabel: string,
  limits: TextLimits,
  context: Pick<ImportContext, 'onProgress'>,
): Promise<string> {
  if (input.sizeBytes > limits.maxBytes) throw tooLarge(formatLabel, limits);
  const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: false });
  const parts: string[] = [];
  let bytesRead = 0;
  let lineChars = 0;
  let line = 1;
  for await (const chunk of input.open()) {
    bytesRead += chunk.length;
    if (bytesRead > limits.maxBytes) throw tooLarge(formatLabel, limits);
    const text = decoder.decode(chunk, { stream: true });
    let from = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', from)) {
      if (lineChars + (nl - from) > limits.maxLineChars) throw tooLong(formatLabel, line, limits);
      lineChars = 0;
      line++;
      from = nl + 1;
    }
    lineChars += text.length - from;
    if (lineChars > limits.maxLineChars) throw tooLong(formatLabel, line, limits);
    parts.push(text);
    context.onProgress({ phase: 'read', bytesRead, totalBytes: input.sizeBytes });
  }
  parts.push(decoder.decode());
  return parts.join('');
}

function tooLarge(formatLabel: string, limits: TextLimits): AppError {
  return new AppError(
    'VALIDATION',
    `The file is larger than ${Math.round(limits.maxBytes / 1024 / 1024)} MB, more than a ${formatLabel} ` +
      'export holds. Nothing was imported; split the export into smaller files.',
  );
}

function tooLong(formatLabel: string, line: number, limits: TextLimits): AppError {
  return new AppError(
    'VALIDATION',
    `Line ${line} is longer than ${limits.maxLineChars} characters, which a ${formatLabel} export never has: ` +
      'the file is damaged or not this format. Nothing was imported.',
  );
}
