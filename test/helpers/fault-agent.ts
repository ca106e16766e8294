// A fault-injecting SNMP agent for tests: one raw UDP socket per unit on a loopback address,
// its own BER code (test/helpers/ber.ts), no net-snmp. It decodes each request (version,
// community, request id, PDU type, varbind OIDs), works out the answer a healthy card would
// give, and then - according to the unit's fault - sends that answer, a damaged copy of it,
// something else entirely, or nothing. Every request it receives is recorded (PDU type,
// OIDs), so tests can also prove what the client sent. Deterministic for a given seed.

import dgram from 'node:dgram';
import { OBJECTS, type ObjectKey } from '../../src/poll/oid-map.js';
import { unitVarbinds, type AtsDescription, type UnitDescription } from '../../tools/simulator/profiles.js';
import type { Verdict } from '../../src/audit/finding.js';
import { AP7724 } from '../fixtures/units.js';
import {
  children,
  compareOids,
  decodeRequest,
  ERROR_STATUS,
  integer,
  message,
  nullValue,
  octets,
  oid as oidValue,
  PDU,
  pduName,
  peekPduTag,
  readInteger,
  readTlv,
  sequence,
  TAG,
  tlv,
  trapV1Message,
  unsigned,
  VERSION,
  type DecodedRequest,
  type MessageFields,
  type PduName,
  type WireVarbind,
} from './ber.js';

// ---------------------------------------------------------------------------------------
// Seeded randomness

/** mulberry32: small, fast, good enough to pick faults; same seed, same sequence. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Rng = () => number;
export const randInt = (rng: Rng, min: number, max: number): number => min + Math.floor(rng() * (max - min + 1));
export const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)]!;
export function randomBytes(rng: Rng, length: number): Buffer {
  const b = Buffer.alloc(length);
  for (let i = 0; i < length; i++) b[i] = Math.floor(rng() * 256);
  return b;
}

// ---------------------------------------------------------------------------------------
// Values: encoded varbind values, any type

/** Encoded varbind values (the agent sends them as given, so anything goes). */
export const v = {
  int: (n: number | bigint) => integer(n),
  str: (s: string | Buffer) => octets(s),
  oid: (dotted: string) => oidValue(dotted),
  gauge: (n: number | bigint) => unsigned(n, TAG.Gauge32),
  counter: (n: number | bigint) => unsigned(n, TAG.Counter32),
  timeticks: (n: number | bigint) => unsigned(n, TAG.TimeTicks),
  counter64: (n: number | bigint) => unsigned(n, TAG.Counter64),
  ip: (a: string) => octets(Buffer.from(a.split('.').map(Number)), TAG.IpAddress),
  opaque: (b: Buffer) => octets(b, TAG.Opaque),
  null: () => nullValue(),
  /** Any tag with raw content bytes (unknown types, ill-formed content). */
  raw: (tag: number, content: Buffer) => tlv(tag, content),
};

/** A name from oid-map (its instance OID) or a dotted OID. */
export type OidRef = ObjectKey | string;

export function resolveOid(ref: OidRef): string {
  return Object.hasOwn(OBJECTS, ref) ? OBJECTS[ref as ObjectKey].oid : ref;
}

/** What a unit serves: OID -> encoded value, walked in OID order. */
export class AgentTable {
  private readonly values: ReadonlyMap<string, Buffer>;
  private readonly sorted: readonly string[];

  constructor(entries: Iterable<readonly [string, Buffer]>) {
    this.values = new Map(entries);
    this.sorted = [...this.values.keys()].sort(compareOids);
  }

  get(oid: string): Buffer | undefined {
    return this.values.get(oid);
  }

  /** First OID strictly after `oid`, with its value. */
  next(oid: string): WireVarbind | undefined {
    // Tables are small (tens of rows): a linear scan keeps this obviously right.
    const after = this.sorted.find((o) => compareOids(o, oid) > 0);
    return after === undefined ? undefined : { oid: after, value: this.values.get(after)! };
  }

