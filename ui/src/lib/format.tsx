// Dates as people read them, in the browser's locale and time zone.

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

/** `12 Mar 2026, 14:05`, or `—` for null or an unreadable value. */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? '—' : dateTime.format(date);
}

/** `in 29 minutes`, `3 hours ago`, or `—`. */
export function fromNow(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '—';
  const ms = new Date(iso).getTime() - now;
  if (Number.isNaN(ms)) return '—';
  const abs = Math.abs(ms);
  const units: [Intl.RelativeTimeFormatUnit, number][] = [
    ['day', 86_400_000],
    ['hour', 3_600_000],
    ['minute', 60_000],
  ];
  for (const [unit, size] of units) {
    if (abs >= size) return relative.format(Math.round(ms / size), unit);
  }
  return relative.format(Math.round(ms / 1000), 'second');
}

/** A `<time>`-friendly pair: the readable text and the machine value. */
export function Time(props: { iso: string | null | undefined; relative?: boolean }) {
  if (!props.iso) return <span>—</span>;
  return (
    <time dateTime={props.iso} title={formatDate(props.iso)}>
      {props.relative ? fromNow(props.iso) : formatDate(props.iso)}
    </time>
  );
}
