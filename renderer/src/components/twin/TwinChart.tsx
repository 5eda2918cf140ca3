/**
 * One twin chart (chart.js): the model's state over the history with its 95 % and 80 % bands (filled
 * between their bounds), its mean, the observed readings, and the projection ahead with its own bands.
 * The core has already decimated the series (twin.series), so there is no parsing, no decimation and no
 * animation here: the first frame is the final one. A null value is a gap: lines break there (spanGaps
 * false) and nothing is drawn across it.
 */
import { useEffect, useMemo, useRef } from 'react';
import {
  Chart,
  Filler,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  TimeScale,
  Tooltip,
  type ChartConfiguration,
  type ChartDataset,
  type Plugin,
  type Scale,
} from 'chart.js';
import 'chartjs-adapter-date-fns';
import { formatDateTime, formatValue } from '../../format.js';
import { paddedRange, readTwinColours, tickFormat, useThemeVersion, VALUE_AXIS_WIDTH, type TimeRange, type TwinColours } from './chartAxis.js';

Chart.register(LineController, LineElement, PointElement, LinearScale, TimeScale, Tooltip, Filler);

type Num = number | null;
export interface BandLayer {
  readonly tMs: readonly number[];
  readonly mean: readonly Num[];
  readonly lower80: readonly Num[];
  readonly upper80: readonly Num[];
  readonly lower95: readonly Num[];
  readonly upper95: readonly Num[];
  /** what the mean is, for the tooltip ("Smoothed glucose") */
  readonly label: string;
}

export interface LineLayer {
  readonly tMs: readonly number[];
  readonly values: readonly Num[];
  readonly label: string;
  /** a dot per value (daily weights, labs) rather than a bare line */
  readonly points?: boolean;
  readonly colour?: 'observed' | 'secondary' | 'model';
  readonly dashed?: boolean;
}

export interface TwinChartProps {
  readonly range: TimeRange;
  readonly unit: string;
  readonly decimals: number;
  /** the model over the history */
  readonly model?: BandLayer | undefined;
  /** the projection ahead */
  readonly projection?: BandLayer | undefined;
  readonly lines: readonly LineLayer[];
  /** fixed value-axis limits (e.g. glucose 40–400 mg/dL); values beyond are clipped at the edge */
  readonly yLimits?: { readonly min?: number; readonly max?: number };
  readonly ariaLabel: string;
  readonly onDrawn: () => void;
  readonly tall?: boolean;
}

type P = { x: number; y: number | null };
const isNum = (x: Num | undefined): x is number => typeof x === 'number' && Number.isFinite(x);
function points(tMs: readonly number[], values: readonly Num[]): P[] {
  const out: P[] = new Array<P>(tMs.length);
  for (let i = 0; i < tMs.length; i++) out[i] = { x: tMs[i]!, y: values[i] ?? null };
  return out;
}

interface Roles {
  /** index of the band bound a tooltip item reads, per dataset */
  readonly band: (BandLayer | undefined)[];
}

/** chart.js draws a higher `order` first: bands underneath, then the model's mean, the readings, the projection on top. */
const ORDER = { band95: 6, band80: 5, mean: 3, line: 2, projectionMean: 1 } as const;

function bandDatasets(layer: BandLayer, colours: { line: string; band80: string; band95: string }, dashed: boolean, roles: Roles): ChartDataset<'line', P[]>[] {
  const edge = { borderWidth: 0, pointRadius: 0, pointHitRadius: 0, spanGaps: false, tension: 0 } as const;
  roles.band.push(undefined, undefined, undefined, undefined, layer);
  return [
    { ...edge, order: ORDER.band95, label: `${layer.label}: 95 % band, lower`, data: points(layer.tMs, layer.lower95), fill: false, borderColor: 'transparent', backgroundColor: colours.band95 },
    { ...edge, order: ORDER.band95, label: `${layer.label}: 95 % band`, data: points(layer.tMs, layer.upper95), fill: '-1', borderColor: 'transparent', backgroundColor: colours.band95 },
    { ...edge, order: ORDER.band80, label: `${layer.label}: 80 % band, lower`, data: points(layer.tMs, layer.lower80), fill: false, borderColor: 'transparent', backgroundColor: colours.band80 },
    { ...edge, order: ORDER.band80, label: `${layer.label}: 80 % band`, data: points(layer.tMs, layer.upper80), fill: '-1', borderColor: 'transparent', backgroundColor: colours.band80 },
    {
      order: dashed ? ORDER.projectionMean : ORDER.mean,
      label: layer.label,
      data: points(layer.tMs, layer.mean),
      borderColor: colours.line,
      backgroundColor: colours.line,
      borderWidth: 1.75,
      borderDash: dashed ? [6, 4] : [],
      pointRadius: layer.tMs.length <= 40 ? 2 : 0,
      pointHitRadius: 6,
      spanGaps: false,
      tension: 0,
      fill: false,
    },
  ];
}

function lineColour(colours: TwinColours, c: LineLayer['colour']): string {
  return c === 'secondary' ? colours.secondary : c === 'model' ? colours.model : colours.observed;
}

