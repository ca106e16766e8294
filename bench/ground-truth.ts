// What each simulated unit serves for the objects every tool is asked for, computed from the
// simulator's own fleet definition (same arguments, same fleet) rather than from any tool's
// output, so every tool is checked against the same reference and not against one another.

import snmp from 'net-snmp';
import { OBJECTS, OBJECT_KEYS, OBJECT_OIDS, type ObjectKey } from '../src/poll/oid-map.js';
import { scaleFleet, type Behaviour } from '../tools/simulator/fleet.js';
import { unitVarbinds, type SimVarbind } from '../tools/simulator/profiles.js';
import type { Verdict } from '../src/audit/finding.js';

/** The instance OIDs fetched per unit, in oid-map order (no leading dot). One source: oid-map.ts. */
export const FETCHED_OIDS = OBJECT_OIDS;

export const OID_TO_KEY: ReadonlyMap<string, ObjectKey> = new Map(OBJECT_KEYS.map((k) => [OBJECTS[k].oid, k]));

/** How a value is compared across tools that print it differently. */
export type ValueKind = 'integer' | 'string' | 'oid' | 'other';

export interface Value {
  readonly kind: ValueKind;
  /** Integers in decimal, strings as text, OIDs dotted without a leading dot. */
  readonly text: string;
}

export interface TruthUnit {
  readonly host: string;
  readonly port: number;
  readonly behaviour: Behaviour;
  readonly verdict: Verdict;
  /** OID -> value for the fetched objects the unit has (empty unless it answers). */
  readonly values: ReadonlyMap<string, Value>;
}

export interface FleetShape {
  readonly units: number;
  readonly port: number;
  readonly silent: number;
  readonly closed: number;
}

function valueOf(v: SimVarbind): Value {
  const T = snmp.ObjectType;
  switch (v.type) {
    case T.Integer:
    case T.Gauge32:
    case T.Counter32:
    case T.TimeTicks:
      return { kind: 'integer', text: String(v.value) };
    case T.OctetString:
      return { kind: 'string', text: Buffer.isBuffer(v.value) ? v.value.toString('utf8') : String(v.value) };
    case T.OID:
      return { kind: 'oid', text: String(v.value).replace(/^\./, '') };
    default:
      return { kind: 'other', text: Buffer.isBuffer(v.value) ? v.value.toString('hex') : String(v.value) };
  }
}

export function groundTruth(shape: FleetShape): TruthUnit[] {
  const fleet = scaleFleet(shape.units, { port: shape.port, silentFraction: shape.silent, closedFraction: shape.closed });
  const wanted = new Set(FETCHED_OIDS);
  return fleet.map((u) => {
    const values = new Map<string, Value>();
    if (u.behaviour === 'agent') {
      for (const vb of unitVarbinds(u.description)) if (wanted.has(vb.oid)) values.set(vb.oid, valueOf(vb));
    }
    return { host: u.host, port: u.port, behaviour: u.behaviour, verdict: u.expect.verdict, values };
  });
}
