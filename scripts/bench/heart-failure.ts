/**
 * Heart-failure twin: alert quality on the synthetic demo panel (seed 1, 400 patients x 90 days; the
 * thresholds were chosen on seed 2) next to the weight rule of thumb, and what it costs per patient —
 * the whole twin (weekly MAP refits, filter, alerts, projection), one filter pass, one refit.
 */
import { evaluateHfEpisodes, heartFailureSeriesFromPlan, HF_EVALUATION_END_MS, HF_TUNING_SEED } from '../../main/core/evaluation/hf-episodes.js';
import { planCohortMember } from '../../main/core/demo/cohort.js';
import { planDemoPatient } from '../../main/core/demo/panel.js';
import { demoWindow } from '../../main/core/demo/window.js';
import { filterHeartFailure } from '../../shared/model/heart-failure/filter.js';
import { fitHeartFailureMap } from '../../shared/model/heart-failure/fit.js';
import { compileHeartFailureSystem, heartFailureObservations, HF_POPULATION_PARAMETERS } from '../../shared/model/heart-failure/model.js';
import { median } from './stats.js';

/** Filter-pass and refit costs on the first heart-failure patients of the panel. */
function kernelCosts(patients: number): { filterMicrosPerDay: number; coldRefitMs: number; warmRefitMs: number; warmRefitEvaluations: number } {
  const window = demoWindow(90, HF_EVALUATION_END_MS);
  const panel = [];
  for (let index = 0; panel.length < patients; index++) {
    if (!planCohortMember(index, 1, window.endMs).conditions.includes('hf')) continue;
    const plan = planDemoPatient(index, { seed: 1, days: 90, endMs: window.endMs });
    panel.push(heartFailureObservations(heartFailureSeriesFromPlan(plan, window.startMs, window.endMs)));
  }
  const system = compileHeartFailureSystem(HF_POPULATION_PARAMETERS);
  const passes = 200;
  const t0 = performance.now();
  let days = 0;
  for (let k = 0; k < passes; k++) for (const observations of panel) days += filterHeartFailure(system, observations, null).dayCount;
  const filterMicrosPerDay = ((performance.now() - t0) * 1000) / days;
  const cold: number[] = [];
  const warm: number[] = [];
  const warmEvaluations: number[] = [];
  for (const observations of panel) {
    const c0 = performance.now();
    const previous = fitHeartFailureMap(observations, 82);
    cold.push(performance.now() - c0);
    const w0 = performance.now();
    const next = fitHeartFailureMap(observations, 89, undefined, { warmStart: previous.estimate, maxEvaluations: 150 });
    warm.push(performance.now() - w0);
    warmEvaluations.push(next.evaluations);
  }
  return { filterMicrosPerDay, coldRefitMs: median(cold), warmRefitMs: median(warm), warmRefitEvaluations: median(warmEvaluations) };
}

export async function benchHeartFailure(): Promise<Record<string, unknown>> {
  const report = evaluateHfEpisodes({ patients: 400, days: 90, seed: 1 });
  const detector = (score: typeof report.twin) => ({
    sensitivity: score.sensitivity,
    detected: score.detected,
    episodes: score.episodes,
    unexplainedPerPatientYear: score.unexplainedPerPatientYear,
    unexplainedAlerts: score.unexplainedAlerts,
    unexplainedDuringConfounders: score.unexplainedDuringConfounders,
    medianLeadTimeDays: score.medianLeadTimeDays,
    alerts: score.alerts,
  });
  return {
    panel: { seed: report.seed, tunedOnSeed: HF_TUNING_SEED, patients: report.patients, days: report.days, synthetic: true },
    heartFailurePatients: report.heartFailurePatients,
    patientYears: report.patientYears,
    episodes: report.episodes,
    twin: detector(report.twin),
    ruleOfThumb: detector(report.ruleOfThumb),
    twinMsPerPatient: report.runtime.twinMsPerPatient,
    evaluationSeconds: report.runtime.totalMs / 1000,
    ...kernelCosts(20),
  };
}
