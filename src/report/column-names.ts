// The report's column names, in order, and nothing else: a module with no imports, so the
// baseline reader (changes/) can name CSV columns by this list without an import cycle
// (columns.ts, which defines each column, imports the change kinds from changes/).
// columns.ts builds its columns from these names; a test keeps the two in the same order.

export const REPORT_COLUMN_NAMES = [
  'host',
  'port',
  'name',
  'site',
  'verdict',
  'reason',
  'action',
  'model',
  'serial',
  'hardware_rev',
  'aos_version',
  'aos_file',
  'app_version',
  'app_file',
  'controller_firmware',
  'sys_name',
  'sys_location',
  'primary_source',
  'selected_source',
  'source_a',
  'source_b',
  'voltage_a',
  'voltage_b',
  'secondary_live',
  'load_attached',
  'load_amps',
  'advisory',
  'change',
  'previous_verdict',
  'read_at',
  'read_from',
] as const;

export type ColumnName = (typeof REPORT_COLUMN_NAMES)[number];
