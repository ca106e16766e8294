import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { isAtsSysObjectId, IDENTITY_KEYS, OBJECTS, OBJECT_KEYS, OBJECT_OIDS, type ObjectKey } from './oid-map.js';
import type { PollFailure, PollOutcome, RawValue, Reading, WalkedRows } from './reading.js';
import type { SocketPool } from '../snmp/connected-dgram.js';
import type { SharedSocket } from '../snmp/shared-dgram.js';
import { isMissing, MALFORMED, ObjectType, openSession, SnmpRequestError, type SessionOptions, type SnmpSession, type Varbind } from '../snmp/session.js';
import type { Credentials, Target } from '../targets/target.js';

// One unit: resolve, one GET for everything, and only where needed a fallback (v1
// noSuchName retries, column walks). Returns what was read; judging is elsewhere.

export interface PollOptions {
  readonly timeoutMs: number;
  readonly retries: number;
  /**
   * Awaited before every datagram (GETs, walk steps, retries, SNMPv3 discovery): the scan's
   * rate limit, applied by the session. May reject when `signal` aborts.
   */
  readonly beforeRequest?: (signal?: AbortSignal) => Promise<void>;
  /** Interrupt: once aborted, no further request (nor retry) is sent; an answer already due may still arrive. */
  readonly signal?: AbortSignal;
  /** Give up: once aborted, the unit's socket is closed and the poll ends as `interrupted` at once. */
  readonly abandon?: Abandon;
  /** The scan's sockets, reused from unit to unit (see connected-dgram.ts). */
  readonly sockets?: SocketPool;
  /** The scan's shared socket (shared-dgram.ts): used instead of `sockets` for an IPv4 unit when given. */
  readonly shared?: SharedSocket;
}

/**
 * The scan's "give up on units in flight": a registry of callbacks rather than an AbortSignal,
 * since adding a listener to an EventTarget walks the listeners already there.
 */
export interface Abandon {
  readonly aborted: boolean;
  /** `giveUp` is called once when the scan gives up, unless deleted before. */
  add(giveUp: () => void): void;
  delete(giveUp: () => void): void;
}

export interface Resolved {
  readonly address: string;
  readonly family: 4 | 6;
}

export interface PollDeps {
  readonly open: (o: SessionOptions) => SnmpSession;
  /** A name to an address; may answer at once (an IP literal needs no lookup). */
  readonly resolve: (host: string) => Resolved | Promise<Resolved>;
}

/** Longest string kept from a device; beyond it the value is cut and marked. */
export const MAX_TEXT = 1024;
/** Most rows read from one walked column, and most requests spent walking it. */
const MAX_WALK_ROWS = 16;
const MAX_WALK_REQUESTS = 4;

// Built once: the same for every unit.
const OID_TO_KEY = new Map<string, ObjectKey>(OBJECT_KEYS.map((k) => [OBJECTS[k].oid, k]));

export const defaultDeps: PollDeps = {
  open: openSession,
  resolve: (host) => {
    const family = isIP(host);
    if (family === 4 || family === 6) return { address: host, family };
    return lookup(host, { verbatim: true }).then((r) => ({ address: r.address, family: r.family === 6 ? 6 : 4 }));
  },
};

/**
 * Every request of one unit goes through here: the interrupt check and the count. The rate
 * limit is the session's (per datagram). (A class, not an object of closures: one allocation per unit.)
 */
class GatedSession implements SnmpSession {
  requests = 0;
  constructor(
    private readonly session: SnmpSession,
    private readonly options: PollOptions,
  ) {}

  async get(oids: readonly string[]): Promise<Varbind[]> {
    refuseIfInterrupted(this.options);
    this.requests++;
    return this.session.get(oids);
  }

  async next(oid: string, maxRepetitions: number): Promise<Varbind[]> {
    refuseIfInterrupted(this.options);
    this.requests++;
    return this.session.next(oid, maxRepetitions);
  }

  /** What went on the wire: every datagram, as the session counts them (a test double: one per call). */
  sent(): number {
    return this.session.datagramsSent?.() ?? this.requests;
  }

  close(): void {
    this.session.close();
  }
}

