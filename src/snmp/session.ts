import { createRequire } from 'node:module';
import type * as NetSnmp from 'net-snmp';
import { secretsOf, type Credentials } from '../targets/target.js';
import { connectedDgram, type ConnectedDgramOptions, type DgramModule, type SocketPool } from './connected-dgram.js';
import { SharedSocket, SharedUnitSocket } from './shared-dgram.js';
import { MALFORMED, noAnswer, SnmpRequestError } from './errors.js';
import { translateV3Error, v3SessionArgs } from './v3.js';

// The one module that opens net-snmp sessions, for every SNMP version. Everything else sees
// plain varbinds and SnmpRequestError with a kind; net-snmp's own messages never leave this
// file unredacted, since some of them quote the community or a key.

// net-snmp is CommonJS: required, not imported, since importing a CommonJS module from ESM
// makes Node scan its whole source for export names first (about 20 ms of every start).
const snmp = createRequire(import.meta.url)('net-snmp') as typeof NetSnmp;

export { MALFORMED, SnmpRequestError, type SnmpErrorKind } from './errors.js';

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
  /** Sockets shared by a scan's units, one at a time (ignored with `dgram`); else the unit opens its own. */
  readonly sockets?: SocketPool;
  /**
   * A scan's shared socket (shared-dgram.ts): the unit then has no socket of its own (IPv4 only;
   * ignored with `dgram`). A closed port then looks silent instead of failing at once.
   */
  readonly shared?: SharedSocket;
  /**
   * Awaited before every datagram (first tries, retries, SNMPv3 discovery): the scan's --rate.
   * While a datagram waits here its request is not timed. May reject when `signal` aborts.
   */
  readonly pace?: (signal?: AbortSignal) => Promise<void>;
}

export interface Varbind {
  readonly oid: string;
  /** net-snmp ObjectType number. */
  readonly type: number;
  readonly value: unknown;
}

export interface SnmpSession {
  get(oids: readonly string[]): Promise<Varbind[]>;
  /** GETNEXT (v1) or GETBULK (v2c, v3) from `oid`: the varbinds that follow it, one request. */
  next(oid: string, maxRepetitions: number): Promise<Varbind[]>;
  /**
   * Every datagram sent to the unit so far: requests, their retries, SNMPv3 discovery and
   * re-discovery. Optional so that test doubles may leave it out (then each call counts one).
   */
  datagramsSent?(): number;
  close(): void;
}

/** Slack past timeout × tries before the watchdog gives up on a request. */
export const WATCHDOG_GRACE_MS = 1000;

/**
 * Most datagrams one get/next call may send: (retries + 1) for v1/v2c, twice that for SNMPv3
 * (engine discovery, or one time-window resynchronisation, then the request). Past it the call
 * fails as `over-budget`, whatever the agent keeps answering.
 */
export function datagramBudget(version: Credentials['version'], retries: number): number {
  return (retries + 1) * (version === '3' ? 2 : 1);
}

export const ObjectType = snmp.ObjectType as unknown as Record<string, number>;

/** Types that mean "the agent has no such object" in a v2c answer. */
export function isMissing(vb: Varbind): boolean {
  return vb.type === ObjectType.NoSuchObject || vb.type === ObjectType.NoSuchInstance || vb.type === ObjectType.EndOfMibView;
}

/**
 * net-snmp gives every session a local SNMPv3 engine ID, from random bytes unless one is
 * passed. A community session never uses it: one fixed ID spares that work per unit.
 */
const COMMUNITY_ENGINE_ID = Buffer.from('8000b98380000000000000000000000000', 'hex');

/** The internals of net-snmp's Session this module reads (not in its typings). */
interface SessionInternals {
  /** Set from the first Report an SNMPv3 unit sends: engine discovery has completed. */
  msgSecurityParameters?: { msgAuthoritativeEngineID?: Buffer | string };
  /** Requests net-snmp still has on its books (it counts them to ref/unref its socket). */
  reqCount?: number;
}

export function openSession(o: SessionOptions): SnmpSession {
  return new UnitSession(o);
}

/** One request waiting for net-snmp's callback, its watchdog, or a socket error, whichever comes first. */
interface Pending {
  fail(error: unknown): void;
}