  /** Whether any served OID shares `oid`'s parent (then a miss is noSuchInstance, not noSuchObject). */
  hasSibling(oid: string): boolean {
    const parent = oid.slice(0, oid.lastIndexOf('.') + 1);
    return this.sorted.some((o) => o.startsWith(parent));
  }

  /** Replaced and added values (by oid-map name or OID). */
  with(values: Readonly<Record<string, Buffer>>): AgentTable {
    const m = new Map(this.values);
    for (const [ref, value] of Object.entries(values)) m.set(resolveOid(ref), value);
    return new AgentTable(m);
  }

  /** Without these objects (oid-map names or OIDs). */
  without(refs: readonly OidRef[]): AgentTable {
    const drop = new Set(refs.map(resolveOid));
    return new AgentTable([...this.values].filter(([o]) => !drop.has(o)));
  }

  get oids(): readonly string[] {
    return this.sorted;
  }
}

/** The table a simulator profile describes (the same data the simulator serves). */
export function tableFromDescription(description: UnitDescription): AgentTable {
  return new AgentTable(
    unitVarbinds(description).map((sv): [string, Buffer] => {
      const type = sv.type as number;
      const value = sv.value;
      // net-snmp's ObjectType numbers are the BER tags.
      if (type === TAG.OctetString) return [sv.oid, v.str(Buffer.isBuffer(value) ? value : String(value))];
      if (type === TAG.OID) return [sv.oid, v.oid(String(value))];
      if (type === TAG.Integer) return [sv.oid, v.int(Number(value))];
      if (type === TAG.Counter64 && Buffer.isBuffer(value)) return [sv.oid, v.counter64(value.readBigUInt64BE())];
      if (type === TAG.Counter32 || type === TAG.Gauge32 || type === TAG.TimeTicks) return [sv.oid, unsigned(Number(value), type)];
      throw new Error(`fault-agent: no encoding for type ${type} at ${sv.oid}`);
    }),
  );
}

// ---------------------------------------------------------------------------------------
// Healthy units, with the verdict the audit must reach for each

export interface GoodTemplate {
  readonly name: string;
  readonly description: UnitDescription;
  readonly verdict: Verdict;
}

const ats = (over: Partial<AtsDescription>): AtsDescription => ({ ...AP7724, ...over });

/** Healthy units of each verdict an answering unit can get, for mixed fleets. */
export const GOOD_TEMPLATES: readonly GoodTemplate[] = [
  { name: 'ap7724-2u-loaded', description: AP7724, verdict: 'at-risk' },
  {
    name: 'ap7722a-1u-loaded',
    description: ats({ model: 'AP7722A', serial: '5A1234T00001', preferredSource: 'A', selectedSource: 'A', output: { form: '1U', tenths: 42 } }),
    verdict: 'at-risk',
  },
  {
    name: 'ap7750a-secondary-failed',
    description: ats({
      model: 'AP7750A',
      serial: '5A1234T00002',
      preferredSource: 'A',
      selectedSource: 'A',
      sourceStatus: { A: 'ok', B: 'fail' },
      inputVolts: { A: 230, B: 0 },
      output: { form: '1U', tenths: 31 },
    }),
    verdict: 'safe-to-upgrade',
  },
  {
    name: 'ap7753-no-load',
    description: ats({ model: 'AP7753', serial: '5A1234T00003', output: { form: '2U', bankTenths: [0, 0, 0] } }),
    verdict: 'safe-to-upgrade',
  },
  {
    name: 'ap7723-comm-lost',
    description: ats({ model: 'AP7723', serial: '5A1234T00004', commStatus: 'lost' }),
    verdict: 'unknown',
  },
  {
    name: 'ap7722-first-gen',
    description: ats({
      model: 'AP7722',
      serial: 'WA0612000005',
      card: { hardware: 'hw01', bootMonitor: 'v3.6.9', aos: 'v2.6.4', app: 'v2.6.5', appName: 'ats', manufactured: '05/16/2006' },
    }),
    verdict: 'not-affected',
  },
  {
    name: 'ap7900b-rack-pdu',
    description: {
      kind: 'rack-pdu',
      model: 'AP7900B',
      serial: '5A1700E00006',
      hardwareRev: '02',
      card: { hardware: 'hw05', bootMonitor: 'v4.1.0', aos: 'v6.8.2', app: 'v6.8.0', appName: 'rpdu2g', manufactured: '08/07/2017' },
      sysName: 'dc1-r09-pdu',
      sysLocation: 'DC1 row 9',
    },
    verdict: 'not-ats',
  },
];

