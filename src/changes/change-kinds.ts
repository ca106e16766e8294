import type { Verdict } from '../audit/finding.js';

// The vocabulary of changes since a baseline: the kinds (their order is the order of
// importance, and of the summary line) and the change of one unit. Data only: the report/
// room takes it to word changes; src/changes/baseline.ts decides them.

export const CHANGE_KINDS = [
  'new-at-risk',
  'newly-unreachable',
  'no-longer-at-risk',
  'back-online',
  'verdict-changed',
  'firmware-changed',
  'new-unit',
  'gone',
  'unchanged',
] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

export interface UnitChange {
  readonly key: string;
  /** Never empty: ['unchanged'] when nothing changed. Most important first. */
  readonly kinds: readonly ChangeKind[];
  /** The baseline's verdict; absent for a new unit. */
  readonly previousVerdict?: Verdict;
}
