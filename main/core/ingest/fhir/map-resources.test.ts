import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { STREAM } from '../../../../shared/domain/streams.js';
import type { ImportBatch, ImportContext, ImportInput } from '../importer.js';
import { fhirBundleFormat, fhirImportFormats, fhirNdjsonFormat } from './index.js';

const BUNDLE_DIR = path.resolve(__dirname, '../../../../../shared/data/fhir-synthea');
const bundleFiles = fs.readdirSync(BUNDLE_DIR).filter((f) => f.endsWith('.json')).sort();

interface Entry {
  resource: {
    resourceType: string;
    id: string;
    code?: { coding?: { system?: string; code?: string }[] };
    component?: { code: { coding: { code: string }[] } }[];
    status?: string;
  };
}

/** Counts straight from the Bundle JSON, without the mapper: what a correct import must hold. */
function expectedCounts(file: string) {
  const bundle = JSON.parse(fs.readFileSync(path.join(BUNDLE_DIR, file), 'utf8')) as { entry: Entry[] };
  const byCode = (code: string) =>
    bundle.entry.filter((e) => e.resource.resourceType === 'Observation' && e.resource.code?.coding?.some((c) => c.code === code)).length;
  return {
    hba1c: byCode('4548-4'),
    weight: byCode('29463-7'),
    bpPanels: byCode('55284-4'),
    ntProBnp: byCode('33762-6'),
    egfr: byCode('33914-3') + byCode('98979-8'),
    medications: bundle.entry.filter((e) => e.resource.resourceType === 'MedicationRequest').length,
    conditions: bundle.entry.filter((e) => e.resource.resourceType === 'Condition').length,
    encounters: bundle.entry.filter((e) => e.resource.resourceType === 'Encounter').length,
  };
}

function fileInput(fileName: string, bytes: Uint8Array): ImportInput {
  return {
    fileName,
    sizeBytes: bytes.byteLength,
    async *open() {
      for (let i = 0; i < bytes.byteLength; i += 65_536) yield bytes.subarray(i, i + 65_536);
    },
  };
}

const context: ImportContext = { patientId: null, zone: null, nowMs: Date.UTC(2026, 0, 1), onProgress: () => undefined };

function count(batch: ImportBatch, stream: string): number {
  return batch.samples.filter((s) => s.stream === stream).length;
}

