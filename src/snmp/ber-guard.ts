// net-snmp 3.29 reads Counter32, Gauge32 and TimeTicks modulo 2^32 (its unsigned reader wraps
// before its range check), so a 5-byte Gauge32 of 2^32 arrives as 0: "0.0 A, no load". This
// check walks a reply's BER structure before net-snmp decodes it and refuses any unsigned
// 32-bit value wider than 32 bits. It only looks; decoding stays net-snmp's job.

/** Application tags of the unsigned 32-bit types: Counter32, Gauge32 (Unsigned32), TimeTicks. */
const UNSIGNED32 = new Set([0x41, 0x42, 0x43]);
/** Nesting deeper than any SNMP message: beyond it the datagram is left to net-snmp. */
const MAX_DEPTH = 8;

/** The first unsigned 32-bit value that does not fit in 32 bits, described; undefined if none. */
export function oversizedUnsigned(msg: Buffer): string | undefined {
  return walk(msg, 0, msg.length, 0);
}

function walk(buf: Buffer, start: number, end: number, depth: number): string | undefined {
  let pos = start;
  while (pos < end) {
    const tag = buf[pos++]!;
    if (pos >= end) return undefined;
    let len = buf[pos++]!;
    if (len & 0x80) {
      const n = len & 0x7f;
      if (n === 0 || n > 4 || pos + n > end) return undefined; // malformed: net-snmp will say so
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + buf[pos++]!;
    }
    if (pos + len > end) return undefined;
    if (UNSIGNED32.has(tag) && (len > 5 || (len === 5 && buf[pos] !== 0))) {
      return `a ${tag === 0x41 ? 'Counter32' : tag === 0x42 ? 'Gauge32' : 'TimeTicks'} value ${len} bytes long, wider than 32 bits`;
    }
    // Constructed (SEQUENCE, PDUs): look inside. An encrypted SNMPv3 PDU is an OCTET STRING: not.
    if (tag & 0x20 && depth < MAX_DEPTH) {
      const inner = walk(buf, pos, pos + len, depth + 1);
      if (inner) return inner;
    }
    pos += len;
  }
  return undefined;
}
