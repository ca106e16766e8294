// A unit to audit, as the user named it. Credentials travel beside the target, never
// inside anything that is reported.

export interface Target {
  /** Hostname or IP literal (IPv6 without brackets). */
  readonly host: string;
  readonly port: number;
  readonly name?: string;
  readonly site?: string;
  /** Where the target came from, for error messages: "argument 2", "fleet.csv:14". */
  readonly origin: string;
}

/** SNMP credentials for one target. Never printed, logged or reported. */
export type Credentials = { readonly version: '1' | '2c'; readonly community: string };

export interface AuditTarget {
  readonly target: Target;
  readonly credentials: Credentials;
}

/** host:port key used to de-duplicate targets (IPv6 hosts are bracketed). */
export function targetKey(t: Pick<Target, 'host' | 'port'>): string {
  return t.host.includes(':') ? `[${t.host}]:${t.port}` : `${t.host}:${t.port}`;
}
