/**
 * What the daily glucose layer takes in and gives back. Inputs are per calendar day (the patient's
 * local days when their zone is known, else UTC days, as day numbers since 1970-01-01); the store-side
 * pipeline fills them with `aggregateCgmDaily`, the HbA1c results and the medication dose histories.
 */

/**
 * Probabilities at which each day's within-day residual distribution ln(G / day mean) is summarised.
 * Dense in the lower tail because time below 54 mg/dL is often under 1 % of a day.
 */
export const WITHIN_DAY_PROBABILITIES: readonly number[] = [
  0, 0.005, 0.01, 0.02, 0.035, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.925, 0.95,
  0.965, 0.98, 0.99, 0.995, 1,
];

export interface Hba1cResult {
  /** Day number the sample was drawn. */
  readonly day: number;
  readonly percent: number;
}

export interface DoseStep {
  /** First day the dose is in force. */
  readonly day: number;
  /** Total daily dose in the history's unit; 0 = stopped. */
  readonly dose: number;
}

export interface DoseHistory {
  /** Medication name as prescribed (generic or brand); the class is recognised from it. */
  readonly drug: string;
  /** e.g. `mg/d`, `U/d`, `mg/wk` */
  readonly unit: string;
  /** In day order; the dose before the first step is 0 (not taking it). */
  readonly steps: readonly DoseStep[];
}

export interface DailyGlucoseInput {
  /** Day numbers, strictly increasing (gaps allowed: an absent day is a day without CGM). */
  readonly days: Int32Array;
  /** Mean CGM glucose of each day, mg/dL; NaN on days without readings. */
  readonly meanMgDl: Float64Array;
  /** Within-day standard deviation of ln(glucose); NaN where unknown. */
  readonly sdLogMgDl: Float64Array;
  /** Share of the day's expected CGM readings that arrived, 0..1 (< 0.7 is a partial day). */
  readonly wearFraction: Float64Array;
  /**
   * Optional days × WITHIN_DAY_PROBABILITIES.length: quantiles of ln(reading / day's mean) per day,
   * NaN rows where unknown. Without them the within-day distribution is taken as log-normal.
   */
  readonly residualQuantilesLog?: Float64Array;
  readonly hba1c: readonly Hba1cResult[];
  readonly doses: readonly DoseHistory[];
  /** Selects the population prior of the patient's group; without it the pooled prior is used. */
  readonly diabetesType?: DiabetesType;
}

export type DiabetesType = 't1d' | 't2d';

/** A central predictive interval pair around the predictive mean. */
export interface Band {
  readonly mean: number;
  readonly lower80: number;
  readonly upper80: number;
  readonly lower95: number;
  readonly upper95: number;
}

/** Bands per projected day (index 0 = the day after the origin), structure of arrays. */
export interface BandSeries {
  readonly mean: Float64Array;
  readonly lower80: Float64Array;
  readonly upper80: Float64Array;
  readonly lower95: Float64Array;
  readonly upper95: Float64Array;
}

/** Summaries over the days origin+1 … origin+`lengthDays`, as a CGM report over that period would give. */
export interface WindowProjection {
  readonly lengthDays: number;
  /** Mean of the true glucose over the window. */
  readonly meanGlucoseMgDl: Band;
  readonly gmiPct: Band;
  /** Shares of time, 0..1. */
  readonly timeInRange: Band;
  readonly timeBelow70: Band;
  readonly timeBelow54: Band;
  /** True HbA1c on the window's last day (what an error-free assay would read). */
  readonly hba1cPct: Band;
  /** A lab HbA1c drawn on the window's last day: the true value plus assay error. */
  readonly hba1cLabPct: Band;
}

export type DrugClass =
  | 'metformin'
  | 'sglt2-inhibitor'
  | 'basal-insulin'
  | 'prandial-insulin'
  | 'sulfonylurea'
  | 'dpp4-inhibitor'
  | 'glp1-receptor-agonist'
  | 'thiazolidinedione';

export interface DoseResponseEstimate {
  readonly drug: string;
  readonly unit: string;
  readonly drugClass: DrugClass;
  /** Dose in force on the first modelled day: effects are changes from it. */
  readonly referenceDose: number;
  readonly doseAtOrigin: number;
  /** Change of mean glucose per unit of daily dose at steady state, mg/dL per unit (posterior). */
  readonly perUnitMgDl: Band;
  /** Population prior mean and SD of the same, for comparison. */
  readonly priorPerUnitMgDl: { readonly mean: number; readonly sd: number };
}

export type PopulationGroup = 'type1' | 'type2' | 'unspecified';

/** The per-patient hyperparameters fitted by MAP (natural logs of coefficients of variation). */
export interface PatientHyperparameters {
  /** Day-to-day variation of the true daily mean around the level, as CV. */
  readonly logDayCv: number;
  /** Random-walk drift of the level per √day, as CV. */
  readonly logLevelDriftCv: number;
}

export interface ProjectionProvenance {
  readonly firstDay: number;
  readonly originDay: number;
  /** Days with CGM readings on or before the origin (within the modelled history). */
  readonly cgmDays: number;
  /** Of those, days with less than 70 % of readings. */
  readonly partialCgmDays: number;
  readonly lastCgmDay: number | null;
  /** Longest run of consecutive days without CGM on the modelled grid (including one that reaches the origin). */
  readonly longestCgmGapDays: number;
  readonly hba1cCount: number;
  readonly lastHba1cDay: number | null;
  /** Drugs whose class is not recognised (or whose unit does not match it): no effect is modelled. */
  readonly ignoredDrugs: readonly string[];
  /** Where time in range comes from: the patient's own recent CGM days, or the population. */
  readonly withinDayShape: 'patient-quantiles' | 'patient-log-normal' | 'population';
  readonly withinDayShapeDays: number;
  /** Of those days, how many had a low (at least 1 % of the day below 70 mg/dL). */
  readonly withinDayShapeLowDays: number;
  /** Population group whose prior was used. */
  readonly populationGroup: PopulationGroup;
  /** Mean glucose the coefficients of variation are scaled by, mg/dL (from data on or before the origin). */
  readonly referenceMgDl: number;
  readonly samplePaths: number;
  readonly seed: number;
}

export interface DailyGlucoseProjection {
  readonly modelVersion: string;
  readonly originDay: number;
  /** origin+1 … origin+horizon */
  readonly days: Int32Array;
  /** True daily mean glucose, mg/dL. */
  readonly meanGlucoseMgDl: BandSeries;
  readonly hba1cPct: BandSeries;
  readonly hba1cLabPct: BandSeries;
  readonly timeInRange: BandSeries;
  readonly timeBelow70: BandSeries;
  readonly timeBelow54: BandSeries;
  readonly windows: readonly WindowProjection[];
  /** Filtered state on the origin day. */
  readonly current: {
    /** Underlying glucose level including medication effects (no day-to-day deviation), mg/dL. */
    readonly levelMgDl: Band;
    readonly glycationOffsetPct: Band;
    readonly hba1cPct: Band;
    readonly doseResponses: readonly DoseResponseEstimate[];
  };
  readonly hyperparameters: PatientHyperparameters;
  readonly fit: {
    readonly logLikelihood: number;
    /** Objective evaluations of the MAP fit (0 when hyperparameters were given or data too thin). */
    readonly evaluations: number;
    readonly method: 'map' | 'given' | 'population-prior';
  };
  readonly provenance: ProjectionProvenance;
}
