import type { UnitChange } from '../changes/change-kinds.js';
import type { Identity } from './device.js';
import type { Finding } from './finding.js';
import type { Reading, WalkedRows } from '../poll/reading.js';
import type { Target } from '../targets/target.js';

/** One line of the report: the target as given, what it said, and the verdict. No credentials. */
export interface AuditResult {
  readonly target: Target;
  readonly finding: Finding;
  /** Present when the unit answered SNMP. */
  readonly identity?: Identity;
  /** The values read, for the JSON report. */
  readonly raw?: { readonly reading: Reading; readonly walked: WalkedRows };
  /** SNMP requests sent to this unit. */
  readonly requests: number;
  /** With --baseline: how the unit changed since that report. */
  readonly change?: UnitChange;
  /**
   * Where the verdict was read, when it came from an earlier report (ats-audit merge): the
   * time of that reading (ISO 8601) and the report file it came from.
   */
  readonly reading?: { readonly at?: string; readonly file?: string };
}
