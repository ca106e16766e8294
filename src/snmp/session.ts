import snmp from 'net-snmp';
import { secretsOf, type Credentials } from '../target.js';
import { connectedDgram, type DgramModule } from './connected-dgram.js';
import { openV3Session } from './v3.js';

// The one module that talks to net-snmp. Everything else sees plain varbinds and
// SnmpRequestError with a kind; net-snmp's own messages never leave this file unredacted,
// since some of them quote the community.

export interface SessionOptions {
  /** An IP literal: names are resolved before a session is opened. */
  readonly address: string;
  readonly family: 4 | 6;
  readonly port: number;
  readonly credentials: Credentials;
  readonly timeoutMs: number;
  readonly retries: number;
  /** Once aborted, nothing more is sent (retries included); a request that would send fails as `interrupted`. */
  readonly signal?: AbortSignal;
  /** The dgram module under the connected socket (tests inject failing ones); node:dgram by default. */
  readonly dgram?: DgramModule;
}

export interface Varbind {
  readonly oid: string;
  /** net-snmp ObjectType number. */
  readonly type: number;
  readonly value: unknown;
}

export type SnmpErrorKind = 'timeout' | 'refused' | 'no-such-name' | 'failed' | 'invalid-response' | 'socket' | 'interrupted';

export class SnmpRequestError extends Error {
  override readonly name = 'SnmpRequestError';
  constructor(
    readonly kind: SnmpErrorKind,
    message: string,
    /** For `no-such-name` (SNMPv1): the object the agent refused. */
    readonly oid?: string,
  ) {
    super(message);
  }
}

export interface SnmpSession {
  get(oids: readonly string[]): Promise<Varbind[]>;
  /** GETNEXT (v1) or GETBULK (v2c) from `oid`: the varbinds that follow it, one request. */
  next(oid: string, maxRepetitions: number): Promise<Varbind[]>;
  close(): void;
}

/** Slack past timeout × tries before the watchdog gives up on a request. */
export const WATCHDOG_GRACE_MS = 1000;

export const ObjectType = snmp.ObjectType as unknown as Record<string, number>;

/** Types that mean "the agent has no such object" in a v2c answer. */
export function isMissing(vb: Varbind): boolean {
  return vb.type === ObjectType.NoSuchObject || vb.type === ObjectType.NoSuchInstance || vb.type === ObjectType.EndOfMibView;
}

