import { UsageError } from './io.js';

// Durations on the command line: `2s`, `1500ms`, `10m`, `1h`, or combined largest unit first
// (`1m30s`, `2s500ms`); whole numbers only. One grammar for every option that takes a time; a bad value is quoted
// back exactly as typed.

const UNIT_MS = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;
const PART = /(\d+)(ms|h|m|s)/gy;

export interface DurationRule {
  /** Unit of a bare number (`--timeout 1500`); absent: a bare number is refused (is 10 seconds or minutes?). */
  readonly bare?: 'ms' | 's';
  /** Examples for the error message, e.g. "2s or 1500ms". */
  readonly examples: string;
}

/** Milliseconds, or undefined when `text` is not a duration. Pure. */
export function durationMs(text: string, bare?: 'ms' | 's'): number | undefined {
  const t = text.trim();
  if (/^\d+$/.test(t)) return bare === undefined ? undefined : Math.round(Number(t) * UNIT_MS[bare]);
  if (t === '') return undefined;
  PART.lastIndex = 0;
  let total = 0;
  let last = Infinity;
  let m: RegExpExecArray | null;
  let end = 0;
  while ((m = PART.exec(t)) !== null) {
    const unit = UNIT_MS[m[2] as keyof typeof UNIT_MS];
    if (unit >= last) return undefined; // largest unit first, each once
    last = unit;
    total += Number(m[1]) * unit;
    end = PART.lastIndex;
  }
  return end === t.length ? Math.round(total) : undefined;
}

/** Milliseconds; throws UsageError quoting the value as typed and naming the option. */
export function parseDuration(value: unknown, option: string, rule: DurationRule): number {
  const text = String(value);
  const ms = typeof value === 'number' && rule.bare === 'ms' && Number.isFinite(value) ? value : durationMs(text, rule.bare);
  if (ms === undefined) {
    const hint = rule.bare === undefined && /^\d+$/.test(text.trim()) ? ` (add a unit: ${text.trim()}s or ${text.trim()}m)` : '';
    const bare = rule.bare === undefined ? '' : `; a bare number is ${rule.bare === 'ms' ? 'milliseconds' : 'seconds'}`;
    throw new UsageError(`--${option} ${JSON.stringify(text)}: expected a duration such as ${rule.examples}${bare}${hint}`);
  }
  return ms;
}

/** `2s`, `1500ms`, `1m30s`: a short exact form, for help texts and messages. */
export function formatDurationMs(ms: number): string {
  const n = Math.round(ms);
  if (n % 1000 !== 0) return `${n}ms`;
  const parts: string[] = [];
  let rest = n;
  for (const [unit, size] of Object.entries(UNIT_MS)) {
    const k = Math.floor(rest / size);
    if (k > 0) parts.push(`${k}${unit}`);
    rest -= k * size;
  }
  return parts.join('') || '0s';
}
