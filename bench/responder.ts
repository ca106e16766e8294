// A fast SNMP responder for the benchmark: the same fleet as the simulator (scaleFleet, same
// arguments, same values), but every answer is pre-encoded per unit and request shape, so that
// answering costs a lookup and a copy, not an SNMP agent's work. It exists to show the tools,
// not the responder, set the pace: its own CPU time is reported beside each run.
//
//   node dist/bench/responder.js --scale N --port P [--silent F] [--closed F]
//
// Same protocol as the simulator (tools/simulator/main.ts): one line per unit on stdout, then
// "N units up in T ms" on stderr; on SIGTERM "stopped; R requests received (S SET)".
// v1/v2c only. Answers GET, GETNEXT and GETBULK from the unit's sorted table; a SET is counted
// and dropped. Loopback only (scaleFleet's addresses). Its BER is its own: the product's
// codec (net-snmp) is what is measured, not reused here.

import dgram from 'node:dgram';
import { parseArgs } from 'node:util';
import { scaleFleet, type SimUnit } from '../tools/simulator/fleet.js';
import { unitVarbinds, type SimVarbind } from '../tools/simulator/profiles.js';
import { FETCHED_OIDS } from './ground-truth.js';

// --- BER, just what SNMP answers need -------------------------------------------------------

function lengthBytes(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
const tlv = (tag: number, content: Buffer) => Buffer.concat([Buffer.from([tag]), lengthBytes(content.length), content]);

function intBytes(value: number, unsigned: boolean): Buffer {
  let v = BigInt(Math.trunc(value));
  const bytes: number[] = [];
  for (;;) {
    const byte = Number(BigInt.asUintN(8, v));
    bytes.unshift(byte);
    v >>= 8n;
    if ((v === 0n && (byte & 0x80) === 0) || (!unsigned && v === -1n && (byte & 0x80) !== 0)) break;
  }
  return Buffer.from(bytes);
}

function oidBytes(dotted: string): Buffer {
  const arcs = dotted.split('.').map(Number);
  const out: number[] = [];
  const push = (n: number) => {
    const groups = [n & 0x7f];
    for (let v = Math.floor(n / 128); v > 0; v = Math.floor(v / 128)) groups.unshift((v & 0x7f) | 0x80);
    out.push(...groups);
  };
  push(arcs[0]! * 40 + arcs[1]!);
  for (const a of arcs.slice(2)) push(a);
  return Buffer.from(out);
}

// net-snmp ObjectType numbers are the BER tags of their types.
function valueTlv(vb: SimVarbind): Buffer {
  const t = vb.type as number;
  if (t === 0x02) return tlv(t, intBytes(Number(vb.value), false));
  if (t === 0x41 || t === 0x42 || t === 0x43) return tlv(t, intBytes(Number(vb.value), true));
  if (t === 0x06) return tlv(t, oidBytes(String(vb.value)));
  if (t === 0x04 || t === 0x44) return tlv(t, Buffer.isBuffer(vb.value) ? vb.value : Buffer.from(String(vb.value), 'utf8'));
  if (t === 0x40) return tlv(t, Buffer.from(String(vb.value).split('.').map(Number)));
  throw new Error(`responder: no encoding for type ${t}`);
}

const varbindTlv = (oid: string, value: Buffer) => tlv(0x30, Buffer.concat([tlv(0x06, oidBytes(oid)), value]));
const NO_SUCH_OBJECT = Buffer.from([0x80, 0]);
const END_OF_MIB = Buffer.from([0x82, 0]);

interface Read {
  tag: number;
  start: number;
  content: number;
  end: number;
}

function read(buf: Buffer, pos: number): Read {
  const tag = buf[pos]!;
  let len = buf[pos + 1]!;
  let at = pos + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[at++]!;
  }
  if (at + len > buf.length || Number.isNaN(len)) throw new Error('truncated');
  return { tag, start: pos, content: at, end: at + len };
}

