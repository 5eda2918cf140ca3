/**
 * Reports as a service for the hosts: the Ambulatory Glucose Profile of a patient's stored CGM over a period
 * (default: the 14 days ending now, the consensus minimum), read in the patient's zone. CGM is the `cgm` data
 * class: the patient's consent must let the caller see it.
 */
import { STREAM } from '../../../shared/domain/streams.js';
import { AppError } from '../../../shared/ipc/errors.js';
import { computeAgp, type Agp } from '../../../shared/report/agp.js';
import { requireClassAccess, requirePatientAccess, type Caller } from '../consent/access.js';
import { hostZone } from '../program/program-service.js';
import type { CareTwinStore } from '../store/store.js';

const MS_PER_DAY = 86_400_000;
export const AGP_DEFAULT_DAYS = 14;
/** The longest period one AGP covers (90 days of 5-min CGM is ~26,000 readings). */
export const AGP_MAX_DAYS = 366;

export interface AgpRequest {
  /** The period [fromMs, toMs); default: `days` (14) ending now. */
  readonly fromMs?: number | undefined;
  readonly toMs?: number | undefined;
  readonly days?: number | undefined;
}

export interface AgpReport {
  readonly patientId: string;
  /** Where the zone came from: the patient's profile, or this host's zone when the profile names none. */
  readonly zoneFrom: 'patient' | 'default';
  readonly generatedMs: number;
  readonly agp: Agp;
}

export interface PdfRequest {
  readonly pageSize: 'A4' | 'Letter';
  /** A file name without the patient's name or identifiers (it shows in dialogs and recent-file lists). */
  readonly suggestedFileName: string;
}

export interface PdfResult {
  readonly saved: boolean;
  readonly filePath: string | null;
  readonly bytes: number;
}

/**
 * The host's "save this window as PDF" (Electron: webContents.printToPDF and a save dialog, main/electron/print-pdf.ts).
 * The web host has none: there the page prints with the browser's own dialog (window.print()).
 */
export type PdfPrinter = (connection: { readonly connectionId: string }, request: PdfRequest) => Promise<PdfResult>;

export interface ReportService {
  agp(caller: Caller, patientId: string, request?: AgpRequest): AgpReport;
  /** Saves the calling window (showing this patient's report) as a PDF through the host's printer. */
  pdf(caller: Caller, connection: { readonly connectionId: string }, patientId: string, pageSize: 'A4' | 'Letter'): Promise<PdfResult>;
}

/** caretwin-report-2026-11-23.pdf: the date of the report, nothing about the patient. */
export function reportFileName(nowMs: number): string {
  return `caretwin-report-${new Date(nowMs).toISOString().slice(0, 10)}.pdf`;
}

export function resolveAgpPeriod(request: AgpRequest, nowMs: number): { fromMs: number; toMs: number } {
  const toMs = request.toMs ?? (request.fromMs !== undefined && request.days !== undefined ? request.fromMs + request.days * MS_PER_DAY : nowMs);
  const fromMs = request.fromMs ?? toMs - (request.days ?? AGP_DEFAULT_DAYS) * MS_PER_DAY;
  if (!(toMs > fromMs)) throw new AppError('VALIDATION', 'The report period must end after it starts.');
  if (toMs - fromMs > AGP_MAX_DAYS * MS_PER_DAY) throw new AppError('VALIDATION', `A report covers at most ${AGP_MAX_DAYS} days.`);
  return { fromMs, toMs };
}

export function createReportService(
  store: () => CareTwinStore,
  nowMs: () => number,
  defaultZone: string = hostZone(),
  printer?: PdfPrinter,
): ReportService {
  return {
    agp(caller, patientId, request = {}) {
      const s = store();
      const patient = s.getPatient(patientId);
      if (patient === undefined) throw new AppError('NOT_FOUND', 'No patient with that id in this store.');
      const now = nowMs();
      requireClassAccess(s, caller, patientId, 'cgm', now, 'report.agp');
      const { fromMs, toMs } = resolveAgpPeriod(request, now);
      const series = s.readSeries(patientId, STREAM.cgm, fromMs, toMs);
      const zone = patient.profile.zone ?? defaultZone;
      return {
        patientId,
        zoneFrom: patient.profile.zone ? 'patient' : 'default',
        generatedMs: now,
        agp: computeAgp({ tMs: series.tMs, valuesMgDl: series.values, zone, fromMs, toMs }),
      };
    },
    async pdf(caller, connection, patientId, pageSize) {
      const s = store();
      if (s.getPatient(patientId) === undefined) throw new AppError('NOT_FOUND', 'No patient with that id in this store.');
      requirePatientAccess(s, caller, patientId, 'report.pdf');
      if (printer === undefined) {
        throw new AppError('UNKNOWN_METHOD', "This window cannot save PDFs itself: use the browser's print dialog and choose Save as PDF.");
      }
      return printer(connection, { pageSize, suggestedFileName: reportFileName(nowMs()) });
    },
  };
}
