/** The daily glucose layer's public surface (README.md in this folder). */
export { aggregateCgmDaily, type CgmAggregationOptions, type DailyCgmSummary } from './aggregate.js';
export {
  ADAG_INTERCEPT_MG_DL,
  ADAG_SLOPE_MG_DL_PER_PCT,
  GMI_INTERCEPT_PCT,
  GMI_SLOPE_PCT_PER_MG_DL,
  HBA1C_KERNEL_TAU_DAYS,
  LEVEL2_LOW_MG_DL,
  RANGE_HIGH_MG_DL,
  RANGE_LOW_MG_DL,
  estimatedAverageGlucoseMgDl,
  glucoseManagementIndicatorPct,
  hba1cFromMeanGlucosePct,
} from './formulas.js';
export {
  DEFAULT_POPULATION_PRIOR,
  fitPatientHyperparameters,
  type BetaPrior,
  type GroupPrior,
  type HyperparameterFit,
  type LogNormalPrior,
  type PatientScales,
  type PopulationPrior,
} from './hyperparameters.js';
export { doseResponsePrior, type DoseResponsePrior } from './medications.js';
export { fitPopulationPrior, type PopulationFit, type PopulationFitOptions } from './population.js';
export { GLUCOSE_DAILY_MODEL_VERSION, projectDailyGlucose, type DailyGlucoseProjectionOptions } from './project.js';
export { DailyGlucoseInputError, validateDailyGlucoseInput } from './series.js';
export { simulateDailyGlucose, type SimulatedPatient, type SimulationOptions } from './simulate.js';
export * from './types.js';