function readOid(buf: Buffer, r: Read): string {
  const arcs: number[] = [];
  let v = 0;
  for (let i = r.content; i < r.end; i++) {
    v = v * 128 + (buf[i]! & 0x7f);
    if ((buf[i]! & 0x80) === 0) {
      arcs.push(v);
      v = 0;
    }
  }
  const first = arcs.shift()!;
  return [Math.min(2, Math.floor(first / 40)), first - 40 * Math.min(2, Math.floor(first / 40)), ...arcs].join('.');
}

function compareOids(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

// --- One unit: its table, and its answers by request shape -----------------------------------

const GET = 0xa0;
const GETNEXT = 0xa1;
const GETBULK = 0xa5;
const SET = 0xa3;

class Unit {
  private readonly byOid = new Map<string, Buffer>();
  private readonly sorted: Array<{ oid: string; arcs: number[]; value: Buffer }>;
  /** Encoded varbind list by request shape (PDU tag, the two PDU integers, the OIDs asked). */
  private readonly answers = new Map<string, Buffer>();

  constructor(readonly sim: SimUnit) {
    const vbs = unitVarbinds(sim.description);
    for (const vb of vbs) this.byOid.set(vb.oid, valueTlv(vb));
    this.sorted = vbs
      .map((vb) => ({ oid: vb.oid, arcs: vb.oid.split('.').map(Number), value: this.byOid.get(vb.oid)! }))
      .sort((x, y) => compareOids(x.arcs, y.arcs));
    // Encoded before any tool runs: the GET of the 20 objects (ats-audit, snmpget) and the GET
    // of each one alone (braa), so that no timed request pays for working an answer out.
    this.answer(shapeKey(GET, 0, 0, FETCHED_OIDS), GET, 0, 0, FETCHED_OIDS);
    for (const o of FETCHED_OIDS) this.answer(shapeKey(GET, 0, 0, [o]), GET, 0, 0, [o]);
  }

  private next(oid: string): { oid: string; value: Buffer } | undefined {
    const arcs = oid.split('.').map(Number);
    return this.sorted.find((e) => compareOids(e.arcs, arcs) > 0);
  }

  /** The encoded varbind list already worked out for this shape, if any. */
  cached(shape: string): Buffer | undefined {
    return this.answers.get(shape);
  }

  /** Works out (once per unit and shape) the encoded varbind list answering this request. */
  answer(shape: string, pdu: number, nonRepeaters: number, maxRepetitions: number, oids: readonly string[]): Buffer {
    const out: Buffer[] = [];
    if (pdu === GET) for (const o of oids) out.push(varbindTlv(o, this.byOid.get(o) ?? NO_SUCH_OBJECT));
    else if (pdu === GETNEXT) for (const o of oids) out.push(this.step(o));
    else {
      for (const o of oids.slice(0, nonRepeaters)) out.push(this.step(o));
      let cursors = oids.slice(nonRepeaters);
      for (let r = 0; r < maxRepetitions && cursors.length > 0 && out.length < 256; r++) {
        const row = cursors.map((o) => this.next(o));
        cursors.forEach((o, i) => out.push(row[i] ? varbindTlv(row[i]!.oid, row[i]!.value) : varbindTlv(o, END_OF_MIB)));
        if (row.every((x) => x === undefined)) break;
        cursors = row.map((x, i) => x?.oid ?? cursors[i]!);
      }
    }
    const a = tlv(0x30, Buffer.concat(out));
    this.answers.set(shape, a);
    return a;
  }

  private step(o: string): Buffer {
    const n = this.next(o);
    return n ? varbindTlv(n.oid, n.value) : varbindTlv(o, END_OF_MIB);
  }
}

const ZERO_INTS = Buffer.from([0x02, 0x01, 0x00, 0x02, 0x01, 0x00]);

/** A request's shape, whatever encoder made it: PDU type, its two integers, the OIDs asked. */
function shapeKey(pdu: number, f2: number, f3: number, oids: readonly string[]): string {
  return `${pdu} ${f2} ${f3} ${oids.join(' ')}`;
}

/** The answer to one request datagram, or undefined (not a request this responder answers). */
function respond(unit: Unit, msg: Buffer, community: Buffer, counts: { requests: number; sets: number }): Buffer | undefined {
  const top = read(msg, 0);
  const version = read(msg, top.content);
  const comm = read(msg, version.end);
  const pdu = read(msg, comm.end);
  counts.requests++;
  if (pdu.tag === SET) {
    counts.sets++;
    return undefined;
  }
  if (pdu.tag !== GET && pdu.tag !== GETNEXT && pdu.tag !== GETBULK) return undefined;
  if (!msg.subarray(comm.content, comm.end).equals(community)) return undefined;
  const reqId = read(msg, pdu.content);
  const f2 = read(msg, reqId.end);
  const f3 = read(msg, f2.end);
  const list = read(msg, f3.end);
  const small = (r: Read) => Math.max(0, r.end === r.content ? 0 : msg.readIntBE(r.content, Math.min(6, r.end - r.content)));
  const oids: string[] = [];
  for (let pos = list.content; pos < list.end; ) {
    const vb = read(msg, pos);
    oids.push(readOid(msg, read(msg, vb.content)));
    pos = vb.end;
  }
  const shape = shapeKey(pdu.tag, small(f2), small(f3), oids);
  // Cached (the tools' GETs were encoded at start); walks are worked out once per unit and shape.
  const varbinds = unit.cached(shape) ?? unit.answer(shape, pdu.tag, small(f2), small(f3), oids);
  const inner = Buffer.concat([msg.subarray(reqId.start, reqId.end), ZERO_INTS, varbinds]);
  const body = Buffer.concat([msg.subarray(version.start, comm.end), tlv(0xa2, inner)]);
  return tlv(0x30, body);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      scale: { type: 'string' },
      port: { type: 'string' },
      silent: { type: 'string', default: '0' },
      closed: { type: 'string', default: '0' },
      community: { type: 'string', default: 'public' },
    },
  });
  const units = scaleFleet(Number(values.scale), {
    port: Number(values.port),
    silentFraction: Number(values.silent),
    closedFraction: Number(values.closed),
  });
  const community = Buffer.from(values.community!);
  const counts = { requests: 0, sets: 0 };
  const sockets: dgram.Socket[] = [];
  const started = performance.now();
  // Without closed units, one wildcard socket on the port reads (and drops) what is sent to
  // every silent address: a 65,536-unit sweep then needs a socket per live unit only. (With
  // closed units every silent one needs its own socket, or the closed ones would look silent.)
  const wildcard = Number(values.closed) === 0;
  if (wildcard) {
    const s = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    sockets.push(s);
    s.on('message', () => void counts.requests++);
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.bind(Number(values.port), '0.0.0.0', () => resolve());
    });
  }
  await Promise.all(
    units
      .filter((u) => u.behaviour !== 'closed' && !(wildcard && u.behaviour === 'silent'))
      .map(
        (sim) =>
          new Promise<void>((resolve, reject) => {
            if (!sim.host.startsWith('127.')) return reject(new Error(`responder: ${sim.host} is not loopback`));
            const s = dgram.createSocket({ type: 'udp4', reuseAddr: true });
            sockets.push(s);
            const unit = sim.behaviour === 'agent' ? new Unit(sim) : undefined;
            s.on('message', (msg, from) => {
              if (!unit) {
                counts.requests++;
                return;
              }
              let answer: Buffer | undefined;
              try {
                answer = respond(unit, msg, community, counts);
              } catch {
                return; // undecodable: dropped, like a real agent
              }
              if (answer) s.send(answer, from.port, from.address);
            });
            s.once('error', reject);
            s.bind(sim.port, sim.host, () => resolve());
          }),
      ),
  );
  const ms = performance.now() - started;
  for (const u of units) process.stdout.write(`${`${u.host}:${u.port}`.padEnd(22)} ${u.behaviour}  => ${u.expect.verdict}\n`);
  process.stderr.write(`${units.length} units up in ${ms.toFixed(0)} ms; SIGTERM to stop\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  for (const s of sockets) s.close();
  process.stderr.write(`stopped; ${counts.requests} requests received (${counts.sets} SET)\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`responder: ${(e as Error).message}\n`);
  process.exit(1);
});
