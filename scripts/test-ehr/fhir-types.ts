/**
 * The few FHIR shapes the test EHR handles itself. (@medplum/fhirtypes has the full ones, but it is a types-only
 * package without an entry point, which the layering check cannot resolve.)
 */
export interface Resource {
  readonly resourceType: string;
  readonly id?: string;
  readonly meta?: { readonly lastUpdated?: string };
}

export interface Bundle {
  readonly resourceType: 'Bundle';
  readonly total?: number;
  readonly meta?: { readonly lastUpdated?: string };
  readonly link?: readonly { readonly relation: string; readonly url: string }[];
  readonly entry?: readonly { readonly fullUrl?: string; readonly resource?: Resource; readonly search?: { readonly mode?: string } }[];
}

export interface OperationOutcome {
  readonly resourceType: 'OperationOutcome';
  readonly issue?: readonly { readonly severity: string; readonly code: string; readonly diagnostics?: string; readonly details?: { readonly text?: string } }[];
}
