// The one definition of the report's columns. The CSV writes them in this order; the JSON
// report writes the same values under the same names (grouped by `group`); the doc
// docs/report-columns.md lists them, and a test checks it stays in step.

import type { AuditResult } from '../audit/audit-result.js';
import { formatChange } from './changes-text.js';
import type { ColumnName as KnownColumnName } from './column-names.js';

/** A cell as a column gives it: blank cells are `undefined`. */
export type Cell = string | number | undefined;

/**
 * - `text`: untrusted text from a device or the inventory, or our own sentences that may
 *   quote such text. Escaped for CSV (see forCsvCell) and for the terminal.
 * - `enum`: a word from a closed set the tool produces itself (`ok`, `A`, `yes`...).
 * - `number`: a number the tool produces itself (CSV writes it as is, JSON as a number).
 */
export type ColumnKind = 'text' | 'enum' | 'number';

/** Where the value sits in a JSON unit: at its top level, under `identity` or under `facts`. */
export type ColumnGroup = 'unit' | 'identity' | 'facts';

export interface Column<N extends string = string, G extends ColumnGroup = ColumnGroup> {
  readonly name: N;
  readonly group: G;
  readonly kind: ColumnKind;
  /** One line, for docs/report-columns.md. */
  readonly description: string;
  readonly value: (r: AuditResult) => Cell;
}

/** Only names from column-names.ts: the baseline reader finds CSV columns by that list. */
function column<N extends KnownColumnName, G extends ColumnGroup>(
  name: N,
  group: G,
  kind: ColumnKind,
  description: string,
  value: (r: AuditResult) => Cell,
): Column<N, G> {
  return { name, group, kind, description, value };
}

/** A finite number, or blank. */
function finite(n: number | undefined): number | undefined {
  return n !== undefined && Number.isFinite(n) ? n : undefined;
}

/** Amps with one decimal (`4.2`, `0.0`), or blank when unknown. */
export function formatAmps(amps: number | undefined): string | undefined {
  const n = finite(amps);
  return n === undefined ? undefined : n.toFixed(1);
}

