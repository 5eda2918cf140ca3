/**
 * The generic linear-Gaussian state-space model the small-dimension Kalman filter runs on
 * (Durbin–Koopman timing, see ../shared/MODEL-NOTES.md §1.2):
 *
 *   y_t     = d_t + Z_t x_t + ε_t,            ε_t ~ N(0, H_t), H_t diagonal
 *   x_{t+1} = c_t + T_t x_t + η_t,            η_t ~ N(0, Q_t)
 *   x_0     ~ N(a_0, P_0 + κ P_∞), κ → ∞       (P_∞ = 0 unless some states are exactly diffuse)
 *
 * (a_0, P_0) is the prior of the state AT the first time point, before its observation is used.
 * Known inputs (doses) enter through c_t (c_t = B u_t) or through T_t. All matrices are row-major.
 */

/** The system matrices in force at one time step t. */
export interface StepSystem {
  /** Z_t, p×m: maps the state at t to the expected observation at t. */
  readonly design: Float64Array;
  /** d_t, length p. */
  readonly observationIntercept: Float64Array;
  /** Diagonal of H_t, length p. Diagonal H is what makes sequential (univariate) updating exact. */
  readonly observationVariance: Float64Array;
  /** T_t, m×m: carries the state from t to t+1. */
  readonly transition: Float64Array;
  /** c_t, length m. */
  readonly stateIntercept: Float64Array;
  /** Q_t, m×m: covariance of the disturbance between t and t+1. */
  readonly stateCovariance: Float64Array;
}

export interface StateSpaceModel {
  /** m */
  readonly stateDim: number;
  /** p */
  readonly observationDim: number;
  /** a_0, length m */
  readonly initialState: Float64Array;
  /** P_0 (P_* in the exact diffuse filter), m×m */
  readonly initialCovariance: Float64Array;
  /** P_∞, m×m, for states with an improper flat prior (exact diffuse initialisation). */
  readonly initialDiffuseCovariance?: Float64Array;
  /**
   * The system at step t. Called for t = 0 … n−1 by the filter and smoother, and for t >= n by forecasts,
   * so a model must answer beyond its data. Return shared objects: the filter does not modify them.
   */
  readonly systemAt: (t: number) => StepSystem;
}

export interface TimeInvariantModelSpec {
  readonly stateDim: number;
  readonly observationDim: number;
  readonly design: ArrayLike<number>;
  readonly observationIntercept?: ArrayLike<number>;
  readonly observationVariance: ArrayLike<number>;
  readonly transition: ArrayLike<number>;
  readonly stateIntercept?: ArrayLike<number>;
  readonly stateCovariance: ArrayLike<number>;
  readonly initialState: ArrayLike<number>;
  readonly initialCovariance: ArrayLike<number>;
  readonly initialDiffuseCovariance?: ArrayLike<number>;
}

/** A model whose system matrices are the same at every step. Checks every dimension once, here. */
export function timeInvariantModel(spec: TimeInvariantModelSpec): StateSpaceModel {
  const m = spec.stateDim;
  const p = spec.observationDim;
  const system: StepSystem = {
    design: sized('design', spec.design, p * m),
    observationIntercept: sized('observationIntercept', spec.observationIntercept ?? new Float64Array(p), p),
    observationVariance: sized('observationVariance', spec.observationVariance, p),
    transition: sized('transition', spec.transition, m * m),
    stateIntercept: sized('stateIntercept', spec.stateIntercept ?? new Float64Array(m), m),
    stateCovariance: sized('stateCovariance', spec.stateCovariance, m * m),
  };
  const model: StateSpaceModel = {
    stateDim: m,
    observationDim: p,
    initialState: sized('initialState', spec.initialState, m),
    initialCovariance: sized('initialCovariance', spec.initialCovariance, m * m),
    systemAt: () => system,
  };
  return spec.initialDiffuseCovariance === undefined
    ? model
    : { ...model, initialDiffuseCovariance: sized('initialDiffuseCovariance', spec.initialDiffuseCovariance, m * m) };
}

/** One discretised step of a continuous-time model: T(Δ) and Q(Δ). */
export interface DiscreteStep {
  readonly transition: Float64Array;
  readonly stateCovariance: Float64Array;
}

export interface IrregularTimeModelSpec {
  readonly stateDim: number;
  readonly observationDim: number;
  /** Observation times, strictly increasing, in the unit the continuous-time rates are expressed in. */
  readonly times: ArrayLike<number>;
  /** T(Δ), Q(Δ) for a step of length Δ; wrap it in `cachedDiscretisation` when Δ repeats. */
  readonly discretise: (dt: number) => DiscreteStep;
  /** Step length used after the last observation time, i.e. the forecast grid. */
  readonly forecastStep: number;
  readonly design: ArrayLike<number>;
  readonly observationIntercept?: ArrayLike<number>;
  readonly observationVariance: ArrayLike<number>;
  readonly initialState: ArrayLike<number>;
  readonly initialCovariance: ArrayLike<number>;
}

/**
 * A continuous-time model observed at irregular times: step t carries the state from times[t] to
 * times[t+1]; from the last time on, steps are `forecastStep` long.
 */
export function irregularTimeModel(spec: IrregularTimeModelSpec): StateSpaceModel {
  const m = spec.stateDim;
  const p = spec.observationDim;
  const times = Float64Array.from(spec.times);
  for (let t = 1; t < times.length; t++) {
    if (!(times[t]! > times[t - 1]!)) throw new Error(`irregularTimeModel: times must increase (index ${t})`);
  }
  const design = sized('design', spec.design, p * m);
  const observationIntercept = sized('observationIntercept', spec.observationIntercept ?? new Float64Array(p), p);
  const observationVariance = sized('observationVariance', spec.observationVariance, p);
  const stateIntercept = new Float64Array(m);
  const systemAt = (t: number): StepSystem => {
    const dt = t + 1 < times.length ? times[t + 1]! - times[t]! : spec.forecastStep;
    const step = spec.discretise(dt);
    return {
      design,
      observationIntercept,
      observationVariance,
      transition: step.transition,
      stateIntercept,
      stateCovariance: step.stateCovariance,
    };
  };
  return {
    stateDim: m,
    observationDim: p,
    initialState: sized('initialState', spec.initialState, m),
    initialCovariance: sized('initialCovariance', spec.initialCovariance, m * m),
    systemAt,
  };
}

function sized(name: string, values: ArrayLike<number>, length: number): Float64Array {
  if (values.length !== length) throw new Error(`${name}: expected ${length} entries, got ${values.length}`);
  return Float64Array.from(values);
}