// ---------------------------------------------------------------------------------------
// Faults

/**
 * What a unit does wrong. Wire faults damage or replace the healthy answer; `values` serves
 * wrong data in well-formed answers (wrong types, out-of-range numbers, huge strings).
 */
export type Fault =
  | { readonly kind: 'good' }
  /** Reads requests, never answers. */
  | { readonly kind: 'silent' }
  /** Answers with `length` random bytes. */
  | { readonly kind: 'random-bytes'; readonly length: number }
  /** The healthy answer cut to `keep` (0-1) of its length (at least 1 byte, always short). */
  | { readonly kind: 'truncated'; readonly keep: number }
  /** The healthy answer with request id + `delta`. */
  | { readonly kind: 'wrong-request-id'; readonly delta: number }
  /** The healthy answer's varbinds under another PDU type (a request, a trap, a report). */
  | { readonly kind: 'wrong-pdu-type'; readonly pdu: Exclude<PduName, 'GetResponse'> }
  /** The healthy answer with the other SNMP version (v1 <-> v2c). */
  | { readonly kind: 'wrong-version' }
  /** The healthy answer with another community. */
  | { readonly kind: 'wrong-community'; readonly community: string }
  /** Well-formed answers from a table with these values replaced or added (name or OID). */
  | { readonly kind: 'values'; readonly values: Readonly<Record<string, Buffer>>; readonly label: string }
  /** The healthy answer with `count` varbinds appended that nobody asked for. */
  | { readonly kind: 'extra-varbinds'; readonly count: number }
  /** The healthy answer sent `copies` times. */
  | { readonly kind: 'duplicate'; readonly copies: number }
  /** The healthy answer after `delayMs`. */
  | { readonly kind: 'slow'; readonly delayMs: number }
  /** The healthy answer from another UDP port of the same address. */
  | { readonly kind: 'other-port' }
  /** The healthy varbinds with this error-status and error-index. */
  | { readonly kind: 'error-status'; readonly status: number; readonly index: number }
  /** A response with no varbinds at all. */
  | { readonly kind: 'empty-varbinds' }
  /** The healthy varbinds shuffled (a different order whenever there are two or more). */
  | { readonly kind: 'reordered' }
  /** `count` of the healthy varbinds (never those in `spare`) replaced by OIDs that were not asked for (same count). */
  | { readonly kind: 'substituted'; readonly count: number; readonly spare?: readonly OidRef[] }
  /**
   * The healthy varbinds, but one slot (after the real one where possible) carries a second,
   * conflicting copy of `oid` with `value`: one answer says two different things.
   */
  | { readonly kind: 'shadowed'; readonly oid: OidRef; readonly value: Buffer }
  /** GETNEXT/GETBULK answered with the very OID asked for (a walk that never advances). */
  | { readonly kind: 'walk-stuck' }
  /** GETNEXT/GETBULK answered with `asked.1`, `asked.1.1`...: always "after", never the end. */
  | { readonly kind: 'endless-walk'; readonly value: Buffer }
  | WireFault;

export type FaultKind = Fault['kind'];

/** One unit on the wire. */
export interface FaultUnit {
  readonly name: string;
  /** A 127.0.0.0/8 address. */
  readonly host: string;
  readonly port: number;
  /** The only community answered; other requests are recorded and dropped. Default "public". */
  readonly community?: string;
  readonly table: AgentTable;
  readonly fault: Fault;
  /** The fault starts at this request (0-based, counting answered-community requests); before it, healthy answers. */
  readonly faultFrom?: number;
  /** The fault applies only to requests of these PDU types (default: all). */
  readonly faultOn?: readonly PduName[];
  readonly seed?: number;
}