export async function pollUnit(
  target: Target,
  credentials: Credentials,
  options: PollOptions,
  deps: PollDeps = defaultDeps,
): Promise<PollOutcome> {
  const { signal, abandon } = options;
  if (signal?.aborted || abandon?.aborted) return interrupted(0);
  let resolved: Resolved;
  try {
    const r = deps.resolve(target.host);
    resolved = r instanceof Promise ? await untilAbandoned(r, abandon) : r;
  } catch (e) {
    if (e === ABANDONED) return interrupted(0);
    const code = (e as NodeJS.ErrnoException).code ?? 'lookup failed';
    return { ok: false, requests: 0, kind: 'dns', message: `DNS lookup of "${target.host}" failed (${code})` };
  }
  let session: SnmpSession;
  try {
    session = deps.open({
      address: resolved.address,
      family: resolved.family,
      port: target.port,
      credentials,
      timeoutMs: options.timeoutMs,
      retries: options.retries,
      ...(signal ? { signal } : {}),
      ...(options.sockets ? { sockets: options.sockets } : {}),
      ...(options.shared ? { shared: options.shared } : {}),
      ...(options.beforeRequest ? { pace: options.beforeRequest } : {}),
    });
  } catch (e) {
    // A session that cannot even be made fails this unit only, never the scan.
    return { ok: false, requests: 0, ...pollFailure(e, target) };
  }
  // Closing the session fails its request at once: that is how an abandoned unit lets go.
  const onAbandon = () => session.close();
  abandon?.add(onAbandon);
  const gated = new GatedSession(session, options);
  try {
    const reading = await getAll(gated, credentials.version);
    const walked = looksLikeAts(reading) ? await walkMissing(gated, reading) : NOTHING_WALKED;
    return { ok: true, reading, walked, requests: gated.sent() };
  } catch (e) {
    // A unit that ran out of tries after the interrupt still has its real answer; only one
    // the interrupt cut short is unfinished.
    const cut = abandon?.aborted || (e instanceof SnmpRequestError && e.kind === 'interrupted') || (signal?.aborted && (e as Error)?.name === 'AbortError');
    if (cut) return interrupted(gated.sent());
    return { ok: false, requests: gated.sent(), ...pollFailure(e, target) };
  } finally {
    abandon?.delete(onAbandon);
    session.close();
  }
}

/** Most units need no walk: one shared empty answer (never written to). */
const NOTHING_WALKED: WalkedRows = Object.freeze({});

/** The unit was not finished when the scan was interrupted; `requests` 0 means nothing was sent. */
function interrupted(requests: number): PollOutcome {
  return {
    ok: false,
    requests,
    kind: 'interrupted',
    message: requests === 0 ? INTERRUPTED_BEFORE : INTERRUPTED_WHILE,
  };
}

export const INTERRUPTED_BEFORE = 'scan interrupted before this unit was polled';
export const INTERRUPTED_WHILE = 'scan interrupted while polling';

/** Throws once the scan is interrupted or gives up (in an async method: the call rejects). */
function refuseIfInterrupted(options: PollOptions): void {
  if (options.signal?.aborted || options.abandon?.aborted) throw new SnmpRequestError('interrupted', 'interrupted');
}

const ABANDONED = Symbol('abandoned');

/** `work`, unless `abandon` aborts first (the work is left to finish on its own). */
function untilAbandoned<T>(work: Promise<T>, abandon: Abandon | undefined): Promise<T> {
  if (!abandon) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(ABANDONED);
    abandon.add(onAbort);
    work.then(resolve, reject).finally(() => abandon.delete(onAbort));
  });
}

/** Why a unit gave no usable answer, in words for the report (also for a sweep's probe: scan.ts). */
export function pollFailure(e: unknown, target: Target): PollFailure {
  if (e instanceof SnmpRequestError) {
    if (e.kind === 'timeout')
      return {
        kind: 'timeout',
        // The port is worth naming only when it is not SNMP's own: a wrong port is then a suspect.
        message: `${e.message}${target.port === 161 ? '' : ` from port ${target.port}`} (host down, no SNMP agent, or wrong community)`,
      };
    if (e.kind === 'refused') return { kind: 'refused', message: `no SNMP agent on port ${target.port} (port unreachable)` };
    if (e.kind === 'socket') return { kind: 'error', message: e.message };
    return { kind: 'protocol', message: e.message };
  }
  return { kind: 'error', message: (e as Error)?.message ?? String(e) };
}

