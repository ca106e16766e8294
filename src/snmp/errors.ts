// The one error type the SNMP boundary lets out. In a module of its own so that session.ts
// and v3.ts can both make it without importing each other.

/**
 * `invalid-response`: a reply that could not be decoded or says something impossible (the message
 * starts "malformed reply from the agent: "); `too-big`: the agent's tooBig error-status (ask for
 * less); `over-budget`: the unit would have needed more datagrams than one request may send.
 */
export type SnmpErrorKind =
  | 'timeout'
  | 'refused'
  | 'no-such-name'
  | 'too-big'
  | 'failed'
  | 'invalid-response'
  | 'over-budget'
  | 'socket'
  | 'interrupted';

/** The start of every `invalid-response` message. */
export const MALFORMED = 'malformed reply from the agent: ';

export class SnmpRequestError extends Error {
  override readonly name = 'SnmpRequestError';
  constructor(
    readonly kind: SnmpErrorKind,
    message: string,
    /** For `no-such-name` (SNMPv1): the object the agent refused. */
    readonly oid?: string,
  ) {
    // Only the message ever reaches a person: no stack is captured (a sweep makes one of
    // these per silent address, and capturing the stack was a measurable share of its CPU).
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
  }
}

/** The words of a request that got no answer at all: "no answer after 2000 ms × 2 tries". */
export function noAnswer(timeoutMs: number, retries: number): string {
  return `no answer after ${timeoutMs} ms × ${retries + 1 === 1 ? '1 try' : `${retries + 1} tries`}`;
}
