/** The benches' median: the upper middle value of the sorted sample (the lower of the two middles is not averaged). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
