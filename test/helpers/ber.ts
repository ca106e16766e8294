// A tiny BER reader and writer for SNMPv1/v2c messages, for the fault-injecting agent in
// test/helpers/fault-agent.ts. It writes well-formed messages (and, on purpose, ill-formed
// ones: any tag, any value) and reads just enough of a request to answer it. Definite
// lengths only, as SNMP uses; no dependency on net-snmp, so the agent cannot share a bug
// with the client it is testing.

/** Universal and SNMP application tags of varbind values (RFC 2578, RFC 3416). */
export const TAG = {
  Boolean: 0x01,
  Integer: 0x02,
  BitString: 0x03,
  OctetString: 0x04,
  Null: 0x05,
  OID: 0x06,
  Sequence: 0x30,
  IpAddress: 0x40,
  Counter32: 0x41,
  Gauge32: 0x42,
  TimeTicks: 0x43,
  Opaque: 0x44,
  NsapAddress: 0x45,
  Counter64: 0x46,
  UInteger32: 0x47,
  NoSuchObject: 0x80,
  NoSuchInstance: 0x81,
  EndOfMibView: 0x82,
} as const;

/** PDU tags (context-specific, constructed). */
export const PDU = {
  GetRequest: 0xa0,
  GetNextRequest: 0xa1,
  GetResponse: 0xa2,
  SetRequest: 0xa3,
  TrapV1: 0xa4,
  GetBulkRequest: 0xa5,
  InformRequest: 0xa6,
  TrapV2: 0xa7,
  Report: 0xa8,
} as const;

export type PduName = keyof typeof PDU;

export function pduName(tag: number): PduName | undefined {
  return (Object.keys(PDU) as PduName[]).find((k) => PDU[k] === tag);
}

/** SNMP error-status values used by the agent. */
export const ERROR_STATUS = { noError: 0, tooBig: 1, noSuchName: 2, badValue: 3, readOnly: 4, genErr: 5, notWritable: 17 } as const;

export const VERSION = { v1: 0, v2c: 1 } as const;

// ---------------------------------------------------------------------------------------
// Writing

function lengthBytes(n: number): Buffer {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`ber: bad length ${n}`);
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** One tag-length-value. */
export function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), lengthBytes(content.length), content]);
}

/** Two's complement, minimal octets (INTEGER). */
function signedBytes(value: bigint): Buffer {
  const bytes: number[] = [];
  let v = value;
  for (;;) {
    const byte = Number(BigInt.asUintN(8, v));
    bytes.unshift(byte);
    v >>= 8n;
    // Done when the rest is pure sign extension of the byte just written.
    if ((v === 0n && (byte & 0x80) === 0) || (v === -1n && (byte & 0x80) !== 0)) break;
  }
  return Buffer.from(bytes);
}

/** INTEGER (or any tag with integer content, e.g. an out-of-range Gauge32). */
export function integer(value: number | bigint, tag: number = TAG.Integer): Buffer {
  return tlv(tag, signedBytes(BigInt(value)));
}

/** Counter32/Gauge32/TimeTicks/Counter64: unsigned, with a leading 0 when the top bit is set. */
export function unsigned(value: number | bigint, tag: number): Buffer {
  const v = BigInt(value);
  if (v < 0n) throw new RangeError(`ber: ${value} is not unsigned`);
  return tlv(tag, signedBytes(v));
}

export function octets(value: string | Buffer, tag: number = TAG.OctetString): Buffer {
  return tlv(tag, Buffer.isBuffer(value) ? value : Buffer.from(value, 'utf8'));
}

export function nullValue(tag: number = TAG.Null): Buffer {
  return tlv(tag, Buffer.alloc(0));
}

function base128(n: bigint): number[] {
  const out = [Number(n & 0x7fn)];
  for (let v = n >> 7n; v > 0n; v >>= 7n) out.unshift(Number(v & 0x7fn) | 0x80);
  return out;
}

/** OBJECT IDENTIFIER from dotted text ("1.3.6.1..."). */
export function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map((a) => BigInt(a));
  if (arcs.length < 2) throw new RangeError(`ber: OID needs two arcs: ${dotted}`);
  const bytes = [...base128(arcs[0]! * 40n + arcs[1]!), ...arcs.slice(2).flatMap(base128)];
  return tlv(TAG.OID, Buffer.from(bytes));
}

export function sequence(parts: readonly Buffer[], tag: number = TAG.Sequence): Buffer {
  return tlv(tag, Buffer.concat(parts));
}

/** A varbind whose value is already encoded (any tag, well-formed or not). */
export interface WireVarbind {
  readonly oid: string;
  readonly value: Buffer;
}

export interface MessageFields {
  readonly version: number;
  readonly community: Buffer | string;
  readonly pduType: number;
  readonly requestId: number;
  readonly errorStatus: number;
  readonly errorIndex: number;
  readonly varbinds: readonly WireVarbind[];
}

/** A v1/v2c message with a request/response-shaped PDU. */
export function message(m: MessageFields): Buffer {
  const varbinds = sequence(m.varbinds.map((vb) => sequence([oid(vb.oid), vb.value])));
  const pdu = sequence([integer(m.requestId), integer(m.errorStatus), integer(m.errorIndex), varbinds], m.pduType);
  return sequence([integer(m.version), octets(m.community), pdu]);
}

