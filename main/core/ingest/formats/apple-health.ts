/**
 * Apple Health exports: `export.xml`, or the `export.zip` the Health app shares (its `apple_health_export/
 * export.xml` entry is streamed out of the archive, never extracted or read whole). The XML is parsed as a stream
 * with saxes, so a multi-GB export costs memory for the samples it yields, not for its text.
 *
 * Safety: a DOCTYPE that declares entities is refused before any of them could be used (the "billion laughs"
 * bomb; saxes never fetches external entities), and so is any line longer than 16 MiB (Apple writes one record
 * per line), so a hostile file cannot make one string take the memory.
 *
 * Mapping (times from `startDate`, which carries its offset): HeartRate -> 8867-4, RestingHeartRate -> 40443-4,
 * BodyMass (kg, lb, g) -> 29463-7 kg, BloodPressureSystolic/Diastolic (also inside their correlations) ->
 * 8480-6/8462-4, OxygenSaturation (a fraction) -> 59408-5 %, BloodGlucose (mg/dL or mmol/L) -> 41653-7 mg/dL, or
 * 99504-3 when a CGM app wrote it; StepCount -> 55423-8 per record and 41950-7 per local day. Phone and watch
 * both count the same steps, so a day's total is the largest total of any one source that day (what the Health
 * app shows is close to it), never the sum over sources.
 */
import { SaxesParser } from 'saxes';
import yauzl from 'yauzl';
import { STREAM } from '../../../../shared/domain/streams.js';
import { AppError } from '../../../../shared/ipc/errors.js';
import { BatchBuilder, KG_PER_LB, MG_DL_PER_MMOL_L, numberCell } from '../batch-builder.js';
import type { ImportBatch, ImportContext, ImportFormat, ImportInput } from '../importer.js';

const XML_LABEL = 'Apple Health export.xml';
const ZIP_LABEL = 'Apple Health export.zip';
const SOURCE = 'apple-health';
const MAX_LINE_CHARS = 16 * 1024 * 1024;
/** More samples than this would not fit the memory budget of one import: the user is asked to split the export. */
const MAX_SAMPLES = 30_000_000;
const HK = 'HKQuantityTypeIdentifier';
const CGM_SOURCE = /dexcom|libre|guardian|eversense|cgm/i;
const PROGRESS_EVERY_BYTES = 8 * 1024 * 1024;

