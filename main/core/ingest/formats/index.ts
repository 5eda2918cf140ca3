/**
 * Every file format `caretwin import` reads, in the order detection tries them: the most specific signatures
 * first, so a generic one (a CSV with a time and a value column) never claims a file a specific one reads.
 */
import { fhirBundleFormat, fhirNdjsonFormat } from '../fhir/formats.js';
import type { ImportFormat } from '../importer.js';
import { appleHealthXml, appleHealthZip } from './apple-health.js';
import { dexcomClarityCsv, igluCsv, simglucoseCsv } from './cgm-csv-import.js';
import { FITBIT_FORMATS } from './fitbit.js';
import { libreViewCsv } from './libreview.js';
import { nightscoutEntries } from './nightscout.js';
import { openMHealthJson } from './open-mhealth.js';
import { WITHINGS_FORMATS } from './withings.js';

export const IMPORT_FORMATS: readonly ImportFormat[] = [
  appleHealthZip,
  appleHealthXml,
  fhirBundleFormat,
  fhirNdjsonFormat,
  openMHealthJson,
  nightscoutEntries,
  ...FITBIT_FORMATS,
  dexcomClarityCsv,
  libreViewCsv,
  simglucoseCsv,
  ...WITHINGS_FORMATS,
  // Last: its signature (an id, a time and a glucose column) is the most generic.
  igluCsv,
];
