import { createCipheriv } from 'node:crypto';
import { createRequire } from 'node:module';
import type * as NetSnmp from 'net-snmp';
import type { Credentials, V3AuthProtocol, V3Credentials, V3PrivProtocol } from '../targets/target.js';
import { SnmpRequestError } from './errors.js';

// Required, not imported: see session.ts.
const snmp = createRequire(import.meta.url)('net-snmp') as typeof NetSnmp;

// SNMPv3 (USM) on top of net-snmp: session arguments from V3Credentials, failures turned
// into reasons an operator can act on, and the DES/OpenSSL 3 question. session.ts opens the
// sessions (with the same socket, watchdog and interrupts as v1/v2c) and uses what is here;
// this module imports nothing from it.

/** Our protocol names to net-snmp's constants, spelled out so a typo cannot map silently. */
export const AUTH_PROTOCOLS: Readonly<Record<V3AuthProtocol, NetSnmp.AuthProtocols>> = {
  md5: snmp.AuthProtocols.md5,
  sha: snmp.AuthProtocols.sha,
  sha224: snmp.AuthProtocols.sha224,
  sha256: snmp.AuthProtocols.sha256,
  sha384: snmp.AuthProtocols.sha384,
  sha512: snmp.AuthProtocols.sha512,
};

export const PRIV_PROTOCOLS: Readonly<Record<V3PrivProtocol, NetSnmp.PrivProtocols>> = {
  des: snmp.PrivProtocols.des,
  aes: snmp.PrivProtocols.aes,
  aes256b: snmp.PrivProtocols.aes256b,
  aes256r: snmp.PrivProtocols.aes256r,
};

const LEVELS: Readonly<Record<V3Credentials['level'], NetSnmp.SecurityLevel>> = {
  noAuthNoPriv: snmp.SecurityLevel.noAuthNoPriv,
  authNoPriv: snmp.SecurityLevel.authNoPriv,
  authPriv: snmp.SecurityLevel.authPriv,
};

/** The net-snmp user object for a set of credentials (it holds the keys: never log it). */
export function v3User(c: V3Credentials): NetSnmp.User {
  const user: NetSnmp.User = { name: c.user, level: LEVELS[c.level] };
  if (c.level === 'noAuthNoPriv') return user;
  user.authProtocol = AUTH_PROTOCOLS[c.authProtocol];
  user.authKey = c.authKey;
  if (c.level === 'authPriv') {
    user.privProtocol = PRIV_PROTOCOLS[c.privProtocol];
    user.privKey = c.privKey;
  }
  return user;
}

export interface V3SessionArgs {
  readonly target: string;
  readonly user: NetSnmp.User;
  readonly options: NetSnmp.SessionOptionsV3;
}

/** Where and how patiently to ask: the part of session.ts's SessionOptions used here. */
export interface V3Endpoint {
  readonly address: string;
  readonly family: 4 | 6;
  readonly port: number;
  readonly timeoutMs: number;
  readonly retries: number;
}

/** The three arguments of `snmp.createV3Session` for one unit (session.ts adds the socket). */
export function v3SessionArgs(o: V3Endpoint, c: V3Credentials): V3SessionArgs {
  return {
    target: o.address,
    user: v3User(c),
    options: {
      port: o.port,
      version: snmp.Version3,
      timeout: o.timeoutMs,
      retries: o.retries,
      transport: o.family === 6 ? 'udp6' : 'udp4',
      idBitsSize: 32,
    },
  };
}

// net-snmp turns each usmStats Report into a ResponseInvalidError whose message is its
// UsmStats name (index.js, `userSecurityModelError`). The first four are pinned end to end
// by test/snmp/snmpv3.test.ts, against the simulator's reports.
const USM_REPORTS: ReadonlyArray<readonly [netSnmpName: string, reason: string]> = [
  ['Unknown User Name', 'SNMPv3: unknown user name'],
  ['Wrong Digest (incorrect password, community or key)', 'SNMPv3: authentication failed or wrong key'],
  ['Unsupported Security Level', 'SNMPv3: security level not supported for this user (wrong level?)'],
  ['Decryption Error', 'SNMPv3: decryption failed (wrong privacy key or protocol)'],
  [
    'Not In Time Window',
    'SNMPv3: the unit says the request was outside its time window (its engine rebooted or its clock jumped during the poll); retry',
  ],
  ['Unknown Engine ID', 'SNMPv3: the unit did not recognise the engine ID sent to it (engine discovery went wrong); retry'],
];

export const DES_UNAVAILABLE_REASON =
  'SNMPv3: DES privacy is not available in this Node.js (OpenSSL 3 without its legacy provider): restart with --openssl-legacy-provider, or configure the unit for AES';

