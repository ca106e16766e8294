import { createCipheriv } from 'node:crypto';
import snmp from 'net-snmp';
import type { Credentials, V3AuthProtocol, V3Credentials, V3PrivProtocol } from '../target.js';
import { redact, SnmpRequestError, WATCHDOG_GRACE_MS, type SessionOptions, type SnmpSession, type Varbind } from './session.js';

// SNMPv3 (USM) on top of net-snmp: session arguments from V3Credentials, failures turned
// into reasons an operator can act on, and the DES/OpenSSL 3 question. Part of the SNMP
// boundary with session.ts (which imports openV3Session; neither module uses the other's
// bindings while loading, so the import cycle is harmless).

/** Our protocol names to net-snmp's constants, spelled out so a typo cannot map silently. */
export const AUTH_PROTOCOLS: Readonly<Record<V3AuthProtocol, snmp.AuthProtocols>> = {
  md5: snmp.AuthProtocols.md5,
  sha: snmp.AuthProtocols.sha,
  sha224: snmp.AuthProtocols.sha224,
  sha256: snmp.AuthProtocols.sha256,
  sha384: snmp.AuthProtocols.sha384,
  sha512: snmp.AuthProtocols.sha512,
};

export const PRIV_PROTOCOLS: Readonly<Record<V3PrivProtocol, snmp.PrivProtocols>> = {
  des: snmp.PrivProtocols.des,
  aes: snmp.PrivProtocols.aes,
  aes256b: snmp.PrivProtocols.aes256b,
  aes256r: snmp.PrivProtocols.aes256r,
};

const LEVELS: Readonly<Record<V3Credentials['level'], snmp.SecurityLevel>> = {
  noAuthNoPriv: snmp.SecurityLevel.noAuthNoPriv,
  authNoPriv: snmp.SecurityLevel.authNoPriv,
  authPriv: snmp.SecurityLevel.authPriv,
};

/** The net-snmp user object for a set of credentials (it holds the keys: never log it). */
export function v3User(c: V3Credentials): snmp.User {
  const user: snmp.User = { name: c.user, level: LEVELS[c.level] };
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
  readonly user: snmp.User;
  readonly options: snmp.SessionOptionsV3;
}

/** The three arguments of `snmp.createV3Session` for one unit. */
export function v3SessionArgs(o: SessionOptions, c: V3Credentials): V3SessionArgs {
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
// by test/snmpv3.test.ts, against the simulator's reports.
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

/** The internals of net-snmp's Session that this module reads (not in its typings). */
interface V3SessionInternals {
  /** Set from the first Report the unit sends: engine discovery has completed. */
  msgSecurityParameters?: unknown;
}

/** An SnmpSession for SNMPv3, plus the round trips its get/next calls hide. */
export interface V3Session extends SnmpSession {
  /**
   * Engine-discovery requests sent so far (0 or 1 per session): net-snmp performs discovery
   * inside the first get/next, so that first call costs two round trips.
   */
  overheadRequests(): number;
}

/**
 * A session as `openSession` gives for v1/v2c, for SNMPv3 credentials. Timeouts are split:
 * no answer at all (the unit is not there) versus discovery answered then the request
 * ignored (an agent that drops what it cannot authenticate or decrypt instead of reporting).
 */
export function openV3Session(o: SessionOptions, c: V3Credentials): V3Session {
  const secrets = [...(c.level === 'noAuthNoPriv' ? [] : [c.authKey]), ...(c.level === 'authPriv' ? [c.privKey] : [])];
  const args = v3SessionArgs(o, c);
  const session = snmp.createV3Session(args.target, args.user, args.options);
  const internals = session as unknown as V3SessionInternals;
  const discovered = () => internals.msgSecurityParameters !== undefined;
  // Undecodable datagrams arrive as 'error' events; without a listener they would crash.
  let lastGarbage: string | undefined;
  session.on('error', (e: Error) => {
    lastGarbage = redact(e?.message ?? String(e), ...secrets);
  });
  let closed = false;
  let discoveries = 0;
  const tries = o.retries + 1;

  const translate = (e: unknown, discoveredBefore: boolean): SnmpRequestError => {
    const v3 = translateV3Error(e);
    if (v3) return v3;
    const err = e as { name?: string; message?: string; status?: number };
    const message = redact(err?.message ?? String(e), ...secrets);
    switch (err?.name) {
      case 'RequestTimedOutError':
        if (!discoveredBefore && discovered()) {
          return new SnmpRequestError(
            'failed',
            `SNMPv3: the unit answered engine discovery, then ignored the request for ${o.timeoutMs} ms × ${tries} tries: ` +
              'it is either overloaded or silently dropping what it cannot authenticate or decrypt ' +
              '(check the user, security level, protocols and keys; a wrong privacy key often shows only like this)',
          );
        }
        return new SnmpRequestError('timeout', lastGarbage ? `only undecodable replies (${lastGarbage})` : `no answer after ${o.timeoutMs} ms × ${tries} tries`);
      case 'RequestFailedError':
        if (err.status === snmp.ErrorStatus.NoSuchName) return new SnmpRequestError('no-such-name', message, /: ([0-9.]+)$/.exec(message)?.[1]);
        return new SnmpRequestError('failed', `agent answered with error ${message}`);
      case 'ResponseInvalidError':
        return new SnmpRequestError('invalid-response', `invalid response: ${message}`);
      default:
        return new SnmpRequestError('socket', message);
    }
  };

  const call = <T>(run: (cb: (error: unknown, result: T) => void) => void) =>
    new Promise<T>((resolve, reject) => {
      if (closed) return reject(new SnmpRequestError('socket', 'session closed'));
      const discoveredBefore = discovered();
      if (!discoveredBefore) discoveries++;
      // Discovery and the request each get the full timeout × tries: budget for both.
      const watchdogMs = (discoveredBefore ? 1 : 2) * o.timeoutMs * tries + WATCHDOG_GRACE_MS;
      const watchdog = setTimeout(() => {
        reject(new SnmpRequestError('timeout', `no answer within ${watchdogMs} ms (request never completed: socket failure?)`));
      }, watchdogMs);
      const settle = (error: unknown, result: T) => {
        clearTimeout(watchdog);
        if (error) reject(translate(error, discoveredBefore));
        else resolve(result);
      };
      try {
        run(settle);
      } catch (e) {
        settle(e, undefined as T);
      }
    });

  return {
    get: (oids) => call<Varbind[]>((cb) => session.get([...oids], cb as never)),
    next: (oid, maxRepetitions) =>
      call<Varbind[]>((cb) => session.getBulk([oid], 0, maxRepetitions, cb as never)).then((rows) => (rows as unknown as Varbind[][]).flat()),
    overheadRequests: () => discoveries,
    close: () => {
      if (closed) return;
      closed = true;
      try {
        session.close();
      } catch {
        // already closed by an error: nothing left to release
      }
    },
  };
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
