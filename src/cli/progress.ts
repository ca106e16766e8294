import cliProgress from 'cli-progress';
import type { AuditResult } from '../audit/audit-result.js';
import { VERDICTS, type Verdict } from '../audit/finding.js';

// Progress for a person at a terminal: done/total, units/s, ETA and counts by verdict (in the
// report's own words), on stderr. Nothing at all when stderr is not a terminal or with
// --quiet, so cron mail and pipes stay clean. Drawing is cli-progress's job; this file feeds
// it, and says what the scan is waiting for once only silent units are left.

export interface Progress {
  readonly onResult: (r: AuditResult) => void;
  readonly stop: () => void;
}

export interface ProgressStream {
  readonly isTTY?: boolean;
  write(s: string): unknown;
}

/** What the progress needs to know of the scan to bound the wait for silent units. */
export interface ProgressOptions {
  readonly quiet: boolean;
  /** Wait per answer, and tries per request (retries + 1). */
  readonly timeoutMs?: number;
  readonly tries?: number;
  /** Units in flight at most. */
  readonly concurrency?: number;
  /** Milliseconds clock; Date.now by default (tests pass their own). */
  readonly now?: () => number;
}

const SILENT: Progress = { onResult: () => undefined, stop: () => undefined };

/** Where the scan stands, for the status part of the line. */
export interface ScanClock {
  readonly total: number;
  readonly done: number;
  readonly startedAt: number;
  /** When the last unit still to finish was started (at the latest), or undefined while units wait for a slot. */
  readonly lastStartAt: number | undefined;
  readonly now: number;
  readonly timeoutMs?: number;
  readonly tries?: number;
}

/**
 * `ETA 12s`, or, once every remaining unit has been in flight longer than one timeout
 * without an answer, `waiting for 3 silent units, ≤ 4 s`: the longest they can still take
 * (timeout × tries from the last start), instead of an ETA from the answering units' pace.
 */
export function progressStatus(c: ScanClock): string {
  const remaining = c.total - c.done;
  if (remaining <= 0) return 'done';
  if (c.lastStartAt !== undefined && c.timeoutMs !== undefined && c.now - c.lastStartAt > c.timeoutMs) {
    const left = Math.max(0, c.lastStartAt + c.timeoutMs * (c.tries ?? 1) - c.now);
    return `waiting for ${remaining} silent ${remaining === 1 ? 'unit' : 'units'}, ≤ ${Math.max(1, Math.ceil(left / 1000))} s`;
  }
  const elapsed = c.now - c.startedAt;
  if (c.done === 0 || elapsed <= 0) return 'ETA …';
  const eta = Math.ceil(((elapsed / c.done) * remaining) / 1000);
  return `ETA ${eta < 60 ? `${eta}s` : `${Math.floor(eta / 60)}m${String(eta % 60).padStart(2, '0')}s`}`;
}

/** `at-risk 2 · not-ats 1`: the verdicts seen so far, worst first, in the report's words. */
export function verdictCounts(counts: Readonly<Record<Verdict, number>>): string {
  return VERDICTS.filter((v) => counts[v] > 0)
    .map((v) => `${v} ${counts[v]}`)
    .join(' · ');
}

export function startProgress(total: number, stream: ProgressStream, options: ProgressOptions): Progress {
  if (options.quiet || stream.isTTY !== true || total <= 1) return SILENT;
  const now = options.now ?? Date.now;
  const counts = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
  const startedAt = now();
  const concurrency = options.concurrency ?? total;
  let done = 0;
  // Unit k starts when a slot frees: at the start for the first `concurrency`, else when
  // result number k - concurrency arrived. So the last unit started at the latest when result
  // number total - concurrency came in.
  let lastStartAt: number | undefined = total <= concurrency ? startedAt : undefined;
  const payload = () => {
    const t = now();
    return {
      rate: ((done * 1000) / Math.max(1, t - startedAt)).toFixed(0),
      status: progressStatus({ total, done, startedAt, lastStartAt, now: t, timeoutMs: options.timeoutMs, tries: options.tries }),
      verdicts: verdictCounts(counts),
    };
  };
  const bar = new cliProgress.SingleBar(
    {
      stream: stream as NodeJS.WritableStream,
      format: 'scanning {bar} {value}/{total} | {rate} units/s | {status} | {verdicts}',
      barsize: 24,
      hideCursor: true,
      clearOnComplete: true,
      fps: 8,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, payload());
  // While nothing answers the line must still move on (the bound counts down).
  const tick = setInterval(() => bar.update(done, payload()), 500);
  tick.unref();
  return {
    onResult: (r) => {
      done++;
      counts[r.finding.verdict]++;
      if (lastStartAt === undefined && done >= total - concurrency) lastStartAt = now();
      bar.update(done, payload());
    },
    stop: () => {
      clearInterval(tick);
      bar.stop();
    },
  };
}
