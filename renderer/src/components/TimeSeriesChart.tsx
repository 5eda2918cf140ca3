/**
 * One stream over time as a chart.js line chart. Tuned for 26,000-point CGM series: no parsing
 * (points are already {x: tMs, y}), no animation, LTTB decimation. Gaps longer than three typical
 * steps break the line (see series/gaps.ts for why each run is its own dataset).
 */
import { useEffect, useMemo, useRef } from 'react';
import {
  Chart,
  Decimation,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  TimeScale,
  Tooltip,
  type ChartConfiguration,
  type Plugin,
} from 'chart.js';
import 'chartjs-adapter-date-fns';
import type { SeriesResult } from '../../../shared/ipc/contract.js';
import { formatDateTime, formatValue } from '../format.js';
import { splitAtGaps, type ChartPoint } from '../series/gaps.js';
import { minimumValueRange } from '../series/valueRange.js';
import { paddedRange, tickFormat, useThemeVersion, VALUE_AXIS_WIDTH } from './twin/chartAxis.js';

Chart.register(LineController, LineElement, PointElement, LinearScale, TimeScale, Tooltip, Decimation);

interface ChartColours {
  readonly line: string;
  readonly grid: string;
  readonly text: string;
}

/** The chart's colours come from styles.css custom properties, so light and dark live in one place. */
function readColours(element: Element): ChartColours {
  const style = getComputedStyle(element);
  const read = (name: string, fallback: string): string => style.getPropertyValue(name).trim() || fallback;
  return { line: read('--chart-line', '#1d6fb8'), grid: read('--chart-grid', '#d9dee5'), text: read('--chart-text', '#4a5563') };
}

export interface TimeSeriesChartProps {
  readonly series: SeriesResult;
  /** Unit as shown to people, for the y-axis title and the tooltip. */
  readonly displayUnit: string;
  readonly decimals: number;
  /** Draw a dot per reading (labs, daily values) rather than a bare line. */
  readonly showPoints: boolean;
  /** The shared time range of the patient's charts, so they line up one above the other. */
  readonly rangeMs: { readonly min: number; readonly max: number } | undefined;
  readonly ariaLabel: string;
  /** Called once the chart has drawn this series. */
  readonly onDrawn: () => void;
}

export function TimeSeriesChart({ series, displayUnit, decimals, showPoints, rangeMs, ariaLabel, onDrawn }: TimeSeriesChartProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const onDrawnRef = useRef(onDrawn);
  useEffect(() => {
    onDrawnRef.current = onDrawn;
  });
  const theme = useThemeVersion();
  const runs = useMemo(() => splitAtGaps(series.tMs, series.values), [series]);
  const rangeMin = rangeMs?.min;
  const rangeMax = rangeMs?.max;

  useEffect(() => {
    const element = canvas.current;
    if (!element) return;
    const colours = readColours(element);
    let reported = false;
    const drawn: Plugin<'line'> = {
      id: 'caretwinDrawn',
      afterRender() {
        if (reported) return;
        reported = true;
        onDrawnRef.current();
      },
    };
    // A little room either side so edge points are not cut in half (the same as the twin charts', so they line up).
    const padded = rangeMin !== undefined && rangeMax !== undefined ? paddedRange({ min: rangeMin, max: rangeMax }) : undefined;
    const first = runs[0]?.[0]?.x ?? 0;
    const last = runs.at(-1)?.at(-1)?.x ?? first;
    let minValue = Number.POSITIVE_INFINITY;
    let maxValue = Number.NEGATIVE_INFINITY;
    for (const run of runs) {
      for (const p of run) {
        if (p.y < minValue) minValue = p.y;
        if (p.y > maxValue) maxValue = p.y;
      }
    }
    const ticks = tickFormat(rangeMin !== undefined && rangeMax !== undefined ? rangeMax - rangeMin : last - first);
    const config: ChartConfiguration<'line', ChartPoint[]> = {
      type: 'line',
      data: {
        datasets: runs.map((points) => ({
          label: displayUnit,
          data: points,
          borderColor: colours.line,
          backgroundColor: colours.line,
          borderWidth: showPoints ? 1.5 : 1.25,
          // A lone reading between gaps is a dot, or it would not show at all.
          pointRadius: showPoints || points.length === 1 ? 2.5 : 0,
          pointHoverRadius: 4,
          pointHitRadius: 6,
          spanGaps: false,
          tension: 0,
        })),
      },
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
            min: padded?.min,
            max: padded?.max,
            ticks: { color: colours.text, maxRotation: 0, autoSkipPadding: 16, callback: (value) => ticks.format(Number(value)) },
            grid: { color: colours.grid },
            border: { color: colours.grid },
          },
          y: {
            type: 'linear',
            ...minimumValueRange(minValue, maxValue, decimals),
            title: { display: true, text: displayUnit, color: colours.text },
            ticks: { color: colours.text },
            grid: { color: colours.grid },
            border: { color: colours.grid },
            afterFit: (scale) => {
              scale.width = VALUE_AXIS_WIDTH;
            },
          },
        },
        plugins: {
          // Per run: a run longer than `threshold` points is reduced to `samples` by LTTB.
          decimation: { enabled: true, algorithm: 'lttb', samples: 800, threshold: 800 },
          tooltip: {
            displayColors: false,
            callbacks: {
              title: (items) => (items[0] ? formatDateTime(items[0].parsed.x ?? 0) : ''),
              label: (item) => `${formatValue(item.parsed.y ?? 0, decimals)} ${displayUnit}`,
            },
          },
        },
      },
      plugins: [drawn],
    };
    const chart = new Chart(element, config);
    return () => chart.destroy();
    // `theme` rebuilds the chart with the other theme's colours when the system scheme or the user's choice changes.
  }, [runs, displayUnit, decimals, showPoints, rangeMin, rangeMax, theme]);

  return (
    <div className="chart-frame">
      <canvas ref={canvas} role="img" aria-label={ariaLabel} />
    </div>
  );
}
