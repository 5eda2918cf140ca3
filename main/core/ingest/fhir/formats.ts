/**
 * The FHIR file formats `caretwin import` reads: a Bundle as JSON (transaction, batch, collection, searchset) and
 * NDJSON (one resource per line, as Bulk Data `$export` writes it).
 */
import { AppError } from '../../../../shared/ipc/errors.js';
import type { ImportBatch, ImportContext, ImportFormat, ImportInput } from '../importer.js';
import { FhirBatchBuilder } from './map-resources.js';

const decoder = () => new TextDecoder('utf-8', { fatal: false });

/** The first bytes as text, without a byte-order mark or leading white space. */
function headText(head: Uint8Array): string {
  return decoder().decode(head).replace(/^\uFEFF/, '').trimStart();
}

export const fhirBundleFormat: ImportFormat = {
  id: 'fhir-bundle',
  label: 'FHIR R4 Bundle (JSON)',
  detect(head) {
    const text = headText(head);
    return text.startsWith('{') && /"resourceType"\s*:\s*"Bundle"/.test(text);
  },
  async read(input, context) {
    context.onProgress({ phase: 'read', bytesRead: 0, totalBytes: input.sizeBytes });
    const text = await readAllText(input, context);
    let bundle: unknown;
    try {
      bundle = JSON.parse(text.replace(/^\uFEFF/, ''));
    } catch {
      throw new AppError('VALIDATION', `${input.fileName} is not valid JSON, so it was not imported. Export the Bundle again.`);
    }
    if (typeof bundle !== 'object' || bundle === null || (bundle as { resourceType?: unknown }).resourceType !== 'Bundle') {
      throw new AppError('VALIDATION', `${input.fileName} is not a FHIR Bundle, so it was not imported.`);
    }
    context.onProgress({ phase: 'normalise' });
    const builder = new FhirBatchBuilder({ format: 'fhir-bundle', source: 'fhir-bundle', nowMs: context.nowMs });
    builder.addBundle(bundle as Record<string, unknown>);
    const batch = builder.build();
    context.onProgress({ phase: 'done', rows: countRows(batch) });
    return batch;
  },
};

export const fhirNdjsonFormat: ImportFormat = {
  id: 'fhir-ndjson',
  label: 'FHIR R4 NDJSON (Bulk Data export)',
  detect(head, fileName) {
    const text = headText(head);
    if (!text.startsWith('{"resourceType"') && !text.startsWith('{ "resourceType"')) return false;
    // A one-resource JSON file also starts like this: NDJSON is a line per resource, so the name or a second line decides.
    return /\.ndjson$/i.test(fileName) || /\}\s*\r?\n\s*\{/.test(text);
  },
  async read(input, context) {
    const builder = new FhirBatchBuilder({ format: 'fhir-ndjson', source: 'fhir-ndjson', nowMs: context.nowMs });
    let line = 0;
    let bytesRead = 0;
    let rest = '';
    const dec = decoder();
    const take = (text: string) => {
      line++;
      const trimmed = text.trim();
      if (trimmed === '') return;
      let resource: unknown;
      try {
        resource = JSON.parse(line === 1 ? trimmed.replace(/^\uFEFF/, '') : trimmed);
      } catch {
        builder.add(undefined, line);
        return;
      }
      builder.add(resource, line);
    };
    for await (const chunk of input.open()) {
      bytesRead += chunk.byteLength;
      rest += dec.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = rest.indexOf('\n')) >= 0) {
        take(rest.slice(0, nl));
        rest = rest.slice(nl + 1);
      }
      context.onProgress({ phase: 'read', bytesRead, totalBytes: input.sizeBytes, rows: line });
    }
    rest += dec.decode();
    if (rest.trim() !== '') take(rest);
    context.onProgress({ phase: 'normalise', rows: line });
    const batch = builder.build();
    context.onProgress({ phase: 'done', rows: countRows(batch) });
    return batch;
  },
};

/** Both FHIR formats, for the importer registry. */
export const fhirImportFormats: ImportFormat[] = [fhirBundleFormat, fhirNdjsonFormat];

async function readAllText(input: ImportInput, context: ImportContext): Promise<string> {
  const parts: Uint8Array[] = [];
  let bytesRead = 0;
  for await (const chunk of input.open()) {
    parts.push(chunk);
    bytesRead += chunk.byteLength;
    context.onProgress({ phase: 'read', bytesRead, totalBytes: input.sizeBytes });
  }
  return new TextDecoder('utf-8').decode(Buffer.concat(parts));
}

function countRows(batch: ImportBatch): number {
  return batch.samples.length + batch.medications.length + batch.conditions.length + batch.patients.length;
}