export interface ReceivedRequest {
  /** PDU tag name, or "undecodable". */
  readonly pdu: PduName | 'undecodable';
  readonly tag?: number;
  readonly version?: number;
  readonly community?: string;
  readonly oids: readonly string[];
}

export interface AgentStats {
  /** Every datagram received, in order. */
  readonly received: readonly ReceivedRequest[];
  /** Count by PDU tag name (and "undecodable"). */
  readonly byType: Readonly<Record<string, number>>;
  /** Datagrams sent (all copies, all sockets). */
  readonly sent: number;
}

export interface RunningAgent {
  readonly unit: FaultUnit;
  stats(): AgentStats;
  reset(): void;
  stop(): Promise<void>;
}

/** The answer a healthy agent gives, before any fault. */
interface Answer {
  readonly errorStatus: number;
  readonly errorIndex: number;
  readonly varbinds: readonly WireVarbind[];
}

const MAX_BULK_VARBINDS = 256;

function missing(table: AgentTable, o: string): Buffer {
  return nullValue(table.hasSibling(o) ? TAG.NoSuchInstance : TAG.NoSuchObject);
}

/** What a well-behaved v1/v2c agent answers (RFC 1157 / RFC 3416). */
export function healthyAnswer(table: AgentTable, req: DecodedRequest): Answer | undefined {
  const v1 = req.version === VERSION.v1;
  const echo = () => req.oids.map((o) => ({ oid: o, value: nullValue() }));
  const v1Error = (status: number, index: number): Answer => ({ errorStatus: status, errorIndex: index, varbinds: echo() });
  switch (req.pduType) {
    case PDU.GetRequest: {
      const out: WireVarbind[] = [];
      for (const [i, o] of req.oids.entries()) {
        const value = table.get(o);
        if (value === undefined && v1) return v1Error(ERROR_STATUS.noSuchName, i + 1);
        out.push({ oid: o, value: value ?? missing(table, o) });
      }
      return { errorStatus: 0, errorIndex: 0, varbinds: out };
    }
    case PDU.GetNextRequest: {
      const out: WireVarbind[] = [];
      for (const [i, o] of req.oids.entries()) {
        const next = table.next(o);
        if (next === undefined && v1) return v1Error(ERROR_STATUS.noSuchName, i + 1);
        out.push(next ?? { oid: o, value: nullValue(TAG.EndOfMibView) });
      }
      return { errorStatus: 0, errorIndex: 0, varbinds: out };
    }
    case PDU.GetBulkRequest: {
      if (v1) return undefined; // no such PDU in v1: a real agent drops it
      const nonRepeaters = Math.max(0, Math.min(req.field2, req.oids.length));
      const maxRepetitions = Math.max(0, req.field3);
      const out: WireVarbind[] = [];
      const step = (o: string): WireVarbind => table.next(o) ?? { oid: o, value: nullValue(TAG.EndOfMibView) };
      for (const o of req.oids.slice(0, nonRepeaters)) out.push(step(o));
      let cursors = req.oids.slice(nonRepeaters);
      for (let r = 0; r < maxRepetitions && cursors.length > 0 && out.length < MAX_BULK_VARBINDS; r++) {
        const row = cursors.map(step);
        out.push(...row);
        if (row.every((vb) => vb.value[0] === TAG.EndOfMibView)) break;
        cursors = row.map((vb) => vb.oid);
      }
      return { errorStatus: 0, errorIndex: 0, varbinds: out.slice(0, MAX_BULK_VARBINDS) };
    }
    case PDU.SetRequest:
      // Read-only agent: v1 says noSuchName (RFC 1157 4.1.5), v2c notWritable.
      return {
        errorStatus: v1 ? ERROR_STATUS.noSuchName : ERROR_STATUS.notWritable,
        errorIndex: 1,
        varbinds: req.oids.map((o, i) => ({ oid: o, value: req.values[i] ?? nullValue() })),
      };
    default:
      return undefined; // responses, traps, reports: an agent does not answer those
  }
}

