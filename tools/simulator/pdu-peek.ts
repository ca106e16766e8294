// Reads just the header of an SNMPv1/v2c datagram (version, community, PDU type) so the
// server can count requests, including those the agent then rejects or never answers.

import { BerReader } from './ber-reader.js';

export type RequestPduName = 'GetRequest' | 'GetNextRequest' | 'GetBulkRequest' | 'SetRequest';

export interface PeekedMessage {
  /** 0 = v1, 1 = v2c, 3 = v3 (as on the wire). */
  readonly version: number;
  /** Absent for v3, which has no community. */
  readonly community?: string;
  /** Absent when the PDU is not a request (a trap, a response) or cannot be read (v3). */
  readonly pdu?: RequestPduName;
}

// Context-specific constructed tags of RFC 3416 PDUs.
const REQUEST_TAGS: Readonly<Record<number, RequestPduName>> = {
  0xa0: 'GetRequest',
  0xa1: 'GetNextRequest',
  0xa3: 'SetRequest',
  0xa5: 'GetBulkRequest',
};

/** undefined when the datagram is not a readable SNMP message. */
export function peekMessage(datagram: Buffer): PeekedMessage | undefined {
  try {
    const r = new BerReader(datagram);
    r.header(0x30);
    const v = r.header(0x02);
    if (v.length !== 1) return undefined;
    const version = r.byte();
    if (version === 3) return { version };
    if (version !== 0 && version !== 1) return undefined;
    const c = r.header(0x04);
    const community = r.take(c.length).toString('utf8');
    const pdu = REQUEST_TAGS[r.header().tag];
    return pdu ? { version, community, pdu } : { version, community };
  } catch {
    return undefined;
  }
}
