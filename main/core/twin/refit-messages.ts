/**
 * What the refit pool (./refit-pool.ts) and its workers (./refit-worker.ts) say to each other. One task
 * is one patient; typed arrays travel transferred (or shared, when they live in a SharedArrayBuffer).
 */
import type { FastLayerParameters } from '../../../shared/model/glucose/fast-layer.js';
import type {
  FilterSmoothSummary,
  PatientCgmSeries,
  PatientRefit,
  PatientRefitOptions,
} from '../../../shared/model/glucose/patient-refit.js';

export type RefitTask =
  | { readonly kind: 'refit'; readonly taskId: number; readonly series: PatientCgmSeries; readonly options: PatientRefitOptions }
  | { readonly kind: 'filter-smooth'; readonly taskId: number; readonly series: PatientCgmSeries; readonly parameters: FastLayerParameters };

export type RefitReply =
  | { readonly kind: 'refit'; readonly taskId: number; readonly result: PatientRefit }
  | { readonly kind: 'filter-smooth'; readonly taskId: number; readonly result: FilterSmoothSummary }
  | { readonly kind: 'failed'; readonly taskId: number; readonly message: string };

/** The buffers of a result's typed arrays, to transfer back instead of copying. */
export function refitTransferList(result: PatientRefit): ArrayBuffer[] {
  const arrays = [
    result.smoothedTail.timeMin,
    result.smoothedTail.logMean,
    result.smoothedTail.logSd,
    result.daily.day,
    result.daily.meanLogGlucose,
    result.daily.readings,
    result.lastFiltered,
  ];
  return [...new Set(arrays.map((array) => array.buffer))].filter((buffer): buffer is ArrayBuffer => buffer instanceof ArrayBuffer);
}
