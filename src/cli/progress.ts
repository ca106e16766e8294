import cliProgress from 'cli-progress';
import type { AuditResult } from '../audit/audit-result.js';
import { VERDICTS, type Verdict } from '../audit/finding.js';

// Progress for a person at a terminal: done/total, units/s, ETA and counts by verdict, on
// stderr. Nothing at all when stderr is not a terminal or with --quiet, so cron mail and
// pipes stay clean. Drawing is cli-progress's job; this file only feeds it.

export interface Progress {
  readonly onResult: (r: AuditResult) => void;
  readonly stop: () => void;
}

export interface ProgressStream {
  readonly isTTY?: boolean;
  write(s: string): unknown;
}

const SILENT: Progress = { onResult: () => undefined, stop: () => undefined };

const SHORT: Record<Verdict, string> = {
  'at-risk': 'risk',
  unknown: 'unk',
  unreachable: 'unreach',
  'safe-to-upgrade': 'safe',
  'not-affected': 'n/a',
  'not-ats': 'not-ats',
};

export function startProgress(total: number, stream: ProgressStream, options: { quiet: boolean }): Progress {
  if (options.quiet || stream.isTTY !== true || total <= 1) return SILENT;
  const counts = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
  const started = Date.now();
  const payload = () => ({
    rate: ((done * 1000) / Math.max(1, Date.now() - started)).toFixed(0),
    verdicts: VERDICTS.filter((v) => counts[v] > 0)
      .map((v) => `${SHORT[v]} ${counts[v]}`)
      .join(' · '),
  });
  let done = 0;
  const bar = new cliProgress.SingleBar(
    {
      stream: stream as NodeJS.WritableStream,
      format: 'scanning {bar} {value}/{total} | {rate} units/s | ETA {eta_formatted} | {verdicts}',
      barsize: 24,
      hideCursor: true,
      clearOnComplete: true,
      fps: 8,
      etaBuffer: 200,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, payload());
  return {
    onResult: (r) => {
      done++;
      counts[r.finding.verdict]++;
      bar.update(done, payload());
    },
    stop: () => bar.stop(),
  };
}
