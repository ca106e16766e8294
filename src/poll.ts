import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { ATS_SYS_OBJECT_IDS, IDENTITY_KEYS, OBJECTS, OBJECT_KEYS, type ObjectKey } from './oid-map.js';
import type { PollFailure, PollOutcome, RawValue, Reading, WalkedRows } from './reading.js';
import { isMissing, ObjectType, openSession, SnmpRequestError, type SessionOptions, type SnmpSession, type Varbind } from './snmp/session.js';
import type { Credentials, Target } from './target.js';

// One unit: resolve, one GET for everything, and only where needed a fallback (v1
// noSuchName retries, column walks). Returns what was read; judging is elsewhere.

export interface PollOptions {
  readonly timeoutMs: number;
  readonly retries: number;
}

export interface PollDeps {
  readonly open: (o: SessionOptions) => SnmpSession;
  readonly resolve: (host: string) => Promise<{ address: string; family: 4 | 6 }>;
}

/** Longest string kept from a device; beyond it the value is cut and marked. */
export const MAX_TEXT = 1024;
/** Most rows read from one walked column, and most requests spent walking it. */
const MAX_WALK_ROWS = 16;
const MAX_WALK_REQUESTS = 4;

const OID_TO_KEY = new Map<string, ObjectKey>(OBJECT_KEYS.map((k) => [OBJECTS[k].oid, k]));
const ATS_ROOTS = Object.values(ATS_SYS_OBJECT_IDS);

export const defaultDeps: PollDeps = {
  open: openSession,
  resolve: async (host) => {
    const family = isIP(host);
    if (family === 4 || family === 6) return { address: host, family };
    const r = await lookup(host, { verbatim: true });
    return { address: r.address, family: r.family === 6 ? 6 : 4 };
  },
};

export async function pollUnit(
  target: Target,
  credentials: Credentials,
  options: PollOptions,
  deps: PollDeps = defaultDeps,
): Promise<PollOutcome> {
  let resolved: { address: string; family: 4 | 6 };
  try {
    resolved = await deps.resolve(target.host);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'lookup failed';
    return { ok: false, requests: 0, kind: 'dns', message: `DNS lookup of "${target.host}" failed (${code})` };
  }
  const session = deps.open({
    ...resolved,
    port: target.port,
    credentials,
    timeoutMs: options.timeoutMs,
    retries: options.retries,
  });
  const counter = { requests: 0 };
  try {
    const reading = await getAll(session, credentials.version, counter);
    const walked = looksLikeAts(reading) ? await walkMissing(session, reading, counter) : {};
    return { ok: true, reading, walked, requests: counter.requests };
  } catch (e) {
    return { ok: false, requests: counter.requests, ...failure(e, target) };
  } finally {
    session.close();
  }
}

function failure(e: unknown, target: Target): PollFailure {
  if (e instanceof SnmpRequestError) {
    if (e.kind === 'timeout')
      return {
        kind: 'timeout',
        message: `${e.message} from port ${target.port} (host down, no SNMP agent, or wrong community)`,
      };
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
async function getAll(session: SnmpSession, version: Credentials['version'], counter: { requests: number }): Promise<Reading> {
  try {
    counter.requests++;
    return toReading(await session.get(OBJECT_KEYS.map((k) => OBJECTS[k].oid)));
  } catch (e) {
    if (version !== '1' || !(e instanceof SnmpRequestError) || e.kind !== 'no-such-name') throw e;
  }
  const system = await getDroppingMissing(session, IDENTITY_KEYS, counter);
  if (!looksLikeAts(system)) {
    const probe = await getDroppingMissing(session, ['atsIdentModelNumber'], counter);
    if (probe.atsIdentModelNumber === undefined) return system;
  }
  const rest = await getDroppingMissing(session, OBJECT_KEYS.filter((k) => !IDENTITY_KEYS.includes(k)), counter);
  return { ...system, ...rest };
}

/** SNMPv1 GET that drops each object the agent refuses and asks again (bounded by the count). */
async function getDroppingMissing(session: SnmpSession, wanted: readonly ObjectKey[], counter: { requests: number }): Promise<Reading> {
  let keys = [...wanted];
  while (keys.length > 0) {
    counter.requests++;
    try {
      return toReading(await session.get(keys.map((k) => OBJECTS[k].oid)));
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

function looksLikeAts(r: Reading): boolean {
  const oid = r.sysObjectID?.type === 'oid' ? r.sysObjectID.value : undefined;
  return r.atsIdentModelNumber !== undefined || (oid !== undefined && ATS_ROOTS.some((root) => oid === root || oid.startsWith(`${root}.`)));
}

const usable = (v: RawValue | undefined) => v?.type === 'integer' && v.value >= 0;

/** Walk a column only where the known instance gave nothing usable. */
async function walkMissing(session: SnmpSession, reading: Reading, counter: { requests: number }): Promise<WalkedRows> {
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
    const rows = await walkColumn(session, column, counter);
    if (rows.length === 0) continue;
    for (const k of keys) walked[k] = rows;
  }
  return walked as WalkedRows;
}

async function walkColumn(session: SnmpSession, column: string, counter: { requests: number }) {
  const rows: Array<{ instance: string; value: RawValue }> = [];
  let from = column;
  for (let i = 0; i < MAX_WALK_REQUESTS && rows.length < MAX_WALK_ROWS; i++) {
    counter.requests++;
    let varbinds: Varbind[];
    try {
      varbinds = await session.next(from, MAX_WALK_ROWS);
    } catch (e) {
      // v1 agents answer the end of their tree with noSuchName: the column is simply over.
      if (e instanceof SnmpRequestError && e.kind === 'no-such-name') break;
      throw e;
    }
    let left = false;
    for (const vb of varbinds) {
      if (isMissing(vb) || !vb.oid.startsWith(`${column}.`)) {
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
