/**
 * Which rows of a virtualised table are in the DOM. Pure, so that it is tested without a browser.
 */

/** A run of rendered rows, or of rows stood in for by one spacer of their height; `from` inclusive, `to` exclusive. */
export interface RowSegment {
  readonly kind: 'rows' | 'gap';
  readonly from: number;
  readonly to: number;
}

/**
 * The body of a virtualised table of `count` rows: the window [first, last) and the row `pinned` (rendered even
 * when outside the window), in order, with spacers for the rows between. Empty runs are left out.
 */
export function renderedSegments(count: number, first: number, last: number, pinned: number): RowSegment[] {
  const runs: Array<[number, number]> = [[first, last]];
  if (pinned >= 0 && pinned < count && (pinned < first || pinned >= last)) runs.push([pinned, pinned + 1]);
  runs.sort((a, b) => a[0] - b[0]);
  const segments: RowSegment[] = [];
  let at = 0;
  for (const [from, to] of runs) {
    if (to <= from) continue;
    if (from > at) segments.push({ kind: 'gap', from: at, to: from });
    segments.push({ kind: 'rows', from, to });
    at = to;
  }
  if (at < count) segments.push({ kind: 'gap', from: at, to: count });
  return segments;
}