/**
 * A clear SnmpRequestError for the SNMPv3-specific ways a net-snmp request fails, or
 * undefined when `err` is not one of them (timeouts, SNMP error-status, sockets).
 * Never carries net-snmp's own text or error object: some hold the user with its keys.
 */
export function translateV3Error(err: unknown): SnmpRequestError | undefined {
  const e = err as { name?: unknown; message?: unknown; code?: unknown; status?: unknown } | null | undefined;
  if (!e || typeof e !== 'object') return undefined;
  const message = typeof e.message === 'string' ? e.message : '';
  if (e.code === 'ERR_OSSL_EVP_UNSUPPORTED') return new SnmpRequestError('failed', DES_UNAVAILABLE_REASON);
  if (e.name === 'RequestFailedError' && e.status === snmp.ErrorStatus.AuthorizationError) {
    // RFC 3413: the USM accepted the user but access control refused it (VACM).
    return new SnmpRequestError(
      'failed',
      'SNMPv3: the unit refused access for this user (authorizationError: the user may need a higher security level, or has no read view)',
    );
  }
  if (e.name !== 'ResponseInvalidError') return undefined;
  switch (e.code) {
    case snmp.ResponseInvalidCode.EAuthFailure: {
      const report = USM_REPORTS.find(([name]) => name === message);
      if (report) return new SnmpRequestError('failed', report[1]);
      // Our own check of the answer's digest (net-snmp quotes both digests: not shown).
      if (message.startsWith('Authentication digest'))
        return new SnmpRequestError('failed', 'SNMPv3: the answer failed authentication (wrong authentication key or protocol)');
      return undefined;
    }
    case snmp.ResponseInvalidCode.ECouldNotDecrypt:
      return new SnmpRequestError('failed', 'SNMPv3: could not decrypt the answer (wrong privacy key or protocol)');
    case snmp.ResponseInvalidCode.EUnexpectedReport:
      return new SnmpRequestError('failed', 'SNMPv3: the unit answered with an unexpected report (not a USM security error)');
    default:
      // ENotInTimeWindow (14) is missing from @types/net-snmp's enum.
      if (e.code === 14)
        return new SnmpRequestError('failed', 'SNMPv3: the answer was outside the time window (delayed or replayed, or the unit rebooted); retry');
      return undefined;
  }
}

/** The Node option that loads OpenSSL 3's legacy provider (DES). */
export const LEGACY_PROVIDER_FLAG = '--openssl-legacy-provider';

let desChecked: boolean | undefined;

/** Whether this process can run DES-CBC (OpenSSL providers cannot change after start). */
export function desAvailable(): boolean {
  if (desChecked === undefined) {
    try {
      createCipheriv('des-cbc', Buffer.alloc(8), Buffer.alloc(8)).final();
      desChecked = true;
    } catch {
      desChecked = false;
    }
  }
  return desChecked;
}

/** Whether any of these credentials use DES privacy. */
export function usesDes(credentials: Iterable<Credentials>): boolean {
  for (const c of credentials) if (c.version === '3' && c.level === 'authPriv' && c.privProtocol === 'des') return true;
  return false;
}

/** Whether this process was started with the legacy provider requested (flag or NODE_OPTIONS). */
export function legacyProviderRequested(): boolean {
  const fromEnv = (process.env.NODE_OPTIONS ?? '').split(/\s+/);
  return process.execArgv.includes(LEGACY_PROVIDER_FLAG) || fromEnv.includes(LEGACY_PROVIDER_FLAG);
}

/** Call before polling units with DES privacy: ok, or what to tell the user. */
export function ensureDes(): { ok: true } | { ok: false; message: string } {
  if (desAvailable()) return { ok: true };
  const runtime = `Node.js ${process.version} with OpenSSL ${process.versions.openssl}`;
  if (legacyProviderRequested()) {
    return {
      ok: false,
      message: `SNMPv3 DES privacy is unavailable: ${runtime} was started with ${LEGACY_PROVIDER_FLAG} but still cannot run DES (its OpenSSL has no legacy module); configure the units for AES, or use a Node.js whose OpenSSL ships the legacy provider`,
    };
  }
  return {
    ok: false,
    message: `SNMPv3 DES privacy needs OpenSSL's legacy provider, which ${runtime} does not load by default: run node ${LEGACY_PROVIDER_FLAG} (or set NODE_OPTIONS=${LEGACY_PROVIDER_FLAG}), or configure the units for AES`,
  };
}

/**
 * How to start this same program again with the legacy provider loaded, for a CLI that
 * re-executes itself; undefined when it already was (re-executing again could loop).
 */
export function legacyProviderRelaunch(argv: readonly string[] = process.argv): { command: string; args: string[] } | undefined {
  if (legacyProviderRequested()) return undefined;
  return { command: process.execPath, args: [LEGACY_PROVIDER_FLAG, ...process.execArgv, ...argv.slice(1)] };
}
