import type { Source, SourceStatus } from './device.js';

/** Verdicts, worst first: the order the console table sorts by. */
export const VERDICTS = ['at-risk', 'unknown', 'unreachable', 'safe-to-upgrade', 'not-affected', 'not-ats'] as const;
export type Verdict = (typeof VERDICTS)[number];

export type YesNoUnknown = 'yes' | 'no' | 'unknown';

/** Derived facts the report shows for a Rack ATS (absent for units that are not one). */
export interface Facts {
  readonly primarySource?: Source | 'none';
  readonly secondarySource?: Source;
  readonly selectedSource?: Source;
  readonly sourceA?: SourceStatus;
  readonly sourceB?: SourceStatus;
  readonly voltageA?: number;
  readonly voltageB?: number;
  readonly secondaryLive: YesNoUnknown;
  readonly loadAttached: YesNoUnknown;
  readonly loadAmps?: number;
}

/** The verdict on one unit, with the words an operator acts on. */
export interface Finding {
  readonly verdict: Verdict;
  /** Why, in plain words. */
  readonly reason: string;
  /** What to do next; empty when nothing is to be done. */
  readonly action: string;
  /** Which bulletin the verdict refers to, where one applies. */
  readonly advisoryId?: string;
  readonly facts?: Facts;
}

export function verdictRank(v: Verdict): number {
  return VERDICTS.indexOf(v);
}
