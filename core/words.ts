/**
 * How chatbench writes counts, exact figures and durations in sentences: progress lines (engine),
 * reason messages (verdict) and every report read the same. One place, so a singular or a
 * thousands separator cannot be right in one and wrong in another.
 */

/** 1234 -> "1,234": whole numbers with thousands separators. */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** "1 room", "2 rooms", "1 owed delivery", "3 owed deliveries", "1,500 users". */
export function plural(n: number, singular: string, pluralForm = regularPlural(singular)): string {
  return `${count(n)} ${n === 1 ? singular : pluralForm}`;
}

function regularPlural(noun: string): string {
  return /[^aeiou]y$/.test(noun) ? `${noun.slice(0, -1)}ies` : `${noun}s`;
}

/**
 * A measured value exact enough to see why a threshold failed, with thousands separators:
 * 1000 -> "1,000", 4498.0512 -> "4,498.05", 0.00213912 -> "0.00213912" (6 significant digits).
 */
export function exactNumber(n: number): string {
  if (!Number.isFinite(n)) return '-';
  if (Number.isInteger(n)) return count(n);
  return n.toLocaleString('en-US', { maximumSignificantDigits: 6 });
}

/** Microseconds in the unit that reads best, exact: "850 µs", "1.2345 ms", "12.5 s". */
export function exactMicros(us: number): string {
  if (!Number.isFinite(us)) return '-';
  if (us < 1000) return `${exactNumber(us)} µs`;
  if (us < 1_000_000) return `${exactNumber(us / 1000)} ms`;
  return `${exactNumber(us / 1_000_000)} s`;
}

/** A configured duration for people: 500 -> "500 ms", 1000 -> "1 s", 1500 -> "1.5 s", 60000 -> "60 s", 150000 -> "2.5 min". */
export function duration(ms: number): string {
  if (ms < 1000) return `${exactNumber(ms)} ms`;
  if (ms < 120_000) return `${exactNumber(ms / 1000)} s`;
  return `${exactNumber(ms / 60_000)} min`;
}
