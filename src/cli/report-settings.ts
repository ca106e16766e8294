import { DEFAULTS, type ScanArgs } from './options.js';

// The run's settings as a report records them (the xlsx "Run" sheet): what was asked for and
// how, so a reader can tell two runs apart. Contract: no secret ever goes in here — only where
// credentials came from (`$ATS_AUDIT_COMMUNITY`, `profile "dc1" (--profile)`), never a value;
// target arguments are counted, not listed.

export function reportSettings(
  args: ScanArgs,
  targetCount: number,
  credentialSource: string,
): ReadonlyArray<readonly [name: string, value: string]> {
  const settings: Array<readonly [string, string]> = [
    ['targets', String(targetCount)],
    ['inventories', args.inventory.map((f) => (f === '-' ? '<stdin>' : f)).join(', ') || '(none)'],
    ['snmp_version', args.snmpVersion],
    ['default_port', String(args.port)],
    ['timeout_ms', String(args.timeout)],
    ['retries', String(args.retries)],
    ['concurrency', args.concurrency === undefined ? `default (up to ${DEFAULTS.concurrency})` : String(args.concurrency)],
    ['rate_per_second', args.rate === undefined ? 'unlimited' : String(args.rate)],
    ['default_credentials', credentialSource],
  ];
  if (args.config !== undefined) settings.push(['config', args.config]);
  if (args.profile !== undefined) settings.push(['profile', args.profile]);
  if (args.advisory.length > 0) settings.push(['advisory_files', args.advisory.join(', ')]);
  if (args.baseline !== undefined) settings.push(['baseline', args.baseline]);
  if (args.failOn !== undefined) settings.push(['fail_on', args.failOn.join(',')]);
  if (args.strict) settings.push(['strict', 'yes']);
  if (args.allowLarge) settings.push(['allow_large', 'yes']);
  return settings;
}