export const appleHealthXml: ImportFormat = {
  id: 'apple-health-xml',
  label: XML_LABEL,
  detect(head) {
    const text = new TextDecoder('utf-8', { fatal: false }).decode(head);
    return /^\uFEFF?\s*<\?xml/.test(text) && /<(!DOCTYPE\s+)?HealthData[\s>[]/.test(text);
  },
  read: (input, context) => readHealthXml(input.open(), input.sizeBytes, XML_LABEL, context),
};

export const appleHealthZip: ImportFormat = {
  id: 'apple-health-zip',
  label: ZIP_LABEL,
  detect(head, fileName) {
    const isZip = head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04;
    const text = new TextDecoder('latin1').decode(head.subarray(0, 4096));
    return isZip && (text.includes('apple_health_export/') || /export.*\.zip$/i.test(fileName));
  },
  async read(input: ImportInput, context: ImportContext): Promise<ImportBatch> {
    if (input.path === undefined) {
      throw new AppError('VALIDATION', `An ${ZIP_LABEL} must be imported from a file on disk. Nothing was imported.`);
    }
    let zip: yauzl.ZipFile;
    try {
      zip = await yauzl.openPromise(input.path, { lazyEntries: true, autoClose: false, strictFileNames: false });
    } catch {
      throw damagedZip();
    }
    try {
      let entry: yauzl.Entry | undefined;
      for await (const e of zip.eachEntry()) {
        if (/(^|\/)export\.xml$/.test(e.fileName)) {
          entry = e;
          break;
        }
      }
      if (entry === undefined) {
        throw new AppError(
          'VALIDATION',
          `The zip holds no export.xml, so it is not an ${ZIP_LABEL}. Nothing was imported; share the export again.`,
        );
      }
      let stream: AsyncIterable<Uint8Array>;
      try {
        stream = await zip.openReadStreamPromise(entry);
      } catch {
        throw damagedZip();
      }
      return await readHealthXml(stream, entry.uncompressedSize, ZIP_LABEL, context);
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw damagedZip();
    } finally {
      zip.close();
    }
  },
};

function damagedZip(): AppError {
  return new AppError(
    'VALIDATION',
    `The ${ZIP_LABEL} is damaged or cut short and cannot be unpacked. Nothing was imported; share the export again.`,
  );
}

interface DaySteps {
  /** UTC ms of the local midnight that starts the day */
  readonly startMs: number;
  readonly line: number;
  readonly bySource: Map<string, number>;
}

async function readHealthXml(
  chunks: AsyncIterable<Uint8Array>,
  totalBytes: number,
  label: string,
  context: ImportContext,
): Promise<ImportBatch> {
  const builder = new BatchBuilder(label === ZIP_LABEL ? 'apple-health-zip' : 'apple-health-xml', SOURCE, context);
  const patient = builder.contextPatient();
  const stepDays = new Map<string, DaySteps>();
  const parser = new SaxesParser({ position: true });
  let sawRoot = false;

  parser.on('doctype', (doctype) => {
    if (/<!ENTITY/i.test(doctype)) {
      throw new AppError(
        'VALIDATION',
        `The file declares XML entities, which an ${label} never does (it is how "entity bomb" files attack ` +
          'parsers). Nothing was imported.',
      );
    }
  });
  parser.on('opentag', (tag) => {
    if (!sawRoot) {
      if (tag.name !== 'HealthData') throw notHealthData(label);
      sawRoot = true;
      return;
    }
    if (tag.name !== 'Record') return;
    readRecord(tag.attributes as Record<string, string>, parser.line, builder, patient, stepDays);
    if (builder.samples.length > MAX_SAMPLES) {
      throw new AppError(
        'VALIDATION',
        `The export holds more than ${MAX_SAMPLES} samples, more than one import can hold. Nothing was imported; ` +
          'export a shorter period.',
      );
    }
  });
  parser.on('error', (err) => {
    throw err instanceof AppError ? err : notWellFormed(label);
  });

  const decoder = new TextDecoder('utf-8', { fatal: false });
  let bytesRead = 0;
  let nextProgress = PROGRESS_EVERY_BYTES;
  let lineChars = 0;
  try {
    for await (const chunk of chunks) {
      bytesRead += chunk.length;
      const text = decoder.decode(chunk, { stream: true });
      const lastNl = text.lastIndexOf('\n');
      if (lastNl < 0) lineChars += text.length;
      else {
        if (lineChars + text.indexOf('\n') > MAX_LINE_CHARS) throw lineTooLong(label);
        lineChars = text.length - lastNl - 1;
        // A long line inside the chunk itself: look for it only when the chunk could hold one.
        if (text.length > MAX_LINE_CHARS && longestLine(text) > MAX_LINE_CHARS) throw lineTooLong(label);
      }
      if (lineChars > MAX_LINE_CHARS) throw lineTooLong(label);
      parser.write(text);
      if (bytesRead >= nextProgress) {
        context.onProgress({ phase: 'read', bytesRead, totalBytes, rows: builder.samples.length });
        nextProgress += PROGRESS_EVERY_BYTES;
      }
    }
    parser.write(decoder.decode());
    parser.close();
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw notWellFormed(label);
  }
  if (!sawRoot) throw notHealthData(label);

  for (const day of stepDays.values()) {
    builder.add(day.line, patient, STREAM.stepsPerDay, day.startMs, Math.max(...day.bySource.values()));
  }
  return builder.build();
}

function readRecord(
  a: Record<string, string>,
  line: number,
  builder: BatchBuilder,
  patient: string,
  stepDays: Map<string, DaySteps>,
): void {
  const type = a.type ?? '';
  if (!type.startsWith(HK)) {
    builder.skip('other record types');
    return;
  }
  const kind = type.slice(HK.length);
  const stream = STREAM_OF[kind];
  if (stream === undefined) {
    builder.skip('other record types');
    return;
  }
  const start = parseHealthDate(a.startDate);
  if (start === null) {
    builder.reject(line, 'startDate is not "YYYY-MM-DD hh:mm:ss ±hhmm"');
    return;
  }
  const value = numberCell(a.value);
  if (!Number.isFinite(value)) {
    builder.reject(line, 'value is not a number');
    return;
  }
  const unit = (a.unit ?? '').trim();
  switch (kind) {
    case 'BodyMass': {
      const kg = unit === 'kg' ? value : unit === 'lb' ? value * KG_PER_LB : unit === 'g' ? value / 1000 : NaN;
      if (Number.isNaN(kg)) builder.reject(line, 'body mass unit is not kg, lb or g');
      else builder.add(line, patient, stream, start.tMs, kg);
      return;
    }
    case 'OxygenSaturation':
      // HealthKit stores SpO2 as a fraction (0.97) under the unit "%".
      builder.add(line, patient, stream, start.tMs, value <= 1 ? value * 100 : value);
      return;
    case 'BloodGlucose': {
      const mgDl = unit === 'mg/dL' ? value : unit.startsWith('mmol') ? value * MG_DL_PER_MMOL_L : NaN;
      if (Number.isNaN(mgDl)) {
        builder.reject(line, 'blood glucose unit is not mg/dL or mmol/L');
        return;
      }
      const cgm = CGM_SOURCE.test(a.sourceName ?? '');
      builder.add(line, patient, cgm ? STREAM.cgm : STREAM.fingerstick, start.tMs, mgDl);
      return;
    }
    case 'StepCount': {
      if (!builder.add(line, patient, stream, start.tMs, value)) return;
      let day = stepDays.get(start.localDay);
      if (day === undefined) {
        day = { startMs: start.localMidnightMs, line, bySource: new Map() };
        stepDays.set(start.localDay, day);
      }
      const source = a.sourceName ?? '';
      day.bySource.set(source, (day.bySource.get(source) ?? 0) + value);
      return;
    }
    default:
      builder.add(line, patient, stream, start.tMs, value);
  }
}

const STREAM_OF: Readonly<Record<string, string>> = {
  HeartRate: STREAM.heartRate,
  RestingHeartRate: STREAM.restingHeartRate,
  BodyMass: STREAM.weight,
  BloodPressureSystolic: STREAM.systolic,
  BloodPressureDiastolic: STREAM.diastolic,
  OxygenSaturation: STREAM.spo2,
  BloodGlucose: STREAM.fingerstick,
  StepCount: STREAM.stepsInPeriod,
};

interface HealthDate {
  readonly tMs: number;
  /** `YYYY-MM-DD` of the local calendar day */
  readonly localDay: string;
  /** UTC ms of that day's local midnight, at the record's offset */
  readonly localMidnightMs: number;
}

const HEALTH_DATE = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/;

/** `2024-03-01 08:15:00 +0100`: Apple's local time with its offset. */
export function parseHealthDate(text: string | undefined): HealthDate | null {
  const m = text === undefined ? null : HEALTH_DATE.exec(text);
  if (m === null) return null;
  const [, y, mo, d, h, mi, s, sign, oh, om] = m as unknown as string[];
  const offsetMs = (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om)) * 60_000;
  const midnightWall = Date.UTC(Number(y), Number(mo) - 1, Number(d));
  const wall = midnightWall + ((Number(h) * 60 + Number(mi)) * 60 + Number(s)) * 1000;
  if (!Number.isFinite(wall) || new Date(midnightWall).getUTCDate() !== Number(d)) return null;
  return { tMs: wall - offsetMs, localDay: `${y}-${mo}-${d}`, localMidnightMs: midnightWall - offsetMs };
}

function longestLine(text: string): number {
  let longest = 0;
  let from = 0;
  for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', from)) {
    longest = Math.max(longest, nl - from);
    from = nl + 1;
  }
  return Math.max(longest, text.length - from);
}

function notHealthData(label: string): AppError {
  return new AppError('VALIDATION', `The XML is not an ${label} (its root is not HealthData). Nothing was imported.`);
}

function notWellFormed(label: string): AppError {
  return new AppError(
    'VALIDATION',
    `The ${label} is not well-formed XML (damaged or cut short). Nothing was imported; export it again.`,
  );
}

function lineTooLong(label: string): AppError {
  return new AppError(
    'VALIDATION',
    `The file has a line longer than 16 MiB, which an ${label} never has: it is damaged or not an export. ` +
      'Nothing was imported.',
  );
}