export function TwinChart({ range, unit, decimals, model, projection, lines, yLimits, ariaLabel, onDrawn, tall }: TwinChartProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const onDrawnRef = useRef(onDrawn);
  useEffect(() => {
    onDrawnRef.current = onDrawn;
  });
  const theme = useThemeVersion();
  const padded = useMemo(() => paddedRange(range), [range]);
  const yMin = yLimits?.min;
  const yMax = yLimits?.max;

  useEffect(() => {
    const element = canvas.current;
    if (!element) return;
    const colours = readTwinColours(element);
    const roles: Roles = { band: [] };
    const datasets: ChartDataset<'line', P[]>[] = [];
    if (model) datasets.push(...bandDatasets(model, { line: colours.model, band80: colours.band80, band95: colours.band95 }, false, roles));
    if (projection) {
      datasets.push(...bandDatasets(projection, { line: colours.projection, band80: colours.projectionBand80, band95: colours.projectionBand95 }, true, roles));
    }
    for (const line of lines) {
      const colour = lineColour(colours, line.colour);
      roles.band.push(undefined);
      datasets.push({
        order: ORDER.line,
        label: line.label,
        data: points(line.tMs, line.values),
        borderColor: colour,
        backgroundColor: colour,
        borderWidth: line.points ? 1 : 1.25,
        borderDash: line.dashed ? [3, 3] : [],
        pointRadius: line.points || line.tMs.length <= 60 ? 2.5 : 0,
        pointHoverRadius: 4,
        pointHitRadius: 6,
        spanGaps: false,
        tension: 0,
        fill: false,
      });
    }
    // The value axis fits what is shown (bands included), within the fixed limits.
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (const d of datasets) {
      for (const p of d.data) {
        if (p.y === null || p.x < padded.min || p.x > padded.max) continue;
        if (p.y < lo) lo = p.y;
        if (p.y > hi) hi = p.y;
      }
    }
    if (!(hi > lo)) {
      lo = (Number.isFinite(lo) ? lo : 0) - 1;
      hi = (Number.isFinite(hi) ? hi : 0) + 1;
    }
    const margin = (hi - lo) * 0.04;
    const ticks = tickFormat(padded.max - padded.min);
    let reported = false;
    const drawn: Plugin<'line'> = {
      id: 'caretwinTwinDrawn',
      afterRender() {
        if (reported) return;
        reported = true;
        onDrawnRef.current();
      },
    };
    const config: ChartConfiguration<'line', P[]> = {
      type: 'line',
      data: { datasets },
      options: {
        parsing: false,
        normalized: true,
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: 'nearest', axis: 'x', intersect: false },
        scales: {
          x: {
            type: 'time',
            min: padded.min,
            max: padded.max,
            ticks: { color: colours.text, maxRotation: 0, autoSkipPadding: 16, callback: (value) => ticks.format(Number(value)) },
            grid: { color: colours.grid },
            border: { color: colours.grid },
          },
          y: {
            type: 'linear',
            // Round ticks from the data's extent; fixed limits clip what lies beyond (a gap's band, an outlier).
            suggestedMin: lo - margin,
            suggestedMax: hi + margin,
            ...(yMin !== undefined && lo - margin < yMin ? { min: yMin } : {}),
            ...(yMax !== undefined && hi + margin > yMax ? { max: yMax } : {}),
            title: { display: true, text: unit, color: colours.text },
            ticks: { color: colours.text },
            grid: { color: colours.grid },
            border: { color: colours.grid },
            afterFit: (scale: Scale) => {
              scale.width = VALUE_AXIS_WIDTH;
            },
          },
        },
        plugins: {
          tooltip: {
            displayColors: false,
            // Band edges are read through their mean's item, not listed on their own.
            filter: (item) => !/band/.test(item.dataset.label ?? ''),
            callbacks: {
              title: (items) => (items[0] ? formatDateTime(items[0].parsed.x ?? 0) : ''),
              label: (item) => {
                const y = item.parsed.y;
                if (y === null || y === undefined || Number.isNaN(y)) return `${item.dataset.label ?? ''}: no data`;
                const text = `${item.dataset.label ?? ''}: ${formatValue(y, decimals)} ${unit}`;
                const band = roles.band[item.datasetIndex];
                if (!band) return text;
                const l = band.lower80[item.dataIndex];
                const u = band.upper80[item.dataIndex];
                const l95 = band.lower95[item.dataIndex];
                const u95 = band.upper95[item.dataIndex];
                if (!isNum(l) || !isNum(u)) return text;
                const wide = isNum(l95) && isNum(u95) ? `; 95 %: ${formatValue(l95, decimals)}–${formatValue(u95, decimals)}` : '';
                return `${text} (80 %: ${formatValue(l, decimals)}–${formatValue(u, decimals)}${wide})`;
              },
            },
          },
        },
      },
      plugins: [drawn],
    };
    const chart = new Chart(element, config);
    return () => chart.destroy();
  }, [model, projection, lines, padded, unit, decimals, yMin, yMax, theme]);

  return (
    <div className={tall ? 'chart-frame chart-frame-tall' : 'chart-frame'}>
      <canvas ref={canvas} role="img" aria-label={ariaLabel} />
    </div>
  );
}
