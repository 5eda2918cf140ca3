/**
 * Synthetic Apple Health exports for tests and the import benchmark: an `export.xml` shaped like the Health app's
 * (DOCTYPE with an internal subset, `Me`, Records, blood-pressure Correlations) and the `export.zip` around it,
 * written as streams so that a million records never sit in memory. The expected samples per stream are counted
 * while writing, so a test compares an import against what was really written.
 */
import fs from 'node:fs';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { STREAM } from '../../../../shared/domain/streams.js';

export interface SyntheticHealthExport {
  /** `Record` elements written (blood-pressure correlations hold two) */
  readonly records: number;
  /** Samples an import should add per stream code */
  readonly expected: Readonly<Record<string, number>>;
  readonly firstMs: number;
}

const HEADER = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HealthData [
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary)*)>
<!ATTLIST HealthData locale CDATA #REQUIRED>
<!ELEMENT ExportDate EMPTY>
<!ATTLIST ExportDate value CDATA #REQUIRED>
<!ELEMENT Record ((MetadataEntry|HeartRateVariabilityMetadataList)*)>
<!ATTLIST Record type CDATA #REQUIRED unit CDATA #IMPLIED value CDATA #IMPLIED sourceName CDATA #REQUIRED>
]>
<HealthData locale="en_US">
 <ExportDate value="2025-06-01 09:00:00 -0500"/>
 <Me HKCharacteristicTypeIdentifierDateOfBirth="1961-02-03" HKCharacteristicTypeIdentifierBiologicalSex="HKBiologicalSexFemale"/>
