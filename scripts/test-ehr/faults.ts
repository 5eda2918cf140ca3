/**
 * Fault injection for the test EHR's FHIR endpoints: every Nth request fails, cycling through the failures a
 * real EHR produces: throttling (429 with Retry-After), a server error (500), an access token that expired early
 * (401; the token is revoked, so only a new token helps) and a connection dropped halfway through a response.
 */
export const FAULT_KINDS = ['throttle', 'server-error', 'expired-token', 'drop-connection'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultOptions {
  /** Every Nth FHIR request fails; 0 turns faults off */
  readonly failEvery: number;
  /** Only these kinds (default: all, in turn) */
  readonly kinds?: readonly FaultKind[];
}

export class FaultInjector {
  private requests = 0;
  private faults = 0;
  readonly injected: Record<FaultKind, number> = { throttle: 0, 'server-error': 0, 'expired-token': 0, 'drop-connection': 0 };

  constructor(private readonly opts: FaultOptions) {}

  /** The fault for the next request, if it is one to fail. */
  next(): FaultKind | undefined {
    this.requests++;
    if (this.opts.failEvery <= 0 || this.requests % this.opts.failEvery !== 0) return undefined;
    const kinds = this.opts.kinds ?? FAULT_KINDS;
    const kind = kinds[this.faults % kinds.length]!;
    this.faults++;
    this.injected[kind]++;
    return kind;
  }

  get requestCount(): number {
    return this.requests;
  }
}