/** A v1 Trap PDU (different shape: enterprise, agent address, generic, specific, time). */
export function trapV1Message(version: number, community: Buffer | string, varbinds: readonly WireVarbind[]): Buffer {
  const pdu = sequence(
    [
      oid('1.3.6.1.4.1.318'),
      octets(Buffer.from([127, 0, 0, 1]), TAG.IpAddress),
      integer(6),
      integer(1),
      unsigned(12345, TAG.TimeTicks),
      sequence(varbinds.map((vb) => sequence([oid(vb.oid), vb.value]))),
    ],
    PDU.TrapV1,
  );
  return sequence([integer(version), octets(community), pdu]);
}

// ---------------------------------------------------------------------------------------
// Reading

export class BerError extends Error {
  override readonly name = 'BerError';
}

export interface Tlv {
  readonly tag: number;
  readonly content: Buffer;
  /** Offset just past this TLV in the buffer it was read from. */
  readonly end: number;
}

export function readTlv(buf: Buffer, pos: number): Tlv {
  const tag = buf[pos];
  let len = buf[pos + 1];
  if (tag === undefined || len === undefined) throw new BerError('truncated header');
  let at = pos + 2;
  if (len & 0x80) {
    const count = len & 0x7f;
    if (count === 0 || count > 4) throw new BerError('unsupported length');
    len = 0;
    for (let i = 0; i < count; i++) {
      const b = buf[at++];
      if (b === undefined) throw new BerError('truncated length');
      len = len * 256 + b;
    }
  }
  if (at + len > buf.length) throw new BerError('truncated content');
  return { tag, content: buf.subarray(at, at + len), end: at + len };
}

/** The TLVs inside a constructed value, in order. */
export function children(content: Buffer): Tlv[] {
  const out: Tlv[] = [];
  for (let pos = 0; pos < content.length; ) {
    const t = readTlv(content, pos);
    out.push(t);
    pos = t.end;
  }
  return out;
}

export function readInteger(content: Buffer): number {
  if (content.length === 0 || content.length > 6) throw new BerError('bad integer length');
  return content.readIntBE(0, content.length);
}

export function readOid(content: Buffer): string {
  const arcs: bigint[] = [];
  let v = 0n;
  for (const b of content) {
    v = (v << 7n) | BigInt(b & 0x7f);
    if ((b & 0x80) === 0) {
      arcs.push(v);
      v = 0n;
    }
  }
  if (arcs.length === 0) throw new BerError('empty OID');
  const first = arcs[0]!;
  const head = first < 80n ? [first / 40n, first % 40n] : [2n, first - 80n];
  return [...head, ...arcs.slice(1)].join('.');
}

/** A v1/v2c request as the agent needs it. */
export interface DecodedRequest {
  readonly version: number;
  readonly community: Buffer;
  readonly pduType: number;
  readonly requestId: number;
  /** error-status, or non-repeaters for GetBulk. */
  readonly field2: number;
  /** error-index, or max-repetitions for GetBulk. */
  readonly field3: number;
  readonly oids: readonly string[];
  /** Varbind values as sent (a SetRequest carries real values). */
  readonly values: readonly Buffer[];
}

/** Decodes a v1/v2c message with a request-shaped PDU; throws BerError on anything else. */
export function decodeRequest(buf: Buffer): DecodedRequest {
  const top = readTlv(buf, 0);
  if (top.tag !== TAG.Sequence) throw new BerError('not a sequence');
  const [ver, comm, pdu] = children(top.content);
  if (!ver || ver.tag !== TAG.Integer || !comm || comm.tag !== TAG.OctetString || !pdu) throw new BerError('bad message header');
  const version = readInteger(ver.content);
  if (version !== VERSION.v1 && version !== VERSION.v2c) throw new BerError(`unsupported version ${version}`);
  if (pdu.tag === PDU.TrapV1) throw new BerError('a v1 trap is not a request');
  const [id, f2, f3, list] = children(pdu.content);
  if (!id || !f2 || !f3 || !list || list.tag !== TAG.Sequence) throw new BerError('bad PDU');
  const oids: string[] = [];
  const values: Buffer[] = [];
  for (const vb of children(list.content)) {
    const [name, value] = children(vb.content);
    if (!name || name.tag !== TAG.OID || !value) throw new BerError('bad varbind');
    oids.push(readOid(name.content));
    values.push(tlv(value.tag, value.content));
  }
  return {
    version,
    community: Buffer.from(comm.content),
    pduType: pdu.tag,
    requestId: readInteger(id.content),
    field2: readInteger(f2.content),
    field3: readInteger(f3.content),
    oids,
    values,
  };
}

/** Just the PDU tag of a v1/v2c datagram, or undefined when it cannot be read that far. */
export function peekPduTag(buf: Buffer): number | undefined {
  try {
    const top = readTlv(buf, 0);
    const parts = children(top.content);
    return parts[2]?.tag;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------
// OID order

export function compareOids(a: string, b: string): number {
  const x = a.split('.');
  const y = b.split('.');
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = Number(x[i]) - Number(y[i]);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}
