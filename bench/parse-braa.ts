// Reads braa 0.82's output. Each query carries an id (`community@host:port:oid/id`) because braa
// prints OIDs wrongly (only their last sub-identifier), so the id is what tells the objects apart:
//   o2:127.1.0.1:20ms:.0:.11            (id, host, delay, mangled OID, value)
// braa prints integers and strings alike (no type) and OID values as their last arc only.
// On stderr: `127.1.0.1: Message cannot be decoded!` for an answer it cannot parse (any SNMPv2
// exception such as noSuchObject makes the whole answer undecodable).

import { OBJECTS, OBJECT_KEYS } from '../src/poll/oid-map.js';
import type { HostValues, ToolValue } from './compare.js';
import { FETCHED_OIDS } from './ground-truth.js';

const OID_VALUED = new Set(OBJECT_KEYS.filter((k) => OBJECTS[k].kind === 'oid').map((k) => OBJECTS[k].oid));

/** The query id for the i-th fetched OID. */
export function braaId(index: number): string {
  return `o${index}`;
}

const LINE = /^o(\d+):(\d+\.\d+\.\d+\.\d+):-?\d+ms:[^:]*:(.*)$/;

/** Adds one braa stdout's values into `into`. Returns lines it could not read. */
export function parseBraa(stdout: string, into: HostValues): string[] {
  const unread: string[] = [];
  let last: { host: string; oid: string } | undefined;
  for (const line of stdout.split('\n')) {
    const m = LINE.exec(line);
    const oid = m ? FETCHED_OIDS[Number(m[1])] : undefined;
    if (m && oid !== undefined) {
      const host = m[2]!;
      const value: ToolValue = OID_VALUED.has(oid) ? { kind: 'oid-last-arc', text: m[3]! } : { kind: 'string', text: m[3]! };
      let unit = into.get(host);
      if (!unit) into.set(host, (unit = new Map()));
      unit.set(oid, value);
      last = { host, oid };
    } else if (last && line !== '') {
      // A value with a line break goes on over the next lines.
      const unit = into.get(last.host)!;
      const prev = unit.get(last.oid)!;
      unit.set(last.oid, { ...prev, text: `${prev.text}\n${line}` });
    } else if (line.trim() !== '') {
      unread.push(line);
    }
  }
  return unread;
}

/** Hosts braa reported an undecodable answer from, with how many times. */
export function undecodable(stderr: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of stderr.matchAll(/^(\d+\.\d+\.\d+\.\d+): Message cannot be decoded!$/gm)) {
    out.set(m[1]!, (out.get(m[1]!) ?? 0) + 1);
  }
  return out;
}
