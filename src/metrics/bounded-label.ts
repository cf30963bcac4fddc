/** The label value that stands for every value past a label's limit. */
export const OTHER_LABEL = '_other';

/**
 * A label whose distinct values are capped at `max`, so a source Gatehouse does not control (a
 * backend listing thousands of tools) cannot grow the series without bound. Returns the value
 * itself while it is one of the first `max` seen, else OTHER_LABEL. Throws TypeError for a `max`
 * that is not a positive integer.
 */
export function boundedLabel(max: number): (value: string) => string {
  if (!Number.isInteger(max) || max < 1) throw new TypeError('max must be a positive integer');
  const seen = new Set<string>();
  return (value) => {
    if (seen.has(value)) return value;
    if (seen.size >= max) return OTHER_LABEL;
    seen.add(value);
    return value;
  };
}
