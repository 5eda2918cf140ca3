/**
 * Draws daily series from the heart-failure model's own equations (./model.ts): the check that the
 * filter, the bands and the alerts behave as the model says they should. Extra fluid can be pushed in
 * (a ramp) and vital signs shifted, to plant an episode with a known size.
 */
import { compileHeartFailureSystem, HF_OBSERVATION, HF_OBSERVATION_DIM, HF_SIGNALS, HF_STATE, HF_STATE_DIM, type HeartFailureParameters } from './model.js';
import { type HeartFailureSeries, type HfStreamCode } from './series.js';

/** Standard normal draws from a seed: mulberry32 with Marsaglia's polar method. */
export function seededNormal(seed: number): () => number {
  let state = seed >>> 0;
  const uniform = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = state;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  let spare = Number.NaN;
  return () => {
    if (!Number.isNaN(spare)) {
      const value = spare;
      spare = Number.NaN;
      return value;
    }
    for (;;) {
      const u = 2 * uniform() - 1;
      const v = 2 * uniform() - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) {
        const factor = Math.sqrt((-2 * Math.log(s)) / s);
        spare = v * factor;
        return u * factor;
      }
    }
  };
}

export interface SimulationSpec {
  readonly parameters: HeartFailureParameters;
  readonly dayCount: number;
  readonly firstDay?: number;
  readonly normal: () => number;
  /** Loop-diuretic dose per day, mg/day (default 40 throughout). */
  readonly loopDiureticMgPerDay?: Float64Array;
  /** The true dose response κ (default: a draw from its prior). */
  readonly diureticResponseKgPerMg?: number;
  /** Extra fluid added to f on each day, kg (an episode's ramp), on top of the model's own dynamics. */
  readonly extraFluidKgPerDay?: (dayIndex: number) => number;
  /** Per signal and day: true = no reading (missing). */
  readonly missing?: (signal: (typeof HF_SIGNALS)[number]['signal'], dayIndex: number) => boolean;
}

export interface Simulation {
  readonly series: HeartFailureSeries;
  /** True states, n×m. */
  readonly states: Float64Array;
}

/** One patient drawn from the model: the prior at day 0, then the transition and observation equations. */
export function simulateHeartFailure(spec: SimulationSpec): Simulation {
  const system = compileHeartFailureSystem(spec.parameters);
  const m = HF_STATE_DIM;
  const p = HF_OBSERVATION_DIM;
  const n = spec.dayCount;
  const normal = spec.normal;
  const dose = spec.loopDiureticMgPerDay ?? new Float64Array(n).fill(40);
  const x = new Float64Array(m);
  // The prior is diagonal, so each state is drawn on its own.
  for (let i = 0; i < m; i++) x[i] = system.initialState[i]! + Math.sqrt(system.initialCovariance[i * m + i]!) * normal();
  if (spec.diureticResponseKgPerMg !== undefined) x[HF_STATE.diureticResponse] = spec.diureticResponseKgPerMg;
  const states = new Float64Array(n * m);
  const values = new Float64Array(n * p);
  for (let t = 0; t < n; t++) {
    states.set(x, t * m);
    for (let i = 0; i < p; i++) {
      const row = system.design[i]!;
      let mean = 0;
      for (let k = 0; k < row.index.length; k++) mean += row.coefficient[k]! * x[row.index[k]!]!;
      values[t * p + i] = mean + Math.sqrt(system.observationVariance[i]!) * normal();
    }
    const u = dose[t]! - dose[0]!;
    const next = new Float64Array(m);
    for (let i = 0; i < m; i++) next[i] = system.decay[i]! * x[i]! + Math.sqrt(system.processVariance[i]!) * normal();
    next[HF_STATE.fluidExcess] =
      next[HF_STATE.fluidExcess]! + x[HF_STATE.fluidRate]! + system.diureticCoupling * u * x[HF_STATE.diureticResponse]! + (spec.extraFluidKgPerDay?.(t) ?? 0);
    x.set(next);
  }
  const daily: Partial<Record<HfStreamCode, Float64Array>> = {};
  for (const info of HF_SIGNALS) {
    const row = HF_OBSERVATION[info.signal];
    const column = new Float64Array(n);
    for (let t = 0; t < n; t++) {
      const value = values[t * p + row]!;
      column[t] = spec.missing?.(info.signal, t) ? Number.NaN : info.logScale ? Math.exp(value) : value;
    }
    daily[info.stream] = column;
  }
  return { series: { firstDay: spec.firstDay ?? 20_000, dayCount: n, daily, loopDiureticMgPerDay: dose }, states };
}