interface Datagram {
  readonly bytes: Buffer;
  readonly delayMs: number;
  readonly fromOtherPort: boolean;
}

function shuffled<T>(rng: Rng, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  if (out.length >= 2 && out.every((x, i) => x === items[i])) out.push(out.shift()!); // never the same order
  return out;
}

/** The datagrams a unit sends for one request, given its fault. */
function plan(fault: Fault, req: DecodedRequest, answer: Answer, rng: Rng): Datagram[] {
  const fields = {
    version: req.version,
    community: req.community,
    pduType: PDU.GetResponse,
    requestId: req.requestId,
    ...answer,
  };
  const good = () => message(fields);
  const one = (bytes: Buffer, delayMs = 0, fromOtherPort = false): Datagram[] => [{ bytes, delayMs, fromOtherPort }];
  switch (fault.kind) {
    case 'good':
    case 'values':
      return one(good());
    case 'silent':
      return [];
    case 'random-bytes':
      return one(randomBytes(rng, Math.max(1, fault.length)));
    case 'truncated': {
      const bytes = good();
      const keep = Math.min(bytes.length - 1, Math.max(1, Math.floor(bytes.length * fault.keep)));
      return one(bytes.subarray(0, keep));
    }
    case 'wrong-request-id':
      return one(message({ ...fields, requestId: (req.requestId + fault.delta) | 0 }));
    case 'wrong-pdu-type':
      return one(
        fault.pdu === 'TrapV1' ? trapV1Message(req.version, req.community, answer.varbinds) : message({ ...fields, pduType: PDU[fault.pdu] }),
      );
    case 'wrong-version':
      return one(message({ ...fields, version: req.version === VERSION.v1 ? VERSION.v2c : VERSION.v1 }));
    case 'wrong-community':
      return one(message({ ...fields, community: fault.community }));
    case 'extra-varbinds': {
      const extra = Array.from({ length: fault.count }, (_, i) => ({ oid: `1.3.6.1.4.1.99999.${i + 1}.0`, value: v.int(randInt(rng, 0, 1000)) }));
      return one(message({ ...fields, varbinds: [...answer.varbinds, ...extra] }));
    }
    case 'duplicate':
      return Array.from({ length: Math.max(2, fault.copies) }, () => ({ bytes: good(), delayMs: 0, fromOtherPort: false }));
    case 'slow':
      return one(good(), fault.delayMs);
    case 'other-port':
      return one(good(), 0, true);
    case 'error-status':
      return one(message({ ...fields, errorStatus: fault.status, errorIndex: fault.index }));
    case 'empty-varbinds':
      return one(message({ ...fields, errorStatus: 0, errorIndex: 0, varbinds: [] }));
    case 'reordered':
      return one(message({ ...fields, varbinds: shuffled(rng, answer.varbinds) }));
    case 'substituted': {
      const varbinds = [...answer.varbinds];
      const spare = new Set((fault.spare ?? []).map(resolveOid));
      const open = varbinds.flatMap((vb, i) => (spare.has(vb.oid) ? [] : [i]));
      const slots = shuffled(rng, open).slice(0, Math.min(fault.count, open.length));
      for (const [n, i] of slots.entries()) varbinds[i] = { oid: `1.3.6.1.2.1.1.${90 + n}.0`, value: v.int(randInt(rng, 0, 9)) };
      return one(message({ ...fields, varbinds }));
    }
    case 'shadowed': {
      const target = resolveOid(fault.oid);
      const varbinds = [...answer.varbinds];
      const at = varbinds.findIndex((vb) => vb.oid === target);
      const slot = at >= 0 && at === varbinds.length - 1 ? at - 1 : varbinds.length - 1;
      if (slot >= 0) varbinds[slot] = { oid: target, value: fault.value };
      return one(message({ ...fields, varbinds }));
    }
    case 'walk-stuck':
    case 'endless-walk': {
      if (req.pduType !== PDU.GetNextRequest && req.pduType !== PDU.GetBulkRequest) return one(good());
      const rows = req.pduType === PDU.GetBulkRequest ? Math.max(1, Math.min(req.field3, MAX_BULK_VARBINDS)) : 1;
      const varbinds =
        fault.kind === 'walk-stuck'
          ? req.oids.map((o) => ({ oid: o, value: v.int(1) }))
          : req.oids.flatMap((o) => Array.from({ length: rows }, (_, r) => ({ oid: `${o}${'.1'.repeat(r + 1)}`, value: fault.value })));
      return one(message({ ...fields, errorStatus: 0, errorIndex: 0, varbinds }));
    }
    default:
      return planWireFault(fault, req, answer, fields).map((bytes) => ({ bytes, delayMs: 0, fromOtherPort: false }));
  }
}