export function openSession(o: SessionOptions): SnmpSession {
  const c = o.credentials;
  if (c.version === '3') return openV3Session(o, c);
  const secrets = secretsOf(c);
  const session = snmp.createSession(o.address, c.community, {
    port: o.port,
    version: c.version === '1' ? snmp.Version1 : snmp.Version2c,
    timeout: o.timeoutMs,
    retries: o.retries,
    transport: o.family === 6 ? 'udp6' : 'udp4',
    // Request ids are matched per session; one session per unit keeps answers apart.
    idBitsSize: 32,
    // One socket per unit, connected to it: a closed port fails at once instead of timing out.
    dgramModule: connectedDgram({ address: o.address, port: o.port }, { onError: (e) => onSocketError(e), signal: o.signal, dgram: o.dgram }),
  } as snmp.SessionOptions);
  // Undecodable datagrams are emitted as 'error' events: without a listener they would
  // crash the process. The request they belonged to still times out and says so.
  let lastGarbage: string | undefined;
  session.on('error', (e: Error) => {
    lastGarbage = redact(e?.message ?? String(e), ...secrets);
  });
  let closed = false;
  /** Fails each request still waiting: socket errors and close() reach them through here. */
  const pending = new Set<(error: unknown) => void>();
  const onSocketError = (error: unknown) => {
    for (const fail of [...pending]) fail(error);
    // Also stops net-snmp's retry timers for those requests (their callbacks are already settled).
    session.cancelRequests(error as Error);
  };

  const translate = (e: unknown): SnmpRequestError => {
    if (e instanceof SnmpRequestError) return e;
    const fromSocket = socketError(e, o.port);
    if (fromSocket) return fromSocket;
    const err = e as { name?: string; message?: string; status?: number };
    const message = redact(err?.message ?? String(e), ...secrets);
    switch (err?.name) {
      case 'RequestTimedOutError':
        return new SnmpRequestError(
          'timeout',
          lastGarbage ? `only undecodable replies (${lastGarbage})` : `no answer after ${o.timeoutMs} ms × ${o.retries + 1} tries`,
        );
      case 'RequestFailedError': {
        if (err.status === snmp.ErrorStatus.NoSuchName) {
          const oid = /: ([0-9.]+)$/.exec(message)?.[1];
          return new SnmpRequestError('no-such-name', message, oid);
        }
        return new SnmpRequestError('failed', `agent answered with error ${message}`);
      }
      case 'ResponseInvalidError':
        return new SnmpRequestError('invalid-response', `invalid response: ${message}`);
      default:
        return new SnmpRequestError('socket', message);
    }
  };

  // net-snmp arms its timer only after a successful send: a socket that never opens
  // (EMFILE) would leave the request pending forever. The watchdog ends it regardless.
  const watchdogMs = o.timeoutMs * (o.retries + 1) + WATCHDOG_GRACE_MS;
  const call = <T>(run: (cb: (error: unknown, result: T) => void) => void) =>
    new Promise<T>((resolve, reject) => {
      if (closed) return reject(new SnmpRequestError('socket', 'session closed'));
      let done = false;
      const settle = (error: unknown, result: T) => {
        if (done) return;
        done = true;
        clearTimeout(watchdog);
        pending.delete(fail);
        if (error) reject(translate(error));
        else resolve(result);
      };
      const fail = (error: unknown) => settle(error, undefined as T);
      const watchdog = setTimeout(() => {
        fail(new SnmpRequestError('timeout', `no answer within ${watchdogMs} ms (request never completed: socket failure?)`));
      }, watchdogMs);
      pending.add(fail);
      try {
        run(settle);
      } catch (e) {
        settle(e, undefined as T);
      }
    });

  return {
    get: (oids) => call<Varbind[]>((cb) => session.get([...oids], cb as never)),
    next: (oid, maxRepetitions) =>
      c.version === '1'
        ? call<Varbind[]>((cb) => session.getNext([oid], cb as never))
        : call<Varbind[]>((cb) => session.getBulk([oid], 0, maxRepetitions, cb as never)).then((rows) =>
            // getBulk answers as a list of rows per repeater: flatten ours.
            (rows as unknown as Varbind[][]).flat(),
          ),
    close: () => {
      if (closed) return;
      closed = true;
      for (const fail of [...pending]) fail(new SnmpRequestError('socket', 'session closed'));
      try {
        session.close();
      } catch {
        // already closed by an error: nothing left to release
      }
    },
  };
}

/**
 * Errors the socket itself reports (errno codes), in words; undefined for anything else.
 * ECONNREFUSED on a connected UDP socket is the unit's ICMP "port unreachable".
 */
export function socketError(e: unknown, port: number): SnmpRequestError | undefined {
  const err = e as { name?: string; code?: unknown } | undefined;
  if (err?.name === 'AbortError') return new SnmpRequestError('interrupted', 'interrupted: nothing more is sent');
  const code = typeof err?.code === 'string' ? err.code : undefined;
  switch (code) {
    case undefined:
      return undefined;
    case 'ECONNREFUSED':
      return new SnmpRequestError('refused', `no SNMP agent on port ${port} (port unreachable)`);
    case 'EHOSTUNREACH':
    case 'EHOSTDOWN':
    case 'ENETUNREACH':
    case 'ENETDOWN':
      return new SnmpRequestError('socket', `host unreachable (${code}: no route, no answer to ARP/neighbour discovery, or a firewall rejected the request)`);
    case 'EMFILE':
    case 'ENFILE':
      return new SnmpRequestError('socket', `cannot open a UDP socket (${code}: too many open files; lower --concurrency or raise 'ulimit -n')`);
    default:
      return /^E[A-Z0-9]+$/.test(code) ? new SnmpRequestError('socket', `socket error ${code}`) : undefined;
  }
}

/** Replace every occurrence of a secret in text that may reach a person. */
export function redact(text: string, ...secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s) out = out.split(s).join('***');
  return out;
}
