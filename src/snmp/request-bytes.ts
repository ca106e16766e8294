import { createRequire } from 'node:module';
import type * as NetSnmp from 'net-snmp';

// The bytes of one SNMPv1/v2c GET, encoded by net-snmp: a session is made whose socket keeps
// what it is asked to send instead of sending it. Nothing is opened, no timer is started (net-snmp
// arms a request's timer only once the send succeeds, and this send never completes), and the
// session is dropped at once. Used by probe.ts, which sends the same bytes to every address of a
// sweep that is not yet known to answer.

const snmp = createRequire(import.meta.url)('net-snmp') as typeof NetSnmp;

/** A community session never uses its SNMPv3 engine ID: a fixed one spares the random bytes. */
const ENGINE_ID = Buffer.from('8000b98380000000000000000000000000', 'hex');

export interface CommunityCredentials {
  readonly version: '1' | '2c';
  readonly community: string;
}

/** The datagram of a GET for `oids` (net-snmp picks its request id; the caller matches replies by source). */
export function encodeGet(credentials: CommunityCredentials, oids: readonly string[]): Buffer {
  let bytes: Buffer | undefined;
  const keeper = {
    on: () => keeper,
    unref: () => keeper,
    ref: () => keeper,
    close: () => keeper,
    bind: () => keeper,
    send: (buf: Buffer, offset: number, length: number) => {
      bytes = Buffer.from(buf.subarray(offset, offset + length));
    },
  };
  const session = snmp.createSession('127.0.0.1', credentials.community, {
    version: credentials.version === '1' ? snmp.Version1 : snmp.Version2c,
    idBitsSize: 32,
    engineID: ENGINE_ID,
    dgramModule: { createSocket: () => keeper },
  } as NetSnmp.SessionOptions);
  session.get(oids as string[], () => undefined);
  if (!bytes) throw new Error('net-snmp encoded no request');
  return bytes;
}
