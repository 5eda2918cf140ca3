/**
 * Open mHealth data points as JSON: one data point, an array of them, or `{"body": [...]}`-less arrays as shims
 * write them. Schemas read: omh:body-weight, blood-pressure, heart-rate, step-count, blood-glucose. A point's
 * time is its `effective_time_frame` (`date_time`, or the start of `time_interval`); a time without an offset is
 * read in the import's zone. `header.id` becomes the sample's source id. A point naming `header.user_id` is that
 * user's, matched or created by the identifier `urn:caretwin:omh-user|<id>`; other points need --patient.
 */
import { STREAM } from '../../../../shared/domain/streams.js';
import { AppError } from '../../../../shared/ipc/errors.js';
import { BatchBuilder, KG_PER_LB, MG_DL_PER_MMOL_L } from '../batch-builder.js';
import type { ImportBatch, ImportContext, ImportFormat, ImportInput } from '../importer.js';
import { parseIsoWallClock } from '../local-time.js';
import { JSON_LIMITS, readTextContent } from '../text-content.js';

const LABEL = 'Open mHealth JSON';
export const OMH_USER_SYSTEM = 'urn:caretwin:omh-user';

type Json = Record<string, unknown>;

export const openMHealthJson: ImportFormat = {
  id: 'open-mhealth-json',
  label: LABEL,
  detect(head) {
    const text = new TextDecoder('utf-8', { fatal: false }).decode(head);
    return /"schema_id"\s*:/.test(text) && /"namespace"\s*:\s*"omh"/.test(text);
  },
  async read(input: ImportInput, context: ImportContext): Promise<ImportBatch> {
    const text = await readTextContent(input, LABEL, JSON_LIMITS, context);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new AppError('VALIDATION', `The ${LABEL} file is not valid JSON (damaged or cut short). Nothing was imported.`);
    }
    const points = Array.isArray(parsed) ? parsed : [parsed];
    const builder = new BatchBuilder('open-mhealth-json', 'open-mhealth', context);
    points.forEach((point: unknown, index) => readPoint(point, index + 1, builder, context));
    return builder.build();
  },
};

function obj(v: unknown): Json | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
}

/** `{value, unit}` as a number in the wanted unit, or NaN. */
function unitValue(v: unknown, factors: Readonly<Record<string, number>>): number {
  const o = obj(v);
  const factor = typeof o?.unit === 'string' ? factors[o.unit] : undefined;
  return typeof o?.value === 'number' && factor !== undefined ? o.value * factor : NaN;
}

function readPoint(point: unknown, line: number, builder: BatchBuilder, context: ImportContext): void {
  const header = obj(obj(point)?.header);
  const body = obj(obj(point)?.body);
  const schema = obj(header?.schema_id);
  if (header === undefined || body === undefined || schema?.namespace !== 'omh') {
    builder.reject(line, 'not an Open mHealth data point (header.schema_id.namespace "omh" and body)');
    return;
  }
  const userId = typeof header.user_id === 'string' && header.user_id !== '' ? header.user_id : undefined;
  const patient =
    context.patientId !== null || userId === undefined
      ? builder.contextPatient()
      : builder.patient(`omh:${userId}`, {
          name: `Open mHealth user …${userId.slice(-4)}`,
          conditions: [],
          identifiers: [{ system: OMH_USER_SYSTEM, value: userId }],
        });
  const tMs = pointTime(body, line, builder);
  if (tMs === null) return;
  const sourceId = typeof header.id === 'string' ? header.id : undefined;
  const add = (stream: string, value: number, suffix = '') =>
    builder.add(line, patient, stream, tMs, value, sourceId === undefined ? undefined : sourceId + suffix);
  switch (schema.name) {
    case 'body-weight':
      add(STREAM.weight, unitValue(body.body_weight, { kg: 1, lb: KG_PER_LB, g: 0.001 }));
      return;
    case 'blood-pressure':
      add(STREAM.systolic, unitValue(body.systolic_blood_pressure, { mmHg: 1 }), '#systolic');
      add(STREAM.diastolic, unitValue(body.diastolic_blood_pressure, { mmHg: 1 }), '#diastolic');
      return;
    case 'heart-rate':
      add(STREAM.heartRate, unitValue(body.heart_rate, { 'beats/min': 1 }));
      return;
    case 'step-count': {
      const steps = typeof body.step_count === 'number' ? body.step_count : unitValue(body.step_count, { steps: 1 });
      add(STREAM.stepsInPeriod, steps);
      return;
    }
    case 'blood-glucose':
      add(STREAM.fingerstick, unitValue(body.blood_glucose, { 'mg/dL': 1, 'mmol/L': MG_DL_PER_MMOL_L }));
      return;
    default:
      builder.skip(`other schemas`);
  }
}

function pointTime(body: Json, line: number, builder: BatchBuilder): number | null {
  const frame = obj(body.effective_time_frame);
  const text = typeof frame?.date_time === 'string' ? frame.date_time : obj(frame?.time_interval)?.start_date_time;
  if (typeof text !== 'string') {
    builder.reject(line, 'effective_time_frame has no date_time or time_interval start');
    return null;
  }
  if (/(Z|[+-]\d{2}:?\d{2})$/.test(text)) {
    const t = Date.parse(text);
    if (Number.isFinite(t)) return t;
  } else {
    const wall = parseIsoWallClock(text);
    if (wall !== null) return builder.localToUtc(line, wall);
  }
  builder.reject(line, 'effective time is not an ISO 8601 date-time');
  return null;
}
