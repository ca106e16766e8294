// The one error type the SNMP boundary lets out. In a module of its own so that session.ts
// and v3.ts can both make it without importing each other.

export type SnmpErrorKind = 'timeout' | 'refused' | 'no-such-name' | 'failed' | 'invalid-response' | 'socket' | 'interrupted';

export class SnmpRequestError extends Error {
  override readonly name = 'SnmpRequestError';
  constructor(
    readonly kind: SnmpErrorKind,
    message: string,
    /** For `no-such-name` (SNMPv1): the object the agent refused. */
    readonly oid?: string,
  ) {
    super(message);
  }
}