// ---------------------------------------------------------------------------------------
// Wire faults (engineer H: SNMPv3 reports, tooBig, walks that go backwards). Kept in one block
// so that other fault kinds can be added above without touching these.

/** usmStats counters a Report may name (RFC 3414): usmStats.N.0. */
const USM_STATS = { 'unknown-engine': '1.3.6.1.6.3.15.1.1.4.0', 'not-in-time-window': '1.3.6.1.6.3.15.1.1.2.0' } as const;

export type WireFault =
  /**
   * SNMPv3: every message is answered with a Report carrying an empty engine ID (engine boots
   * and time 0), as a broken agent does: a client that believes it resends forever.
   */
  | { readonly kind: 'v3-empty-engine-id' }
  /** SNMPv3: every message is answered with this usmStats Report (engine ID set, boots and time 0), forever. */
  | { readonly kind: 'v3-endless-report'; readonly report: keyof typeof USM_STATS }
  /** tooBig (error-status 1) for any GET of more than `maxVarbinds` objects, or GETBULK asking for more than `maxBulkRows` (default the same); else healthy. */
  | { readonly kind: 'too-big'; readonly maxVarbinds: number; readonly maxBulkRows?: number }
  /** GETNEXT/GETBULK answered with OIDs that go back: the asked OID's column, row 1, then row 0. */
  | { readonly kind: 'walk-backwards' };

const WIRE_FAULT_KINDS: ReadonlySet<string> = new Set(['v3-empty-engine-id', 'v3-endless-report', 'too-big', 'walk-backwards']);

export function isWireFault(f: Fault): f is WireFault {
  return WIRE_FAULT_KINDS.has(f.kind);
}

function planWireFault(fault: Fault, req: DecodedRequest, answer: Answer, fields: MessageFields): Buffer[] {
  if (!isWireFault(fault)) throw new Error(`fault-agent: unknown fault ${fault.kind}`);
  switch (fault.kind) {
    case 'v3-empty-engine-id':
    case 'v3-endless-report':
      return [message(fields)]; // v1/v2c requests are answered as a healthy agent would
    case 'too-big': {
      const bulk = req.pduType === PDU.GetBulkRequest;
      const asked = bulk ? req.oids.length * Math.max(1, req.field3) : req.oids.length;
      if (asked <= (bulk ? (fault.maxBulkRows ?? fault.maxVarbinds) : fault.maxVarbinds)) return [message(fields)];
      return [message({ ...fields, errorStatus: ERROR_STATUS.tooBig, errorIndex: 0, varbinds: req.oids.map((o) => ({ oid: o, value: nullValue() })) })];
    }
    case 'walk-backwards': {
      if (req.pduType !== PDU.GetNextRequest && req.pduType !== PDU.GetBulkRequest) return [message(fields)];
      const varbinds = req.oids.flatMap((o) => [
        { oid: `${o}.1`, value: v.int(230) },
        { oid: `${o}.0`, value: v.int(231) },
      ]);
      return [message({ ...fields, errorStatus: 0, errorIndex: 0, varbinds })];
    }
  }
}