/** The usmStats counters an SNMPv3 Report names (RFC 3414), as BER OID bytes: usmStats.N.0. */
const USM_STATS_PREFIX = Buffer.from('2b060106030f0101', 'hex');
const REPORTS: ReadonlyArray<readonly [Buffer, string]> = [
  [Buffer.concat([USM_STATS_PREFIX, Buffer.from([4, 0])]), "'unknown engine ID'"],
  [Buffer.concat([USM_STATS_PREFIX, Buffer.from([2, 0])]), "'not in time window'"],
];

/**
 * The session of one unit (a class rather than an object of closures: a scan holds up to a
 * thousand of them at once, and opens one per unit).
 */
class UnitSession implements SnmpSession {
  private readonly net: NetSnmp.Session;
  /** The socket net-snmp was given (it makes exactly one per session). */
  private socket: { release(): boolean } | undefined;
  private readonly secrets: string[];
  private readonly v3: boolean;
  private closed = false;
  private lastGarbage: string | undefined;
  /** Requests still waiting: socket errors and close() fail them through here. */
  private readonly pending = new Set<Pending>();
  /** Datagrams sent in all, and by the current call against its budget. */
  private sent = 0;
  private callSent = 0;
  private readonly budget: number;
  /** SNMPv3: the usmStats Report the unit sent last, in words. */
  private lastReport: string | undefined;
  /** The current call's watchdog: held off while a datagram waits for --rate. */
  private watchdog: { arm(): void; disarm(): void } | undefined;

  constructor(private readonly o: SessionOptions) {
    const c = o.credentials;
    this.v3 = c.version === '3';
    this.secrets = secretsOf(c);
    this.budget = datagramBudget(c.version, o.retries);
    const socketOptions: ConnectedDgramOptions = {
      onError: (e) => this.onSocketError(e),
      onUndecodable: (e) => this.malformed(e),
      signal: o.signal,
      dgram: o.dgram,
      pool: o.sockets,
      beforeSend: () => this.beforeSend(),
      ...(this.v3 ? { peek: (msg: Buffer) => this.peek(msg) } : {}),
    };
    const target = { address: o.address, port: o.port };
    const shared = o.shared && !o.dgram && SharedSocket.fits(o.family) ? o.shared : undefined;
    // One socket per unit, connected to it (a closed port fails at once instead of timing
    // out), or for sweeps a place on the scan's shared socket.
    let dgramModule: { createSocket(type: 'udp4' | 'udp6'): unknown };
    if (shared) dgramModule = { createSocket: () => (this.socket = new SharedUnitSocket(shared, target, socketOptions)) };
    else {
      const connected = connectedDgram(target, socketOptions);
      dgramModule = { createSocket: (type) => (this.socket = connected.createSocket(type)) };
    }
    if (c.version === '3') {
      const args = v3SessionArgs(o, c);
      this.net = snmp.createV3Session(args.target, args.user, { ...args.options, dgramModule, strictIntRangeChecks: true } as NetSnmp.SessionOptionsV3);
    } else {
      this.net = snmp.createSession(o.address, c.community, {
        port: o.port,
        version: c.version === '1' ? snmp.Version1 : snmp.Version2c,
        timeout: o.timeoutMs,
        retries: o.retries,
        transport: o.family === 6 ? 'udp6' : 'udp4',
        // Request ids are matched per session; one session per unit keeps answers apart.
        idBitsSize: 32,
        engineID: COMMUNITY_ENGINE_ID,
        // Integers outside 32 bits are errors, not silently wrapped. (net-snmp 3.29 applies
        // the check to Integer32 only: its unsigned reader wraps before checking.)
        strictIntRangeChecks: true,
        dgramModule,
      } as NetSnmp.SessionOptions);
    }
    // Undecodable datagrams are emitted as 'error' events: without a listener they would
    // crash the process. The socket is connected, so only the unit itself can have sent it.
    this.net.on('error', (e: Error) => this.malformed(e));
  }

  /** A reply that cannot be decoded (or holds an impossible value) ends the request waiting for it. */
  private malformed(e: unknown): void {
    this.lastGarbage = redact(String((e as Error | undefined)?.message ?? e), ...this.secrets);
    for (const p of [...this.pending]) p.fail(new SnmpRequestError('invalid-response', `${MALFORMED}${this.lastGarbage}`));
  }

