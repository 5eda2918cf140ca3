/** A CSV export parsed whole (csv-parse), each row with the 1-based line it ends on, for reports. */
import { parse } from 'csv-parse/sync';
import { AppError } from '../../../shared/ipc/errors.js';

export interface CsvRow {
  readonly line: number;
  readonly cells: readonly string[];
}

export interface CsvTable {
  readonly header: readonly string[];
  readonly rows: readonly CsvRow[];
}

/** Parses `text`; a quoting error anywhere (e.g. a file cut off inside a quoted field) refuses the whole file. */
export function readCsvTable(text: string, formatLabel: string): CsvTable {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, {
      info: true,
      bom: true,
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (err) {
    const line = (err as { lines?: unknown }).lines;
    throw new AppError(
      'VALIDATION',
      `The ${formatLabel} file cannot be read as CSV${typeof line === 'number' ? ` (line ${line})` : ''}: it is ` +
        'damaged or cut short. Nothing was imported; export it again.',
    );
  }
  const [head, ...rest] = records;
  return {
    header: head?.record ?? [],
    rows: rest.map((r) => ({ line: r.info.lines, cells: r.record })),
  };
}

/** Column positions by name; an error naming the missing columns (never row content) when any is absent. */
export function columnsOf<K extends string>(
  header: readonly string[],
  names: Readonly<Record<K, readonly string[]>>,
  formatLabel: string,
): Record<K, number> {
  const lower = header.map((h) => h.trim().toLowerCase());
  const out = {} as Record<K, number>;
  const missing: string[] = [];
  for (const key of Object.keys(names) as K[]) {
    const at = names[key].map((n) => lower.indexOf(n.toLowerCase())).find((i) => i >= 0);
    if (at === undefined) missing.push(names[key][0]!);
    else out[key] = at;
  }
  if (missing.length > 0) {
    throw new AppError(
      'VALIDATION',
      `The file lacks the ${formatLabel} column(s) ${missing.join(', ')}. Nothing was imported; check that it is ` +
        `an unmodified ${formatLabel} export.`,
    );
  }
  return out;
}

/** The first line of a text head, lower-cased and without a byte-order mark, for detection. */
export function headerLine(head: Uint8Array): string {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(head).replace(/^\uFEFF/, '');
  const nl = text.search(/\r?\n/);
  return (nl < 0 ? text : text.slice(0, nl)).trim().toLowerCase();
}
