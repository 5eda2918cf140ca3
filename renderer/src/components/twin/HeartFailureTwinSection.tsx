/**
 * The heart-failure twin: weight with its dry-weight and fluid components (the model's daily posterior with
 * 80 % and 95 % bands; wider on days without a weighing), the fluid excess on its own, and the 14-day
 * projection at the current loop-diuretic dose. The projection is also a table, and its end is said in words.
 */
import { useCallback, useMemo, useState } from 'react';
import type { TwinSeriesView, TwinView } from '../../../../shared/ipc/contract.js';
import { formatDate, formatDateTime, formatValue } from '../../format.js';
import type { Query } from '../../useQuery.js';
import { ErrorNotice, Loading } from '../Notices.js';
import type { TimeRange } from './chartAxis.js';
import { TwinChart, type BandLayer, type LineLayer } from './TwinChart.js';
import { BandText, bandString, markDrawn } from './twinText.js';

type Hf = NonNullable<TwinSeriesView['hf']>;
type Projection = NonNullable<Hf['projection']>;

const UTC = { timeZone: 'UTC' } as const;
const dayText = (ms: number): string => formatDate(ms, UTC);

function kg(x: number | null | undefined): string {
  return x === null || x === undefined ? '–' : `${formatValue(x, 1)} kg`;
}

/** "Projected weight on 12 Mar 2026: 82.4 kg (80 %: 81.2–83.6 kg; 95 %: 80.6–84.2 kg)" */
export function projectionSentence(p: Projection): string | null {
  const i = p.tMs.length - 1;
  if (i < 0) return null;
  const w = p.weightKg;
  const f = p.fluidExcessKg;
  return (
    `Projected weight on ${dayText(p.tMs[i]!)}: ${kg(w.mean[i])} (80 %: ${bandString(w.lower80[i] ?? null, w.upper80[i] ?? null, 1, 'kg')}; ` +
    `95 %: ${bandString(w.lower95[i] ?? null, w.upper95[i] ?? null, 1, 'kg')}); fluid excess ${kg(f.mean[i])} ` +
    `(80 %: ${bandString(f.lower80[i] ?? null, f.upper80[i] ?? null, 1, 'kg')}).`
  );
}

function weightLabel(hf: Hf): string {
  const parts = ['Body weight, kg, with the twin’s dry weight (80 % and 95 % bands) and weight explained by the model'];
  const i = hf.observedWeightKg.kg.findLastIndex((v) => v !== null);
  if (i >= 0) parts.push(`latest weighing ${kg(hf.observedWeightKg.kg[i])} on ${formatDateTime(hf.observedWeightKg.tMs[i]!)}`);
  const m = hf.model;
  const last = m ? m.tMs.length - 1 : -1;
  if (m && last >= 0) parts.push(`dry weight ${kg(m.dryWeightKg.mean[last])} (80 %: ${bandString(m.dryWeightKg.lower80[last] ?? null, m.dryWeightKg.upper80[last] ?? null, 1, 'kg')})`);
  const sentence = hf.projection ? projectionSentence(hf.projection) : null;
  if (sentence) parts.push(sentence);
  return `${parts.join('; ')}`;
}

function fluidLabel(hf: Hf): string {
  const m = hf.model;
  const last = m ? m.tMs.length - 1 : -1;
  const parts = ['Fluid excess, kg, from the heart-failure twin with 80 % and 95 % bands and the 14-day projection'];
  if (m && last >= 0) {
    parts.push(`on ${dayText(m.tMs[last]!)} ${kg(m.fluidExcessKg.mean[last])} (80 %: ${bandString(m.fluidExcessKg.lower80[last] ?? null, m.fluidExcessKg.upper80[last] ?? null, 1, 'kg')})`);
  }
  return `${parts.join('; ')}.`;
}

export interface HeartFailureTwinSectionProps {
  /** the charts' time axis; undefined until the twin (whose projection it reaches to) has loaded */
  readonly range: TimeRange | undefined;
  readonly twin: TwinView['twin'] | undefined;
  /** the page's twin.series query (fetched once for all twin sections) */
  readonly series: Query<TwinSeriesView>;
}

