// The simulator's BER reading (request PDU types for the counters, SNMPv3 headers for the USM
// front): definite lengths only, as SNMP uses; every overrun throws.

export class BerReader {
  constructor(
    private readonly buf: Buffer,
    public pos = 0,
    private readonly end = buf.length,
  ) {}

  /** Tag and definite length; leaves `pos` at the content. */
  header(expected?: number): { tag: number; length: number } {
    const tag = this.byte();
    if (expected !== undefined && tag !== expected) throw new Error('unexpected tag');
    let length = this.byte();
    if (length & 0x80) {
      const count = length & 0x7f;
      if (count === 0 || count > 4) throw new Error('bad length');
      length = 0;
      for (let i = 0; i < count; i++) length = length * 256 + this.byte();
    }
    if (this.pos + length > this.end) throw new Error('truncated');
    return { tag, length };
  }

  byte(): number {
    if (this.pos >= this.end) throw new Error('truncated');
    return this.buf[this.pos++]!;
  }

  /** A view into the buffer, not a copy: the digest is checked in place. */
  octets(): Buffer {
    const { length } = this.header(0x04);
    const out = this.buf.subarray(this.pos, this.pos + length);
    this.pos += length;
    return out;
  }

  take(length: number): Buffer {
    if (this.pos + length > this.end) throw new Error('truncated');
    const out = this.buf.subarray(this.pos, this.pos + length);
    this.pos += length;
    return out;
  }

  integer(): number {
    const { length } = this.header(0x02);
    if (length < 1 || length > 5) throw new Error('bad integer');
    let n = this.buf[this.pos]! & 0x80 ? -1 : 0;
    for (let i = 0; i < length; i++) n = n * 256 + this.byte();
    return n;
  }

  /** A reader over the next `length` bytes, which this one skips. */
  sub(length: number): BerReader {
    const r = new BerReader(this.buf, this.pos, this.pos + length);
    this.pos += length;
    return r;
  }
}
