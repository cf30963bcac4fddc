/** The median of `values` (the mean of the middle two for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * A distribution-free confidence interval for the median of `values`: the order statistics
 * z·√n/2 ranks either side of the middle (z = 2.58: about 99%). It assumes nothing about the
 * shape of the distribution, so the long tail of a busy machine does not fool it. Throws
 * TypeError for fewer than 8 values, where the interval would be the whole sample.
 */
export function medianInterval(values: readonly number[], z = 2.58): [low: number, high: number] {
  if (values.length < 8) throw new TypeError('medianInterval needs at least 8 values');
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const half = Math.ceil((z * Math.sqrt(n)) / 2);
  const low = Math.max(0, Math.floor(n / 2) - half);
  const high = Math.min(n - 1, Math.ceil(n / 2) - 1 + half);
  return [sorted[low]!, sorted[high]!];
}

/** One kind of request whose response time is measured; `send` asserts its answer too. */
export interface TimedClass {
  name: string;
  send(round: number): Promise<void>;
}

/**
 * Runs `rounds` rounds of one request per class, one at a time, each round starting at the next
 * class (ABCD, BCDA, …) so every class sits at every position equally often; `settle` runs
 * between requests, untimed. Returns each class's times in ms, by round.
 */
export async function sampleRounds(
  classes: readonly TimedClass[],
  rounds: { from: number; count: number },
  settle: () => Promise<void> = async () => {},
): Promise<Map<string, number[]>> {
  const times = new Map(classes.map((c) => [c.name, [] as number[]]));
  for (let round = rounds.from; round < rounds.from + rounds.count; round += 1) {
    for (let i = 0; i < classes.length; i += 1) {
      const timed = classes[(round + i) % classes.length]!;
      const started = performance.now();
      await timed.send(round);
      times.get(timed.name)!.push(performance.now() - started);
      await settle();
    }
  }
  return times;
}

/** Per-round differences `a[i] - b[i]`: neighbours in time share the machine's load, so it cancels. */
export function pairedDifferences(a: readonly number[], b: readonly number[]): number[] {
  if (a.length !== b.length) throw new TypeError('paired samples must have the same length');
  return a.map((value, i) => value - b[i]!);
}