`;

/** 2024-01-01 00:00 at UTC-05:00: records follow one a minute, all in that offset. */
const START_WALL_MS = Date.UTC(2024, 0, 1);
const OFFSET = '-0500';
const OFFSET_MS = -5 * 3_600_000;

function healthDate(wallMs: number): string {
  return `${new Date(wallMs).toISOString().slice(0, 19).replace('T', ' ')} ${OFFSET}`;
}

/** Writes `export.xml` with about `records` Record elements to `xmlPath`. */
export async function writeSyntheticHealthXml(xmlPath: string, records: number): Promise<SyntheticHealthExport> {
  const out = fs.createWriteStream(xmlPath);
  const expected: Record<string, number> = {};
  const count = (stream: string) => (expected[stream] = (expected[stream] ?? 0) + 1);
  const stepDays = new Set<number>();
  let written = 0;
  let buf = HEADER;
  const flush = async () => {
    if (!out.write(buf)) await once(out, 'drain');
    buf = '';
  };
  for (let i = 0; written < records; i++) {
    const wall = START_WALL_MS + i * 60_000;
    const d = healthDate(wall);
    const slot = i % 10;
    const attrs = (type: string, unit: string, value: string, source = 'Apple Watch') =>
      `type="HKQuantityTypeIdentifier${type}" sourceName="${source}" sourceVersion="10.1" unit="${unit}" ` +
      `creationDate="${d}" startDate="${d}" endDate="${d}" value="${value}"`;
    if (slot <= 3) {
      buf += ` <Record ${attrs('HeartRate', 'count/min', String(55 + (i % 50)))}>\n  <MetadataEntry key="HKMetadataKeyHeartRateMotionContext" value="0"/>\n </Record>\n`;
      count(STREAM.heartRate);
      written++;
    } else if (slot <= 5) {
      const source = slot === 4 ? 'iPhone' : 'Apple Watch';
      buf += ` <Record ${attrs('StepCount', 'count', String(10 + (i % 90)), source)}/>\n`;
      count(STREAM.stepsInPeriod);
      stepDays.add(Math.floor(wall / 86_400_000));
      written++;
    } else if (slot === 6) {
      buf +=
        (i / 10) % 2 < 1
          ? ` <Record ${attrs('BodyMass', 'kg', (80 + (i % 7) / 10).toFixed(1), 'Withings')}/>\n`
          : ` <Record ${attrs('BodyMass', 'lb', (176 + (i % 7) / 10).toFixed(1), 'Withings')}/>\n`;
      count(STREAM.weight);
      written++;
    } else if (slot === 7) {
      buf +=
        ` <Correlation type="HKCorrelationTypeIdentifierBloodPressure" sourceName="Omron" creationDate="${d}" startDate="${d}" endDate="${d}">\n` +
        `  <Record ${attrs('BloodPressureSystolic', 'mmHg', String(120 + (i % 20)), 'Omron')}/>\n` +
        `  <Record ${attrs('BloodPressureDiastolic', 'mmHg', String(75 + (i % 10)), 'Omron')}/>\n` +
        ` </Correlation>\n`;
      count(STREAM.systolic);
      count(STREAM.diastolic);
      written += 2;
    } else if (slot === 8) {
      buf += ` <Record ${attrs('OxygenSaturation', '%', (0.9 + (i % 10) / 100).toFixed(2))}/>\n`;
      count(STREAM.spo2);
      written++;
    } else {
      buf +=
        (i / 10) % 2 < 1
          ? ` <Record ${attrs('BloodGlucose', 'mg/dL', String(90 + (i % 60)), 'Contour')}/>\n`
          : ` <Record ${attrs('BloodGlucose', 'mmol&lt;180.1558800000541&gt;/L', (5 + (i % 30) / 10).toFixed(1), 'Contour')}/>\n`;
      count(STREAM.fingerstick);
      written++;
    }
    if (buf.length > 1 << 20) await flush();
  }
  buf += '</HealthData>\n';
  await flush();
  out.end();
  await once(out, 'finish');
  expected[STREAM.stepsPerDay] = stepDays.size;
  return { records: written, expected, firstMs: START_WALL_MS - OFFSET_MS };
}

/**
 * Wraps a file into a zip as `apple_health_export/export.xml` (deflate, streamed; sizes in a data descriptor and
 * the central directory, as the Health app's archiver writes them). Files under 4 GiB only (no zip64).
 */
export async function writeZipOf(filePath: string, zipPath: string, entryName = 'apple_health_export/export.xml') {
  const name = Buffer.from(entryName, 'utf8');
  const out = fs.createWriteStream(zipPath);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(0x0808, 6); // data descriptor follows; UTF-8 names
  local.writeUInt16LE(8, 8); // deflate
  local.writeUInt16LE(name.length, 26);
  out.write(local);
  out.write(name);
  let crc = 0;
  let size = 0;
  let compressed = 0;
  const source = fs.createReadStream(filePath);
  source.on('data', (chunk) => {
    const bytes = chunk as Buffer;
    crc = zlib.crc32(bytes, crc);
    size += bytes.length;
  });
  const deflate = zlib.createDeflateRaw({ level: 1 });
  deflate.on('data', (chunk: Buffer) => (compressed += chunk.length));
  await pipeline(source, deflate, async (chunks: AsyncIterable<Buffer>) => {
    for await (const c of chunks) if (!out.write(c)) await once(out, 'drain');
  });
  const descriptor = Buffer.alloc(16);
  descriptor.writeUInt32LE(0x08074b50, 0);
  descriptor.writeUInt32LE(crc >>> 0, 4);
  descriptor.writeUInt32LE(compressed, 8);
  descriptor.writeUInt32LE(size, 12);
  out.write(descriptor);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(0x0808, 8);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(crc >>> 0, 16);
  central.writeUInt32LE(compressed, 20);
  central.writeUInt32LE(size, 24);
  central.writeUInt16LE(name.length, 28);
  const centralOffset = 30 + name.length + compressed + 16;
  out.write(central);
  out.write(name);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(46 + name.length, 12);
  end.writeUInt32LE(centralOffset, 16);
  out.end(end);
  await once(out, 'finish');
}