/** The Report a v3 wire fault answers an SNMPv3 message with; undefined when it does not apply. */
function v3Report(fault: Fault, datagram: Buffer): Buffer | undefined {
  if (fault.kind !== 'v3-empty-engine-id' && fault.kind !== 'v3-endless-report') return undefined;
  let msgId: number;
  let requestId = 0;
  try {
    const top = children(readTlv(datagram, 0).content);
    if (top.length < 4 || readInteger(top[0]!.content) !== 3) return undefined;
    msgId = readInteger(children(top[1]!.content)[0]!.content);
    // A plaintext scoped PDU holds the request id; an encrypted one (OCTET STRING) is left alone.
    if (top[3]!.tag === TAG.Sequence) requestId = readInteger(children(children(top[3]!.content)[2]!.content)[0]!.content);
  } catch {
    return undefined;
  }
  const engineId = fault.kind === 'v3-empty-engine-id' ? Buffer.alloc(0) : Buffer.from('80001f8880aabbccddeeff0011', 'hex');
  const counter = fault.kind === 'v3-endless-report' ? USM_STATS[fault.report] : USM_STATS['unknown-engine'];
  const securityParameters = sequence([octets(engineId), integer(0), integer(0), octets(''), octets(''), octets('')]);
  const report = sequence([integer(requestId), integer(0), integer(0), sequence([sequence([oidValue(counter), unsigned(1, TAG.Counter32)])])], PDU.Report);
  const globalData = sequence([integer(msgId), integer(65507), octets(Buffer.from([0])), integer(3)]);
  return sequence([integer(3), globalData, octets(securityParameters), sequence([octets(engineId), octets(''), report])]);
}

function closeSocket(socket: dgram.Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve(); // already closed
    }
  });
}

function bind(socket: dgram.Socket, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => reject(new Error(`fault-agent: cannot bind ${host}:${port}: ${e.message}`));
    socket.once('error', onError);
    socket.bind(port, host, () => {
      socket.off('error', onError);
      resolve();
    });
  });
}

/** Starts one unit; resolves once its sockets are bound. */
export async function startAgent(unit: FaultUnit): Promise<RunningAgent> {
  if (!unit.host.startsWith('127.')) throw new Error(`fault-agent: ${unit.host} is not a loopback address`);
  const rng = prng(unit.seed ?? 1);
  const community = unit.community ?? 'public';
  const faulty = unit.fault.kind === 'values' ? unit.table.with(unit.fault.values) : unit.table;
  const socket = dgram.createSocket('udp4');
  const other = unit.fault.kind === 'other-port' ? dgram.createSocket('udp4') : undefined;
  const timers = new Set<NodeJS.Timeout>();
  let received: ReceivedRequest[] = [];
  let byType: Record<string, number> = {};
  let sent = 0;
  let answered = 0;
  let stopped = false;

  const send = (d: Datagram, to: dgram.RemoteInfo) => {
    if (stopped) return;
    const via = d.fromOtherPort && other ? other : socket;
    sent++;
    // A send can fail (EMSGSIZE for an oversized answer): a broken agent just loses it.
    via.send(d.bytes, to.port, to.address, () => undefined);
  };

  socket.on('message', (datagram, from) => {
    const report = v3Report(unit.fault, datagram);
    if (report) {
      received.push({ pdu: 'undecodable', oids: [], version: 3 });
      byType.v3 = (byType.v3 ?? 0) + 1;
      send({ bytes: report, delayMs: 0, fromOtherPort: false }, from);
      return;
    }
    let req: DecodedRequest | undefined;
    try {
      req = decodeRequest(datagram);
    } catch {
      req = undefined;
    }
    const tag = req?.pduType ?? peekPduTag(datagram);
    const name = req ? (pduName(req.pduType) ?? 'undecodable') : 'undecodable';
    received.push({
      pdu: name,
      ...(tag !== undefined ? { tag } : {}),
      ...(req ? { version: req.version, community: req.community.toString('utf8') } : {}),
      oids: req?.oids ?? [],
    });
    byType[name] = (byType[name] ?? 0) + 1;
    if (!req || req.community.toString('utf8') !== community) return;
    const index = answered++;
    const active =
      index >= (unit.faultFrom ?? 0) && (unit.faultOn === undefined || unit.faultOn.some((p) => PDU[p] === req.pduType));
    const answer = healthyAnswer(active ? faulty : unit.table, req);
    if (!answer) return;
    for (const d of active ? plan(unit.fault, req, answer, rng) : plan({ kind: 'good' }, req, answer, rng)) {
      if (d.delayMs <= 0) send(d, from);
      else {
        const t = setTimeout(() => {
          timers.delete(t);
          send(d, from);
        }, d.delayMs);
        timers.add(t);
      }
    }
  });
  socket.on('error', () => undefined);
  other?.on('error', () => undefined);

  await bind(socket, unit.host, unit.port);
  if (other) await bind(other, unit.host, 0);

  let stopping: Promise<void> | undefined;
  return {
    unit,
    stats: () => ({ received: [...received], byType: { ...byType }, sent }),
    reset: () => {
      received = [];
      byType = {};
      sent = 0;
    },
    stop: () =>
      (stopping ??= (async () => {
        stopped = true;
        for (const t of timers) clearTimeout(t);
        timers.clear();
        await closeSocket(socket);
        if (other) await closeSocket(other);
      })()),
  };
}