export const COLUMNS = [
  column('host', 'unit', 'text', 'Host name or IP address, as given on the command line or in the inventory.', (r) => r.target.host),
  column('port', 'unit', 'number', 'SNMP UDP port polled.', (r) => r.target.port),
  column('name', 'unit', 'text', 'Name from the inventory; blank when none was given.', (r) => r.target.name),
  column('site', 'unit', 'text', 'Site from the inventory; blank when none was given.', (r) => r.target.site),
  column(
    'verdict',
    'unit',
    'enum',
    'One of at-risk, unknown, unreachable, safe-to-upgrade, not-affected, not-ats.',
    (r) => r.finding.verdict,
  ),
  column('reason', 'unit', 'text', 'Why the unit got its verdict, in plain words.', (r) => r.finding.reason),
  column('action', 'unit', 'text', 'What to do before upgrading; blank when nothing is to be done.', (r) => r.finding.action || undefined),
  column('model', 'identity', 'text', 'Model number (atsIdentModelNumber, or `MN:` in sysDescr).', (r) => r.identity?.model),
  column('serial', 'identity', 'text', 'Serial number (atsIdentSerialNumber, or `SN:` in sysDescr).', (r) => r.identity?.serial),
  column('hardware_rev', 'identity', 'text', 'Hardware revision (atsIdentHardwareRev).', (r) => r.identity?.hardwareRev),
  column('aos_version', 'identity', 'text', 'Network card operating system (AOS) version, e.g. v3.7.4.', (r) => r.identity?.aosVersion),
  column('aos_file', 'identity', 'text', 'AOS file name from sysDescr `PN:`, e.g. apc_hw02_aos_374.bin.', (r) => r.identity?.aosFile),
  column('app_version', 'identity', 'text', 'ATS application version on the card, e.g. v3.7.1.', (r) => r.identity?.appVersion),
  column('app_file', 'identity', 'text', 'Application file name from sysDescr `AN1:`, e.g. apc_hw02_g2ats_371.bin.', (r) => r.identity?.appFile),
  column(
    'controller_firmware',
    'identity',
    'text',
    "Switch controller firmware (atsIdentFirmwareRev), not the card's.",
    (r) => r.identity?.controllerFirmware,
  ),
  column('sys_name', 'identity', 'text', 'sysName as the unit reports it.', (r) => r.identity?.sysName),
  column('sys_location', 'identity', 'text', 'sysLocation as the unit reports it.', (r) => r.identity?.sysLocation),
  column(
    'primary_source',
    'facts',
    'enum',
    'Primary input (the preferred source): A, B or none; blank when unknown or not a Rack ATS.',
    (r) => r.finding.facts?.primarySource,
  ),
  column(
    'selected_source',
    'facts',
    'enum',
    'Input currently feeding the load: A or B; blank when unknown or not a Rack ATS.',
    (r) => r.finding.facts?.selectedSource,
  ),
  column('source_a', 'facts', 'enum', 'Input A status: ok or fail; blank when unknown or not a Rack ATS.', (r) => r.finding.facts?.sourceA),
  column('source_b', 'facts', 'enum', 'Input B status: ok or fail; blank when unknown or not a Rack ATS.', (r) => r.finding.facts?.sourceB),
  column(
    'voltage_a',
    'facts',
    'number',
    'Input A voltage in volts; blank when unknown or not a Rack ATS.',
    (r) => finite(r.finding.facts?.voltageA),
  ),
  column(
    'voltage_b',
    'facts',
    'number',
    'Input B voltage in volts (may mirror A on some firmware); blank when unknown or not a Rack ATS.',
    (r) => finite(r.finding.facts?.voltageB),
  ),
  column(
    'secondary_live',
    'facts',
    'enum',
    'Secondary input live: yes, no or unknown; blank when not a Rack ATS.',
    (r) => r.finding.facts?.secondaryLive,
  ),
  column(
    'load_attached',
    'facts',
    'enum',
    'Load attached to the output: yes, no or unknown; blank when not a Rack ATS.',
    (r) => r.finding.facts?.loadAttached,
  ),
  column(
    'load_amps',
    'facts',
    'number',
    'Output current in amps, one decimal (4.2, 0.0); blank when unknown or not a Rack ATS.',
    (r) => formatAmps(r.finding.facts?.loadAmps),
  ),
  column('advisory', 'unit', 'text', 'Bulletin the verdict refers to (e.g. FA156178); blank when none applies.', (r) => r.finding.advisoryId),
  column(
    'change',
    'unit',
    'enum',
    'With --baseline: what changed since that report, most important first, space-separated (new-at-risk, newly-unreachable, no-longer-at-risk, back-online, verdict-changed, firmware-changed, new-unit, unchanged); blank without --baseline.',
    (r) => (r.change ? formatChange(r.change) : undefined),
  ),
  column(
    'previous_verdict',
    'unit',
    'enum',
    'With --baseline: the verdict in that report; blank without --baseline or for a new unit.',
    (r) => r.change?.previousVerdict,
  ),
  column(
    'read_at',
    'unit',
    'text',
    'ats-audit merge: when the unit was read (ISO 8601, UTC), from the report it came from; blank in a scan\'s own report.',
    (r) => r.reading?.at,
  ),
  column(
    'read_from',
    'unit',
    'text',
    'ats-audit merge: the report file the unit\'s reading came from; blank in a scan\'s own report.',
    (r) => r.reading?.file,
  ),
] as const satisfies readonly Column[];

export type ColumnName = (typeof COLUMNS)[number]['name'];

/** Names of the columns in one group. */
export type ColumnNameIn<G extends ColumnGroup> = Extract<(typeof COLUMNS)[number], { group: G }>['name'];

export const COLUMN_NAMES: readonly ColumnName[] = COLUMNS.map((c) => c.name);