/**
 * One GET for every object. Under SNMPv1 a missing object fails the whole PDU (noSuchName):
 * rather than dropping the objects one at a time on a device that has none of the ATS branch
 * (a PDU or UPS would cost ~17 round trips), ask for the system group alone, then probe the
 * ATS identity once, and only go object by object on a unit that turns out to be an ATS.
 */
async function getAll(session: SnmpSession, version: Credentials['version']): Promise<Reading> {
  try {
    return toReading(await getSplitting(session, OBJECT_OIDS));
  } catch (e) {
    if (version !== '1' || !(e instanceof SnmpRequestError) || e.kind !== 'no-such-name') throw e;
  }
  const system = await getDroppingMissing(session, IDENTITY_KEYS);
  if (!looksLikeAts(system)) {
    const probe = await getDroppingMissing(session, ['atsIdentModelNumber']);
    if (probe.atsIdentModelNumber === undefined) return system;
  }
  const rest = await getDroppingMissing(session, OBJECT_KEYS.filter((k) => !IDENTITY_KEYS.includes(k)));
  return { ...system, ...rest };
}

/** SNMPv1 GET that drops each object the agent refuses and asks again (bounded by the count). */
async function getDroppingMissing(session: SnmpSession, wanted: readonly ObjectKey[]): Promise<Reading> {
  let keys = [...wanted];
  while (keys.length > 0) {
    try {
      return toReading(await getSplitting(session, keys.map((k) => OBJECTS[k].oid)));
    } catch (e) {
      const refused = e instanceof SnmpRequestError && e.kind === 'no-such-name' ? e.oid : undefined;
      const key = refused === undefined ? undefined : OID_TO_KEY.get(refused);
      // An agent that refuses without saying which object cannot be worked around.
      if (key === undefined || !keys.includes(key)) throw e;
      keys = keys.filter((k) => k !== key);
    }
  }
  return {};
}

/**
 * A GET that an agent answering tooBig gets again in two halves (and so on down to single
 * objects; a tooBig for one object is final). At most 2n − 1 requests for n objects.
 */
async function getSplitting(session: SnmpSession, oids: readonly string[]): Promise<Varbind[]> {
  try {
    return await session.get(oids);
  } catch (e) {
    if (!(e instanceof SnmpRequestError) || e.kind !== 'too-big' || oids.length < 2) throw e;
  }
  const half = Math.ceil(oids.length / 2);
  const first = await getSplitting(session, oids.slice(0, half));
  const second = await getSplitting(session, oids.slice(half));
  return [...first, ...second];
}