describe('FHIR Bundle mapping on the six Synthea bundles', () => {
  it.each(bundleFiles)('%s: counts per code equal the bundle', async (file) => {
    const bytes = fs.readFileSync(path.join(BUNDLE_DIR, file));
    expect(fhirBundleFormat.detect(bytes.subarray(0, 4096), file)).toBe(true);
    expect(fhirNdjsonFormat.detect(bytes.subarray(0, 4096), file)).toBe(false);
    const batch = await fhirBundleFormat.read(fileInput(file, bytes), context);
    const want = expectedCounts(file);
    expect(batch.rejected).toEqual([]);
    expect(batch.patients).toHaveLength(1);
    expect(count(batch, STREAM.hba1c)).toBe(want.hba1c);
    expect(count(batch, STREAM.weight)).toBe(want.weight);
    expect(count(batch, STREAM.systolic)).toBe(want.bpPanels);
    expect(count(batch, STREAM.diastolic)).toBe(want.bpPanels);
    expect(count(batch, STREAM.ntProBnp)).toBe(want.ntProBnp);
    expect(count(batch, STREAM.egfrLegacy) + count(batch, STREAM.egfr)).toBe(want.egfr);
    expect(batch.medications).toHaveLength(want.medications);
    expect(batch.conditions).toHaveLength(want.conditions);
    expect(batch.skipped.Encounter).toBe(want.encounters);
    const ref = batch.patients[0]!.ref;
    expect(batch.samples.every((s) => s.patientId === ref)).toBe(true);
    expect(new Set(batch.samples.map((s) => `${s.stream}|${s.sourceId}`)).size).toBe(batch.samples.length);
  });

  it('reads the monitored conditions into the profile and keeps no government identifiers', async () => {
    const file = bundleFiles.find((f) => f.startsWith('Truman_Wiegand'))!;
    const batch = await fhirBundleFormat.read(fileInput(file, fs.readFileSync(path.join(BUNDLE_DIR, file))), context);
    const profile = batch.patients[0]!.profile;
    expect([...profile.conditions].sort()).toEqual(['hf', 't2d']);
    expect(profile.identifiers.some((i) => i.system === 'http://hl7.org/fhir/sid/us-ssn')).toBe(false);
    expect(profile.identifiers.some((i) => i.system === 'http://hospital.smarthealthit.org')).toBe(true);
  });

  it('converts units into the stream unit and rejects units it cannot convert', async () => {
    const observation = (id: string, code: string, value: number, unit: string) => ({
      resource: {
        resourceType: 'Observation',
        id,
        status: 'final',
        subject: { reference: 'Patient/p1' },
        effectiveDateTime: '2025-03-01T08:00:00+01:00',
        code: { coding: [{ system: 'http://loinc.org', code }] },
        valueQuantity: { value, code: unit, system: 'http://unitsofmeasure.org' },
      },
    });
    const bundle = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        { resource: { resourceType: 'Patient', id: 'p1', name: [{ given: ['Test'], family: 'Person' }] } },
        observation('w', '29463-7', 176.37, '[lb_av]'),
        observation('a', '4548-4', 53, 'mmol/mol'),
        observation('g', '99504-3', 5.5, 'mmol/L'),
        observation('c', '2160-0', 88.42, 'umol/L'),
        observation('x', '29463-7', 80, 'stone'),
        { resource: { resourceType: 'Consent', id: 'c1', status: 'active' } },
      ],
    };
    const bytes = new TextEncoder().encode(JSON.stringify(bundle));
    const batch = await fhirBundleFormat.read(fileInput('b.json', bytes), context);
    const value = (stream: string) => batch.samples.find((s) => s.stream === stream)?.value;
    expect(value(STREAM.weight)).toBeCloseTo(80.0, 2);
    expect(value(STREAM.hba1c)).toBeCloseTo(7.0, 1);
    expect(value(STREAM.cgm)).toBeCloseTo(99.09, 1);
    expect(value(STREAM.creatinine)).toBeCloseTo(1.0, 5);
    expect(batch.samples.find((s) => s.stream === STREAM.weight)?.tMs).toBe(Date.UTC(2025, 2, 1, 7));
    expect(batch.rejected).toEqual([{ line: 6, reason: expect.stringContaining('unit CareTwin does not convert') as string }]);
    expect(batch.skipped.Consent).toBe(1);
  });

  it('reports dangling references instead of inventing a patient, and names no PHI in the reasons', async () => {
    const file = bundleFiles[0]!;
    const bundle = JSON.parse(fs.readFileSync(path.join(BUNDLE_DIR, file), 'utf8')) as { entry: Entry[] };
    const patientName = JSON.stringify((bundle.entry[0]!.resource as unknown as { name: unknown }).name);
    bundle.entry = bundle.entry.filter((e) => e.resource.resourceType !== 'Patient');
    const batch = await fhirBundleFormat.read(fileInput(file, new TextEncoder().encode(JSON.stringify(bundle))), context);
    expect(batch.patients).toEqual([]);
    expect(batch.samples).toEqual([]);
    expect(batch.rejected.length).toBeGreaterThan(10);
    expect(batch.rejected[0]!.reason).toMatch(/dangling reference/);
    expect(JSON.stringify(batch.rejected)).not.toContain(patientName);
  });

  it('reads NDJSON (one resource a line) to the same batch as the Bundle', async () => {
    const file = bundleFiles[1]!;
    const bundle = JSON.parse(fs.readFileSync(path.join(BUNDLE_DIR, file), 'utf8')) as { entry: Entry[] };
    // As a Bulk Data server writes it: references by type and id, no transaction `urn:uuid:` full URLs.
    const ndjson = bundle.entry.map((e) => JSON.stringify(e.resource).replace(/"urn:uuid:([0-9a-f-]{36})"/g, (_, id: string) => {
      const target = bundle.entry.find((x) => x.resource.id === id);
      return JSON.stringify(`${target?.resource.resourceType ?? 'Unknown'}/${id}`);
    })).join('\n') + '\n';
    const bytes = new TextEncoder().encode(ndjson);
    expect(fhirNdjsonFormat.detect(bytes.subarray(0, 4096), 'export.ndjson')).toBe(true);
    expect(fhirImportFormats.filter((f) => f.detect(bytes.subarray(0, 4096), 'export.ndjson')).map((f) => f.id)).toEqual(['fhir-ndjson']);
    const fromNdjson = await fhirNdjsonFormat.read(fileInput('export.ndjson', bytes), context);
    const fromBundle = await fhirBundleFormat.read(fileInput(file, fs.readFileSync(path.join(BUNDLE_DIR, file))), context);
    expect(fromNdjson.samples.length).toBe(fromBundle.samples.length);
    expect(fromNdjson.medications.length).toBe(fromBundle.medications.length);
    expect(fromNdjson.rejected).toEqual([]);
  });

  it('refuses a file that is not JSON with a message naming the file, not its content', async () => {
    const bytes = new TextEncoder().encode('{"resourceType":"Bundle", "entry": [');
    await expect(fhirBundleFormat.read(fileInput('broken.json', bytes), context)).rejects.toThrow(/broken\.json is not valid JSON/);
  });
});
