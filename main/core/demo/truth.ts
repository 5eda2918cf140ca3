/**
 * What the demo generator planted, stored beside the panel (meta key `demo.truth`) so that model and
 * alert tests can score themselves against it: decompensation episodes an alert should catch,
 * confounders it should not alarm on, and the CGM gaps and sensor changes the filter has to ride through.
 */
import type { Condition } from '../../../shared/domain/patient.js';

export const DEMO_TRUTH_META_KEY = 'demo.truth';

export interface HfEpisodeTruth {
  /** Start of the gradual fluid gain. */
  readonly onsetMs: number;
  /**
   * The marked event (admission or diuretic rescue) that ends the gain, or null when the episode is
   * still building at the end of the window: an alert is due, the event has not happened yet.
   */
  readonly eventMs: number | null;
  readonly eventKind: 'hospitalisation' | 'diuretic-rescue' | null;
  /** Fluid gained from onset to the event (or to the window's end when still ongoing), kg. */
  readonly fluidGainKg: number;
}

export type ConfounderKind =
  /** Salty weekend: about 1 kg that is gone by midweek, no other signal moves. */
  | 'weekend-weight-bump'
  /** A cold or flu: heart rate up, steps and SpO2 down, weight slightly down, for a few days. */
  | 'viral-illness'
  /** One weight entered in pounds on a kilogram scale (x 2.2046). */
  | 'weight-in-pounds'
  /** One weight taken in clothes and shoes, 1.5-2.5 kg high. */
  | 'weight-outlier'
  /** A CGM pressure-induced sensor attenuation at night: a false sharp low. */
  | 'compression-low';

export interface ConfounderTruth {
  readonly kind: ConfounderKind;
  /** First affected time (for single readings start and end are the reading's time). */
  readonly startMs: number;
  /** Last affected time, inclusive. */
  readonly endMs: number;
}

export interface CgmGapTruth {
  /** Time of the first missing 5-minute reading. */
  readonly startMs: number;
  /** Time of the first reading after the gap (exclusive end), clipped to the window. */
  readonly endMs: number;
  /** Sensor expiry through the new sensor's warm-up; signal loss; sensor not worn for days. */
  readonly kind: 'sensor-change' | 'signal-loss' | 'not-worn';
}

export interface GlucoseTruth {
  /** Mean of the true (blood) glucose over the window, mg/dL. */
  readonly meanMgDl: number;
  /** Share of true glucose in 70-180 mg/dL, 0..1. */
  readonly timeInRange: number;
  /** Share of true glucose below 70 mg/dL, 0..1. */
  readonly timeBelow70: number;
  /** This patient's HbA1c above (or below) what ADAG predicts from mean glucose, percentage points. */
  readonly glycationOffsetPct: number;
}

export interface PatientTruth {
  readonly patientId: string;
  /** Position in the panel (the generator's input for this patient). */
  readonly index: number;
  readonly conditions: readonly Condition[];
  readonly wearsCgm: boolean;
  readonly hfEpisodes: readonly HfEpisodeTruth[];
  readonly confounders: readonly ConfounderTruth[];
  /** Insertion times of CGM sensors inside the window. */
  readonly sensorChangesMs: readonly number[];
  readonly cgmGaps: readonly CgmGapTruth[];
  readonly glucose: GlucoseTruth | null;
}

export interface DemoTruth {
  readonly version: 1;
  readonly seed: number;
  readonly patients: number;
  readonly days: number;
  /** First grid time of the window. */
  readonly startMs: number;
  readonly endMs: number;
  readonly perPatient: readonly PatientTruth[];
}
