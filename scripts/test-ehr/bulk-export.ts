/**
 * FHIR Bulk Data `$export` for the test EHR: kick-off (`Prefer: respond-async` -> 202 + Content-Location), status
 * polling (202 with X-Progress and Retry-After while running, then the manifest), NDJSON files, and DELETE to
 * cancel. A job takes a few polls to finish so that clients must really poll.
 */
import type { Resource } from './fhir-types.js';
import { randomBytes } from 'node:crypto';
import type { TestFhirRepository } from './fhir-repository.js';

export const DEFAULT_EXPORT_TYPES = ['Patient', 'Condition', 'Observation', 'MedicationRequest', 'MedicationStatement', 'MedicationAdministration', 'Consent'];

interface ExportJob {
  readonly id: string;
  readonly request: string;
  readonly transactionTime: string;
  readonly types: readonly string[];
  /** Polls left before the job reports completion */
  pollsLeft: number;
  files: Map<string, string> | undefined;
}

export class BulkExports {
  private readonly jobs = new Map<string, ExportJob>();

  constructor(
    private readonly repo: TestFhirRepository,
    private readonly pollsToComplete: number,
  ) {}

  async kickOff(requestUrl: string, types: readonly string[], sinceIso: string | undefined): Promise<string> {
    const id = randomBytes(12).toString('hex');
    const job: ExportJob = { id, request: requestUrl, transactionTime: new Date().toISOString(), types, pollsLeft: this.pollsToComplete, files: undefined };
    const files = new Map<string, string>();
    for (const type of types) {
      const resources: Resource[] = await this.repo.all(type, sinceIso);
      if (resources.length > 0) files.set(type, resources.map((r) => JSON.stringify(r)).join('\n') + '\n');
    }
    job.files = files;
    this.jobs.set(id, job);
    return id;
  }

  /** `undefined`: no such job; `progress`: still running; else the manifest. */
  poll(id: string, fileUrl: (jobId: string, type: string) => string): { progress: string } | { manifest: Record<string, unknown> } | undefined {
    const job = this.jobs.get(id);
    if (job === undefined) return undefined;
    if (job.pollsLeft > 0) {
      job.pollsLeft--;
      const done = this.pollsToComplete - job.pollsLeft;
      return { progress: `exporting (${done}/${this.pollsToComplete + 1})` };
    }
    return {
      manifest: {
        transactionTime: job.transactionTime,
        request: job.request,
        requiresAccessToken: true,
        output: [...(job.files ?? new Map<string, string>()).entries()].map(([type, text]) => ({
          type,
          url: fileUrl(id, type),
          count: text.split('\n').length - 1,
        })),
        error: [],
      },
    };
  }

  file(id: string, type: string): string | undefined {
    return this.jobs.get(id)?.files?.get(type);
  }

  cancel(id: string): boolean {
    return this.jobs.delete(id);
  }
}
