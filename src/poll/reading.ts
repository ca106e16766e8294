import type { ObjectKey } from './oid-map.js';

// What one unit answered, before any interpretation. The poller fills it; the classifier
// reads it; the JSON report shows it (as `raw`). Keys are the names in oid-map.ts.

export type RawValue =
  | { readonly type: 'integer'; readonly value: number }
  | { readonly type: 'string'; readonly value: string; readonly invalidUtf8?: true; readonly truncated?: true }
  | { readonly type: 'oid'; readonly value: string }
  /** Anything else the agent sent for this object (a counter, an IP address...): kept as text. */
  | { readonly type: 'other'; readonly value: string; readonly snmpType: string };

/** Objects the unit answered. An absent key means the unit did not have the object. */
export type Reading = Partial<Record<ObjectKey, RawValue>>;

/** Rows found by walking a column when the known instance was missing: instance suffix -> value. */
export type WalkedRows = Partial<Record<ObjectKey, ReadonlyArray<{ readonly instance: string; readonly value: RawValue }>>>;

export interface PollAnswer {
  readonly reading: Reading;
  readonly walked: WalkedRows;
  /** SNMP requests sent to this unit (GETs and walk steps), to keep the common case at one. */
  readonly requests: number;
}

/** Why a unit gave no usable answer. `kind` is for machines; `message` is the reason shown. */
export type PollFailureKind = 'timeout' | 'refused' | 'dns' | 'auth' | 'protocol' | 'error' | 'interrupted';

export interface PollFailure {
  readonly kind: PollFailureKind;
  readonly message: string;
}

export type PollOutcome = ({ readonly ok: true } & PollAnswer) | ({ readonly ok: false; readonly requests: number } & PollFailure);

/** Text of a string value, or undefined: an OID or integer where a string belongs is not text. */
export function text(v: RawValue | undefined): string | undefined {
  return v?.type === 'string' ? v.value : undefined;
}

/** An OID value (sysObjectID), or undefined. */
export function oid(v: RawValue | undefined): string | undefined {
  return v?.type === 'oid' ? v.value : undefined;
}

/** Integer value, or undefined when absent or not an integer. */
export function int(v: RawValue | undefined): number | undefined {
  return v?.type === 'integer' ? v.value : undefined;
}
