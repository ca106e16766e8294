// Warms a freshly started fleet: every answering unit gets `rounds` GETs of the objects an
// audit reads, from a client inside the simulator, and the counters are zeroed afterwards.
//
// Why: the whole fleet is one Node process, and its first few thousand requests run
// through V8's interpreter and baseline code at well over the steady cost per request. Real
// units are separate boxes with no such first-contact penalty; without a warm-up, whichever
// tool meets a fresh simulator first pays for its compilation (see bench/README.md).

import snmp from 'net-snmp';
import { OBJECT_OIDS } from '../../src/poll/oid-map.js';
import type { SimUnit } from './fleet.js';
import type { RunningFleet } from './server.js';

/** Units warmed at once: a handful of sockets on top of the fleet's own. */
const PARALLEL = 32;
const TIMEOUT_MS = 2000;

export interface WarmUpResult {
  readonly requests: number;
  /** Requests that got no answer (should be 0: only answering units are asked). */
  readonly failed: number;
}

/** GETs each `agent` unit `rounds` times (v2c, its accepted community), then resets the counters. */
export async function warmUp(fleet: RunningFleet, rounds: number): Promise<WarmUpResult> {
  const units = fleet.units.filter((u) => u.behaviour === 'agent');
  let requests = 0;
  let failed = 0;
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < units.length; i = next++) {
      for (let r = 0; r < rounds; r++) {
        requests++;
        if (!(await get(units[i]!))) failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, units.length) }, worker));
  fleet.resetCounters();
  return { requests, failed };
}

function get(unit: SimUnit): Promise<boolean> {
  const session = snmp.createSession(unit.host, unit.acceptedCommunity, {
    port: unit.port,
    version: snmp.Version2c,
    timeout: TIMEOUT_MS,
    retries: 0,
  });
  return new Promise<boolean>((resolve) => {
    session.on('error', () => undefined);
    session.get([...OBJECT_OIDS], (error) => {
      session.close();
      resolve(!error);
    });
  });
}
