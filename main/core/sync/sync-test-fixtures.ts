/** Helpers shared by the sync tests: the Synthea bundles' own counts, read straight from their JSON. */
import fs from 'node:fs';
import path from 'node:path';
import { STREAM } from '../../../shared/domain/streams.js';

export const SYNTHEA_DIR = path.resolve(import.meta.dirname, '../../../../shared/data/fhir-synthea');
/** Identifier system of the Synthea MRN (the identifier of type MR). */
export const SYNTHEA_MRN_SYSTEM = 'http://hospital.smarthealthit.org';

export interface BundleCounts {
  readonly mrn: string;
  readonly name: { given: string[]; family: string };
  /** stream -> count of observations (BP panels count once per component) */
  readonly streams: Record<string, number>;
  readonly medications: number;
  readonly conditions: number;
  /** CareTwin's monitored conditions among the bundle's diagnoses, sorted */
  readonly monitored: string[];
}

interface RawEntry {
  resource: {
    resourceType: string;
    code?: { coding?: { code?: string; display?: string }[] };
    identifier?: { system?: string; value?: string }[];
    name?: { given: string[]; family: string }[];
  };
}

/** Per bundle file: what a complete, duplicate-free import of it must hold. */
export function syntheaCounts(): BundleCounts[] {
  return fs
    .readdirSync(SYNTHEA_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const bundle = JSON.parse(fs.readFileSync(path.join(SYNTHEA_DIR, file), 'utf8')) as { entry: RawEntry[] };
      const of = (type: string) => bundle.entry.filter((e) => e.resource.resourceType === type).map((e) => e.resource);
      const byCode = (code: string) => of('Observation').filter((r) => r.code?.coding?.some((c) => c.code === code)).length;
      const patient = of('Patient')[0]!;
      const bp = byCode('55284-4');
      return {
        mrn: patient.identifier!.find((i) => i.system === SYNTHEA_MRN_SYSTEM)!.value!,
        name: patient.name![0]!,
        streams: {
          [STREAM.hba1c]: byCode('4548-4'),
          [STREAM.weight]: byCode('29463-7'),
          [STREAM.systolic]: bp,
          [STREAM.diastolic]: bp,
          [STREAM.ntProBnp]: byCode('33762-6'),
        },
        medications: of('MedicationRequest').length,
        conditions: of('Condition').length,
        monitored: [
          ...new Set(
            of('Condition').flatMap((r) =>
              (r.code?.coding ?? []).flatMap((c) => (c.code === '44054006' ? ['t2d'] : c.code === '46635009' ? ['t1d'] : /heart failure/i.test(c.display ?? '') ? ['hf'] : [])),
            ),
          ),
        ].sort(),
      };
    });
}