function toReading(varbinds: readonly Varbind[]): Reading {
  const reading: Reading = {};
  for (const vb of varbinds) {
    const key = OID_TO_KEY.get(vb.oid);
    if (key === undefined || isMissing(vb)) continue;
    reading[key] = toRawValue(vb);
  }
  return reading;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const lenient = new TextDecoder('utf-8');

export function toRawValue(vb: Varbind): RawValue {
  const { type, value } = vb;
  if (type === ObjectType.Integer || type === ObjectType.Gauge || type === ObjectType.Counter) {
    return typeof value === 'number' ? { type: 'integer', value } : { type: 'other', value: String(value), snmpType: typeName(type) };
  }
  if (type === ObjectType.OctetString) {
    const buf = Buffer.isBuffer(value) ? value : Buffer.from(String(value));
    let s: string;
    let invalidUtf8 = false;
    try {
      s = utf8.decode(buf);
    } catch {
      s = lenient.decode(buf);
      invalidUtf8 = true;
    }
    const truncated = s.length > MAX_TEXT;
    // The common case built without spreading empty objects: this runs for most values of every unit.
    if (!invalidUtf8 && !truncated) return { type: 'string', value: s };
    return {
      type: 'string',
      value: truncated ? s.slice(0, MAX_TEXT) : s,
      ...(invalidUtf8 ? { invalidUtf8: true as const } : {}),
      ...(truncated ? { truncated: true as const } : {}),
    };
  }
  if (type === ObjectType.OID) return { type: 'oid', value: String(value) };
  const shown = Buffer.isBuffer(value) ? value.toString('hex') : String(value);
  return { type: 'other', value: shown.slice(0, MAX_TEXT), snmpType: typeName(type) };
}

function typeName(type: number): string {
  return Object.entries(ObjectType).find(([, n]) => n === type)?.[0] ?? `type ${type}`;
}

/** Numeric OID order (RFC 2578 lexicographic by sub-identifier): <0, 0 or >0. */
export function compareOids(a: string, b: string): number {
  const x = a.split('.');
  const y = b.split('.');
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = Number(x[i]) - Number(y[i]);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

function looksLikeAts(r: Reading): boolean {
  const oid = r.sysObjectID?.type === 'oid' ? r.sysObjectID.value : undefined;
  return r.atsIdentModelNumber !== undefined || (oid !== undefined && isAtsSysObjectId(oid));
}

const usable = (v: RawValue | undefined) => v?.type === 'integer' && v.value >= 0;

/** Walk a column only where the known instance gave nothing usable. */
async function walkMissing(session: SnmpSession, reading: Reading): Promise<WalkedRows> {
  const walked: Record<string, Array<{ instance: string; value: RawValue }>> = {};
  const columns: Array<[column: string, keys: ObjectKey[]]> = [];
  if (!reading.atsInputVoltageA || !reading.atsInputVoltageB) {
    columns.push([OBJECTS.atsInputVoltageA.column, ['atsInputVoltageA', 'atsInputVoltageB']]);
  }
  if (!usable(reading.atsOutputCurrent) && !usable(reading.atsOutputBankCurrent)) {
    if (!reading.atsOutputCurrent) columns.push([OBJECTS.atsOutputCurrent.column, ['atsOutputCurrent']]);
    if (!reading.atsOutputBankCurrent) columns.push([OBJECTS.atsOutputBankCurrent.column, ['atsOutputBankCurrent']]);
  }
  for (const [column, keys] of columns) {
    const rows = await walkColumn(session, column);
    if (rows.length === 0) continue;
    for (const k of keys) walked[k] = rows;
  }
  return walked as WalkedRows;
}

/**
 * Reads one column with GETNEXT/GETBULK. Every OID answered must come after the one before it
 * (else the agent's walk could go round forever): one that does not is a malformed reply. A
 * tooBig answer is asked again for half as many rows.
 */
async function walkColumn(session: SnmpSession, column: string) {
  const rows: Array<{ instance: string; value: RawValue }> = [];
  let from = column;
  let repetitions = MAX_WALK_ROWS;
  for (let i = 0; i < MAX_WALK_REQUESTS && rows.length < MAX_WALK_ROWS; i++) {
    let varbinds: Varbind[];
    try {
      varbinds = await session.next(from, repetitions);
    } catch (e) {
      // v1 agents answer the end of their tree with noSuchName: the column is simply over.
      if (e instanceof SnmpRequestError && e.kind === 'no-such-name') break;
      if (e instanceof SnmpRequestError && e.kind === 'too-big' && repetitions > 1) {
        // Not counted as a step: halving ends at one row (at most log2(MAX_WALK_ROWS) more requests).
        repetitions = Math.floor(repetitions / 2);
        i--;
        continue;
      }
      throw e;
    }
    let left = false;
    for (const vb of varbinds) {
      if (isMissing(vb)) {
        left = true;
        break;
      }
      if (compareOids(vb.oid, from) <= 0) {
        throw new SnmpRequestError('invalid-response', `${MALFORMED}walk of ${column} answered ${vb.oid}, which does not come after ${from}`);
      }
      if (!vb.oid.startsWith(`${column}.`)) {
        left = true;
        break;
      }
      rows.push({ instance: vb.oid.slice(column.length + 1), value: toRawValue(vb) });
      from = vb.oid;
    }
    if (left || varbinds.length === 0) break;
  }
  return rows.slice(0, MAX_WALK_ROWS);
}