  /** Every datagram net-snmp sends passes here: the call's budget, then the scan's rate. */
  private beforeSend(): void | Promise<void> {
    if (++this.callSent > this.budget) throw this.overBudget();
    const pace = this.o.pace;
    if (!pace) {
      this.sent++;
      return;
    }
    const watchdog = this.watchdog;
    watchdog?.disarm();
    return pace(this.o.signal).then(() => {
      this.sent++;
      watchdog?.arm();
    });
  }

  private peek(msg: Buffer): void {
    for (const [oid, words] of REPORTS) if (msg.includes(oid)) this.lastReport = words;
  }

  private overBudget(): SnmpRequestError {
    const engineId = (this.net as unknown as SessionInternals).msgSecurityParameters?.msgAuthoritativeEngineID;
    const why = !this.v3
      ? 'the request kept being sent again'
      : engineId !== undefined && engineId.length === 0
        ? 'the unit answered engine discovery with an empty engine ID'
        : this.lastReport
          ? `the unit kept answering ${this.lastReport} instead of a response`
          : 'the unit kept answering with SNMPv3 reports instead of a response';
    return new SnmpRequestError(
      'over-budget',
      `${this.v3 ? 'SNMPv3: ' : ''}${why}; gave up after ${this.budget} requests for one query ((retries + 1) × ${this.v3 ? 2 : 1}), so as not to flood it` +
        (this.v3 ? ' (check its SNMPv3 engine: restarting the management card often clears this; or poll it with v2c)' : ''),
    );
  }

  get(oids: readonly string[]): Promise<Varbind[]> {
    // net-snmp only reads the list: no copy. Answer i must carry object i: an agent that
    // answers another object in a slot (or the same one twice) is not to be believed.
    return this.call<Varbind[]>((cb) => this.net.get(oids as string[], cb as never)).then((vbs) => {
      for (let i = 0; i < oids.length; i++) {
        if (vbs[i]?.oid !== oids[i]) {
          throw new SnmpRequestError('invalid-response', `${MALFORMED}answer ${i + 1} carries ${vbs[i]?.oid ?? 'nothing'}, not the object asked for (${oids[i]})`);
        }
      }
      return vbs;
    });
  }

  next(oid: string, maxRepetitions: number): Promise<Varbind[]> {
    if (this.o.credentials.version === '1') return this.call<Varbind[]>((cb) => this.net.getNext([oid], cb as never));
    return this.call<Varbind[][]>((cb) => this.net.getBulk([oid], 0, maxRepetitions, cb as never)).then((rows) =>
      // getBulk answers as a list of rows per repeater: flatten ours.
      rows.flat(),
    );
  }