export function HeartFailureTwinSection({ range, twin, series }: HeartFailureTwinSectionProps) {
  const value = series.value;
  const hf = value?.hf ?? null;
  const [drawn, setDrawn] = useState<{ weight?: TwinSeriesView; fluid?: TwinSeriesView }>({});
  const onWeightDrawn = useCallback(() => {
    setDrawn((d) => ({ ...d, weight: value }));
    markDrawn('weight');
  }, [value]);
  const onFluidDrawn = useCallback(() => {
    setDrawn((d) => ({ ...d, fluid: value }));
    markDrawn('fluid');
  }, [value]);

  const weightLines = useMemo<LineLayer[]>(() => {
    if (!hf) return [];
    const lines: LineLayer[] = [{ tMs: hf.observedWeightKg.tMs, values: hf.observedWeightKg.kg, label: 'Weighing', points: true, colour: 'observed' }];
    if (hf.model) lines.push({ tMs: hf.model.tMs, values: hf.model.modelWeightKg, label: 'Dry weight + fluid (model)', colour: 'secondary', dashed: true });
    return lines;
  }, [hf]);
  const dryWeight = useMemo<BandLayer | undefined>(() => (hf?.model ? { tMs: hf.model.tMs, ...hf.model.dryWeightKg, label: 'Dry weight' } : undefined), [hf]);
  const weightProjection = useMemo<BandLayer | undefined>(
    () => (hf?.projection ? { tMs: hf.projection.tMs, ...hf.projection.weightKg, label: 'Projected weight' } : undefined),
    [hf],
  );
  const fluid = useMemo<BandLayer | undefined>(() => (hf?.model ? { tMs: hf.model.tMs, ...hf.model.fluidExcessKg, label: 'Fluid excess' } : undefined), [hf]);
  const fluidProjection = useMemo<BandLayer | undefined>(
    () => (hf?.projection ? { tMs: hf.projection.tMs, ...hf.projection.fluidExcessKg, label: 'Projected fluid excess' } : undefined),
    [hf],
  );
  const noLines = useMemo<LineLayer[]>(() => [], []);

  const computed = (hf?.model ?? null) !== null;
  const ready = value !== undefined && range !== undefined && !series.loading && (hf === null || (drawn.weight === value && (!computed || drawn.fluid === value)));
  const sentence = hf?.projection ? projectionSentence(hf.projection) : null;
  const twinHf = twin?.hf ?? null;

  return (
    <section
      className="stream twin-section"
      data-twin-chart="heart-failure"
      data-ready={ready ? 'true' : 'false'}
      data-twin-state={value === undefined ? 'loading' : computed ? 'computed' : 'not-computed'}
      aria-labelledby="hf-twin-title"
    >
      <h2 id="hf-twin-title">
        Weight, fluid and the heart-failure twin <span className="unit">(kg)</span>
      </h2>
      {series.error && <ErrorNotice title="The heart-failure twin could not be loaded." error={series.error} onRetry={series.retry} />}
      {(!value || !range) && !series.error && <Loading>Loading the heart-failure twin…</Loading>}
      {value && range && !hf && <p className="muted">No weight or vital-sign readings this account may see.</p>}
      {value && range && hf && (
        <>
          {computed ? (
            <p className="twin-status">
              Twin computed {value.computedMs !== null ? formatDateTime(value.computedMs) : ''} from daily values ({hf.model?.modelVersion}); days are UTC days.
              {twinHf && (
                <>
                  {' '}
                  Today’s fluid excess {kg(twinHf.fluidExcessKg.mean)}
                  {twinHf.alertActive ? ': the twin’s congestion alert is active.' : '; no congestion alert active.'}
                </>
              )}
            </p>
          ) : (
            <p className="twin-status twin-pending" role="status">
              Twin not computed yet: the weighings are shown without the model’s dry weight, fluid and bands. They appear here as soon as the twin has
              been computed.
            </p>
          )}
          {sentence && (
            <p className="twin-projection-summary" data-testid="hf-projection-summary">
              {sentence}
            </p>
          )}
          <ul className="twin-legend" aria-label="What the weight chart shows">
            <li>
              <span className="swatch swatch-observed" aria-hidden="true" /> Weighings (first of the day); breaks are days without one
            </li>
            {computed && (
              <li>
                <span className="swatch swatch-model" aria-hidden="true" /> Dry weight with 80 % and 95 % bands, wider where weighings are missing;{' '}
                <span className="swatch swatch-secondary" aria-hidden="true" /> dry weight + fluid
              </li>
            )}
            {hf.projection && (
              <li>
                <span className="swatch swatch-projection" aria-hidden="true" /> Projection for the next {hf.projection.tMs.length} days with 80 % and 95 %
                bands
              </li>
            )}
          </ul>
          <h3 className="chart-title">Weight</h3>
          <TwinChart
            range={range}
            unit="kg"
            decimals={1}
            model={dryWeight}
            projection={weightProjection}
            lines={weightLines}
            ariaLabel={weightLabel(hf)}
            onDrawn={onWeightDrawn}
          />
          {computed && (
            <>
              <h3 className="chart-title">Fluid excess</h3>
              <TwinChart
                range={range}
                unit="kg"
                decimals={1}
                model={fluid}
                projection={fluidProjection}
                lines={noLines}
                ariaLabel={fluidLabel(hf)}
                onDrawn={onFluidDrawn}
              />
            </>
          )}
          {hf.projection && <ProjectionTable projection={hf.projection} />}
        </>
      )}
    </section>
  );
}

function ProjectionTable({ projection }: { projection: Projection }) {
  const dose = projection.loopDiureticMgPerDay;
  return (
    <details className="twin-details">
      <summary>Projection day by day</summary>
      <table className="twin-table" aria-label="Heart-failure projection">
        <caption>
          Projection at the current loop-diuretic dose ({dose === null ? 'unknown' : `${formatValue(dose, 0)} mg/day furosemide-equivalent`}), UTC days
        </caption>
        <thead>
          <tr>
            <th scope="col">Day</th>
            <th scope="col" className="num">
              Weight
            </th>
            <th scope="col">80 % band</th>
            <th scope="col">95 % band</th>
            <th scope="col" className="num">
              Fluid excess
            </th>
            <th scope="col">80 % band</th>
          </tr>
        </thead>
        <tbody>
          {projection.tMs.map((t, i) => (
            <tr key={t}>
              <th scope="row">{dayText(t)}</th>
              <td className="num">{kg(projection.weightKg.mean[i])}</td>
              <td>
                <BandText lower={projection.weightKg.lower80[i] ?? null} upper={projection.weightKg.upper80[i] ?? null} decimals={1} unit="kg" />
              </td>
              <td>
                <BandText lower={projection.weightKg.lower95[i] ?? null} upper={projection.weightKg.upper95[i] ?? null} decimals={1} unit="kg" />
              </td>
              <td className="num">{kg(projection.fluidExcessKg.mean[i])}</td>
              <td>
                <BandText lower={projection.fluidExcessKg.lower80[i] ?? null} upper={projection.fluidExcessKg.upper80[i] ?? null} decimals={1} unit="kg" />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}