export interface FaultFleet {
  readonly agents: readonly RunningAgent[];
  agent(name: string): RunningAgent;
  /** Counts by PDU type over every unit. */
  totals(): Record<string, number>;
  reset(): void;
  stop(): Promise<void>;
}

/** Starts every unit (addresses/ports must be distinct); on failure closes what was opened. */
export async function startFaultFleet(units: readonly FaultUnit[]): Promise<FaultFleet> {
  const seen = new Set<string>();
  for (const u of units) {
    const key = `${u.host}:${u.port}`;
    if (seen.has(key)) throw new Error(`fault-agent: two units on ${key}`);
    seen.add(key);
  }
  const started = await Promise.allSettled(units.map(startAgent));
  const agents = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await Promise.all(agents.map((a) => a.stop()));
    throw (failed as PromiseRejectedResult).reason;
  }
  const byName = new Map(agents.map((a) => [a.unit.name, a]));
  return {
    agents,
    agent: (name) => {
      const a = byName.get(name);
      if (!a) throw new Error(`fault-agent: no unit named ${name}`);
      return a;
    },
    totals: () => {
      const out: Record<string, number> = {};
      for (const a of agents) for (const [k, n] of Object.entries(a.stats().byType)) out[k] = (out[k] ?? 0) + n;
      return out;
    },
    reset: () => agents.forEach((a) => a.reset()),
    stop: () => Promise.all(agents.map((a) => a.stop())).then(() => undefined),
  };
}

/** `count` addresses 127.a.b.1, .2, ... inside one /24 (stays below .255). */
export function addresses(base: string, count: number): string[] {
  const [a, b, c] = base.split('.');
  if (count > 254) throw new Error('fault-agent: at most 254 units per /24');
  return Array.from({ length: count }, (_, i) => `${a}.${b}.${c}.${i + 1}`);
}

/**
 * Catches what a socket's 'message' listeners throw (net-snmp decodes answers inside one):
 * in the real command such an error is an uncaught exception that kills the process. Tests
 * install this so a crash is recorded and asserted on instead of taking the test worker
 * down. Patches dgram.Socket.prototype.emit for this process until restore().
 */
export function trapListenerErrors(): { readonly errors: unknown[]; take(): unknown[]; restore(): void } {
  const errors: unknown[] = [];
  const original = dgram.Socket.prototype.emit;
  function emit(this: dgram.Socket, event: string | symbol, ...args: unknown[]): boolean {
    try {
      return Reflect.apply(original, this, [event, ...args]) as boolean;
    } catch (e) {
      errors.push(e);
      return true;
    }
  }
  dgram.Socket.prototype.emit = emit as typeof original;
  return {
    errors,
    take: () => errors.splice(0),
    restore: () => {
      dgram.Socket.prototype.emit = original;
    },
  };
}

/** Races `p` against a deadline: resolves to its value, or rejects with "hung" after `ms`. */
export async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: hung (no result within ${ms} ms)`)), ms);
  });
  try {
    return await Promise.race([p, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
