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

/** SNMPv3 authentication protocols (net-snmp names them md5, sha, sha224...). */
export const V3_AUTH_PROTOCOLS = ['md5', 'sha', 'sha224', 'sha256', 'sha384', 'sha512'] as const;
export type V3AuthProtocol = (typeof V3_AUTH_PROTOCOLS)[number];
/** SNMPv3 privacy protocols: DES, AES-128, and the two AES-256 key-extension variants. */
export const V3_PRIV_PROTOCOLS = ['des', 'aes', 'aes256b', 'aes256r'] as const;
export type V3PrivProtocol = (typeof V3_PRIV_PROTOCOLS)[number];

export type V3Credentials =
  | { readonly version: '3'; readonly level: 'noAuthNoPriv'; readonly user: string }
  | { readonly version: '3'; readonly level: 'authNoPriv'; readonly user: string; readonly authProtocol: V3AuthProtocol; readonly authKey: string }
  | {
      readonly version: '3';
      readonly level: 'authPriv';
      readonly user: string;
      readonly authProtocol: V3AuthProtocol;
      readonly authKey: string;
      readonly privProtocol: V3PrivProtocol;
      readonly privKey: string;
    };

/** SNMP credentials for one target. Never printed, logged or reported. */
export type Credentials = { readonly version: '1' | '2c'; readonly community: string } | V3Credentials;

/** Every secret in a set of credentials, for redaction and leak tests. */
export function secretsOf(c: Credentials): string[] {
  if (c.version !== '3') return [c.community];
  if (c.level === 'noAuthNoPriv') return [];
  return c.level === 'authNoPriv' ? [c.authKey] : [c.authKey, c.privKey];
}

export interface AuditTarget {
  readonly target: Target;
  readonly credentials: Credentials;
}

/** host:port key used to de-duplicate targets (IPv6 hosts are bracketed). */
export function targetKey(t: Pick<Target, 'host' | 'port'>): string {
  return t.host.includes(':') ? `[${t.host}]:${t.port}` : `${t.host}:${t.port}`;
}
