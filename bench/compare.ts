// Compares what one tool read (host -> OID -> value) with what the simulator serves.

import { FETCHED_OIDS, type TruthUnit, type Value } from './ground-truth.js';

/** What a tool read, per host: OID -> value. A host that gave nothing usable is absent or empty. */
export type HostValues = Map<string, Map<string, ToolValue>>;

/**
 * A value as a tool printed it. `oid-last-arc`: the tool printed only the last sub-identifier of
 * an OID value (braa 0.82 does: `.1.3.6.1.4.1.318.1.3.11` comes out as `.11`).
 */
export type ToolValue = Value | { readonly kind: 'oid-last-arc'; readonly text: string };

export interface Comparison {
  readonly units: number;
  /** Objects the simulator serves for those units among the fetched OIDs. */
  readonly expected: number;
  readonly exact: number;
  /** Matched on the last arc only (OID values from a tool that prints no more). */
  readonly lastArcOnly: number;
  readonly missing: number;
  readonly extra: number;
  readonly different: number;
  /** A few concrete differences, for the report. */
  readonly examples: readonly string[];
}

export function ok(c: Comparison): boolean {
  return c.missing === 0 && c.extra === 0 && c.different === 0;
}

function same(truth: Value, got: ToolValue): 'exact' | 'last-arc' | false {
  if (got.kind === 'oid-last-arc') {
    if (truth.kind !== 'oid') return false;
    const arc = got.text.replace(/^\./, '');
    return truth.text === arc || truth.text.endsWith(`.${arc}`) ? 'last-arc' : false;
  }
  // Integers and strings print alike in some tools (braa gives no type): compare the text.
  return truth.text === got.text ? 'exact' : false;
}

const MAX_EXAMPLES = 5;

/** Checks every unit of `units` (the ones the tool was pointed at) on every fetched OID. */
export function compare(units: readonly TruthUnit[], got: HostValues): Comparison {
  let expected = 0;
  let exact = 0;
  let lastArcOnly = 0;
  let missing = 0;
  let extra = 0;
  let different = 0;
  const examples: string[] = [];
  const note = (s: string) => {
    if (examples.length < MAX_EXAMPLES) examples.push(s);
  };
  for (const u of units) {
    const read = got.get(u.host) ?? new Map<string, ToolValue>();
    for (const oid of FETCHED_OIDS) {
      const truth = u.values.get(oid);
      const value = read.get(oid);
      if (truth) expected++;
      if (truth && !value) {
        missing++;
        note(`${u.host} ${oid}: missing (served ${JSON.stringify(truth.text)})`);
      } else if (!truth && value) {
        extra++;
        note(`${u.host} ${oid}: ${JSON.stringify(value.text)} read, but the unit does not serve it`);
      } else if (truth && value) {
        const s = same(truth, value);
        if (s === 'exact') exact++;
        else if (s === 'last-arc') lastArcOnly++;
        else {
          different++;
          note(`${u.host} ${oid}: read ${JSON.stringify(value.text)}, served ${JSON.stringify(truth.text)}`);
        }
      }
    }
  }
  return { units: units.length, expected, exact, lastArcOnly, missing, extra, different, examples };
}
