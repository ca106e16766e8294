import { describe, expect, it } from 'vitest';
import { oversizedUnsigned } from '../../src/snmp/ber-guard.js';

// A v2c Response PDU with one varbind, built by hand: SEQUENCE { version, community, Response { id, 0, 0, varbinds } }.
function response(value: number[]): Buffer {
  const tlv = (tag: number, body: number[]) => [tag, body.length, ...body];
  const oid = tlv(0x06, [0x2b, 6, 1, 2, 1, 1, 3, 0]);
  const varbind = tlv(0x30, [...oid, ...value]);
  const pdu = tlv(0xa2, [...tlv(0x02, [1]), ...tlv(0x02, [0]), ...tlv(0x02, [0]), ...tlv(0x30, varbind)]);
  return Buffer.from(tlv(0x30, [...tlv(0x02, [1]), ...tlv(0x04, [...Buffer.from('public')]), ...pdu]));
}

describe('oversizedUnsigned', () => {
  it('accepts unsigned 32-bit values up to 2^32 - 1, including the 5-byte form with a leading zero', () => {
    expect(oversizedUnsigned(response([0x42, 1, 77]))).toBeUndefined();
    expect(oversizedUnsigned(response([0x42, 5, 0, 0xff, 0xff, 0xff, 0xff]))).toBeUndefined();
    expect(oversizedUnsigned(response([0x02, 1, 0xff]))).toBeUndefined();
  });

  it('refuses a Gauge32, Counter32 or TimeTicks wider than 32 bits (net-snmp would wrap it to 0)', () => {
    expect(oversizedUnsigned(response([0x42, 5, 1, 0, 0, 0, 0]))).toBe('a Gauge32 value 5 bytes long, wider than 32 bits');
    expect(oversizedUnsigned(response([0x41, 6, 0, 1, 0, 0, 0, 0]))).toMatch(/Counter32 value 6 bytes/);
    expect(oversizedUnsigned(response([0x43, 5, 0x80, 0, 0, 0, 0]))).toMatch(/TimeTicks/);
  });

  it('leaves malformed or truncated datagrams to net-snmp', () => {
    expect(oversizedUnsigned(Buffer.from([0x30, 0x84, 0xff]))).toBeUndefined();
    expect(oversizedUnsigned(Buffer.from([0x30, 10, 0x42]))).toBeUndefined();
    expect(oversizedUnsigned(Buffer.alloc(0))).toBeUndefined();
  });
});
