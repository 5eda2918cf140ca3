/** FHIR R4 -> ImportBatch: the file formats for `caretwin import` and the mapper the FHIR sync uses. */
export { fhirBundleFormat, fhirImportFormats, fhirNdjsonFormat } from './formats.js';
export { FhirBatchBuilder, fhirTimeMs, mapFhirResources, type FhirMappingOptions } from './map-resources.js';
export { OBSERVATION_STREAMS } from './observation-streams.js';