  datagramsSent(): number {
    return this.sent;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.pending.size > 0) {
      const closed = new SnmpRequestError('socket', 'session closed');
      for (const p of [...this.pending]) p.fail(closed);
    }
    try {
      // With nothing outstanding, net-snmp's 'close' handler would only build an Error to
      // cancel nothing (once per unit): give the socket back without telling it.
      if (this.socket && (this.net as unknown as SessionInternals).reqCount === 0) this.socket.release();
      else this.net.close();
    } catch {
      // already closed by an error: nothing left to release
    }
  }

  /** SNMPv3: engine discovery has completed (net-snmp keeps what the unit's first Report said). */
  private discovered(): boolean {
    return (this.net as unknown as SessionInternals).msgSecurityParameters !== undefined;
  }

  private onSocketError(error: unknown): void {
    for (const p of [...this.pending]) p.fail(error);
    // Also stops net-snmp's retry timers for those requests (their callbacks are already settled).
    this.net.cancelRequests(error as Error);
  }

  // net-snmp arms its timer only after a successful send: a socket that never opens
  // (EMFILE) would leave the request pending forever. The watchdog ends it regardless.
  private call<T>(run: (cb: (error: unknown, result: T) => void) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.closed) return reject(new SnmpRequestError('socket', 'session closed'));
      const discoveredBefore = !this.v3 || this.discovered();
      // Every datagram the call may send gets the full timeout (SNMPv3 discovery included).
      const watchdogMs = this.budget * this.o.timeoutMs + WATCHDOG_GRACE_MS;
      this.callSent = 0;
      let done = false;
      let timer: NodeJS.Timeout | undefined;
      const settle = (error: unknown, result: T) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (this.watchdog === watchdog) this.watchdog = undefined;
        this.pending.delete(entry);
        if (!error) return resolve(result);
        // Whatever translation meets (a numeric message...), the request must still end.
        try {
          reject(this.translate(error, discoveredBefore));
        } catch {
          reject(new SnmpRequestError('invalid-response', `${MALFORMED}unreadable error`));
        }
      };
      const entry: Pending = { fail: (error) => settle(error, undefined as T) };
      const watchdog = {
        arm: () => {
          clearTimeout(timer);
          if (!done) timer = setTimeout(onWatchdog, watchdogMs, entry, watchdogMs);
        },
        disarm: () => clearTimeout(timer),
      };
      this.watchdog = watchdog;
      watchdog.arm();
      this.pending.add(entry);
      try {
        run(settle);
      } catch (e) {
        settle(e, undefined as T);
      }
    });
  }

  /** `discoveredBefore`: SNMPv3 engine discovery had completed when the request was made (always true below v3). */
  private translate(e: unknown, discoveredBefore: boolean): SnmpRequestError {
    if (e instanceof SnmpRequestError) return e;
    const fromV3 = this.v3 ? translateV3Error(e) : undefined;
    if (fromV3) return fromV3;
    const { timeoutMs, port } = this.o;
    const fromSocket = socketError(e, port);
    if (fromSocket) return fromSocket;
    const tries = this.o.retries + 1 === 1 ? '1 try' : `${this.o.retries + 1} tries`;
    const err = e as { name?: string; message?: string; status?: number };
    const message = redact(String(err?.message ?? e), ...this.secrets);
    switch (err?.name) {
      case 'RequestTimedOutError':
        if (!discoveredBefore && this.discovered()) {
          return new SnmpRequestError(
            'failed',
            `SNMPv3: the unit answered engine discovery, then ignored the request for ${timeoutMs} ms × ${tries}: ` +
              'it is either overloaded or silently dropping what it cannot authenticate or decrypt ' +
              '(check the user, security level, protocols and keys; a wrong privacy key often shows only like this)',
          );
        }
        if (this.lastGarbage) return new SnmpRequestError('invalid-response', `${MALFORMED}${this.lastGarbage}`);
        return new SnmpRequestError('timeout', noAnswer(timeoutMs, this.o.retries));
      case 'RequestFailedError': {
        if (err.status === snmp.ErrorStatus.NoSuchName) {
          const oid = /: ([0-9.]+)$/.exec(message)?.[1];
          return new SnmpRequestError('no-such-name', message, oid);
        }
        if (err.status === snmp.ErrorStatus.TooBig) return new SnmpRequestError('too-big', `agent answered with error ${message}`);
        return new SnmpRequestError('failed', `agent answered with error ${message}`);
      }
      case 'ResponseInvalidError':
        return new SnmpRequestError('invalid-response', `${MALFORMED}${message}`);
      default:
        return new SnmpRequestError('socket', message);
    }
  }
}

function onWatchdog(entry: Pending, watchdogMs: number): void {
  entry.fail(new SnmpRequestError('timeout', `no answer within ${watchdogMs} ms (request never completed: socket failure?)`));
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

/**
 * Replace every occurrence of a secret in text that may reach a person. Secrets come one by one
 * or as lists: a list is not spread into arguments (an inventory may hold a community per row,
 * more than a call's arguments can carry). Longer secrets are replaced first, so a secret that
 * begins another ("public" and "public-dc2") never leaves the rest of the longer one showing.
 */
export function redact(text: string, ...secrets: ReadonlyArray<string | readonly string[]>): string {
  const [only] = secrets;
  // One list already longest first (scan keeps its list so) is used as it is: no sort per line.
  const sorted =
    secrets.length === 1 && typeof only !== 'string' && only !== undefined && isLongestFirst(only)
      ? only
      : secrets.flat().sort((a, b) => b.length - a.length);
  let out = text;
  for (const x of sorted) if (x && out.includes(x)) out = out.split(x).join('***');
  return out;
}

/** Secrets ordered for redact(): longest first. */
export function longestFirst(secrets: Iterable<string>): string[] {
  return [...secrets].sort((a, b) => b.length - a.length);
}

function isLongestFirst(list: readonly string[]): boolean {
  for (let i = 1; i < list.length; i++) if (list[i]!.length > list[i - 1]!.length) return false;
  return true;
}
