// Sweeps (issue 12): up to `concurrency` units in flight hold a connected socket each; the rest
// share one socket and are probed there first, so a silent address costs a queue entry, not a
// session or a descriptor. Not timed (speed is bench/'s job): what is checked is what the design
// promises. Live units on 127.0.94.0/24, swept addresses in 127.95.0.0/16 (nothing listens
// there), port 16295.

import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBundledAdvisories } from '../../src/audit/advisory.js';
import type { AuditResult } from '../../src/audit/audit-result.js';
import { defaultDeps, INTERRUPTED_BEFORE, INTERRUPTED_WHILE, type PollDeps } from '../../src/poll/poll-unit.js';
import type { SessionOptions } from '../../src/snmp/session.js';
import { scan, type ScanOptions } from '../../src/scan/scan.js';
import { SnmpRequestError } from '../../src/snmp/session.js';
import { scaleFleet, type SimUnit } from '../../tools/simulator/fleet.js';
import { startFleet, type RunningFleet } from '../../tools/simulator/server.js';
import type { AuditTarget, Credentials } from '../../src/targets/target.js';
import { testPort } from '../helpers/test-net.js';

const PORT = testPort('scan/sweep');
const advisories = loadBundledAdvisories();
const credentials: Credentials = { version: '2c', community: 'public' };
const openFds = () => readdirSync('/proc/self/fd').length;

let fleet: RunningFleet;
const of = (b: SimUnit['behaviour']) => fleet.units.filter((u) => u.behaviour === b);
const unitTarget = (u: SimUnit): AuditTarget => ({ target: { host: u.host, port: u.port, origin: u.name }, credentials });
/** The i-th address of 127.95.0.0/16, where nothing listens. */
const swept = (i: number): AuditTarget => ({
  target: { host: `127.95.${(i >> 8) & 255}.${i & 255}`, port: PORT, origin: `sweep ${i}` },
  credentials,
});

beforeAll(async () => {
  fleet = await startFleet(scaleFleet(40, { baseAddress: '127.0.94.1', port: PORT, closedFraction: 0.25 }));
  expect(of('agent').length).toBeGreaterThanOrEqual(20);
  expect(of('closed').length).toBeGreaterThanOrEqual(5);
});
afterAll(async () => {
  await fleet?.stop();
});

describe('a sparse sweep on the shared socket', () => {
  it('reports every target once, with live units right, and never opens more than concurrency + 1 sockets', async () => {
    const CONCURRENCY = 16;
    const live = of('agent');
    // 3,000 targets: the live units spread among silent addresses (1 % or so answer).
    const targets: AuditTarget[] = [];
    for (let i = 0; i < 3000; i++) targets.push(i % 100 === 50 && live[i / 100 - 0.5] ? unitTarget(live[i / 100 - 0.5]!) : swept(i));
    const liveTargets = targets.filter((t) => t.target.host.startsWith('127.0.94.'));
    expect(liveTargets.length).toBe(Math.min(30, live.length));
    const baseline = openFds();
    let mostFds = baseline;
    const sample = setInterval(() => (mostFds = Math.max(mostFds, openFds())), 2);
    const seen: AuditResult[] = [];
    try {
      await scan(targets, {
        timeoutMs: 200,
        retries: 0,
        concurrency: CONCURRENCY,
        maxInFlight: 4096,
        advisories,
        collect: false,
        onResult: (r) => {
          seen.push(r);
          mostFds = Math.max(mostFds, openFds());
        },
      } satisfies ScanOptions);
    } finally {
      clearInterval(sample);
    }
    // Every target exactly once.
    expect(seen).toHaveLength(targets.length);
    expect(new Set(seen.map((r) => r.target.origin)).size).toBe(targets.length);
    for (const t of liveTargets) {
      const u = live.find((x) => x.host === t.target.host)!;
      expect(seen.find((r) => r.target.host === t.target.host)?.finding.verdict, u.name).toBe(u.expect.verdict);
    }
    // Silent addresses: unreachable, one datagram each (no retries asked).
    for (const r of seen.filter((x) => x.target.host.startsWith('127.95.'))) {
      expect(r.finding.verdict).toBe('unreachable');
      expect(r.requests).toBe(1);
    }
    // The design's promise: `concurrency` connected sockets and one shared socket, a few for Node.
    expect(mostFds - baseline).toBeLessThanOrEqual(CONCURRENCY + 1 + 6);
    await new Promise((r) => setTimeout(r, 20));
    expect(openFds()).toBeLessThanOrEqual(baseline + 2);
  }, 30_000);

  it('opens a session on the shared socket only for an address that answered its probe', async () => {
    const live = of('agent');
    const targets: AuditTarget[] = [];
    for (let i = 0; i < 2000; i++) targets.push(i % 100 === 50 && live[i / 100 - 0.5] ? unitTarget(live[i / 100 - 0.5]!) : swept(i));
    const opened: SessionOptions[] = [];
    const deps: PollDeps = { ...defaultDeps, open: (o) => (opened.push(o), defaultDeps.open(o)) };
    const results = await scan(targets, { timeoutMs: 150, retries: 1, concurrency: 4, maxInFlight: 4096, advisories }, deps);
    expect(results).toHaveLength(targets.length);
    const onShared = opened.filter((o) => o.shared !== undefined);
    const liveHosts = new Set(live.map((u) => u.host));
    // Thousands of silent addresses went by the shared socket; none of them got a session.
    expect(onShared.length).toBeGreaterThan(0);
    for (const o of onShared) expect(liveHosts.has(o.address), o.address).toBe(true);
    // A live unit reached through its probe counts the probe in its requests.
    for (const o of onShared) expect(results.find((r) => r.target.host === o.address)!.requests).toBeGreaterThanOrEqual(2);
    // Nothing listens on 127.95/16: on a connected socket the kernel's "port unreachable" ends a
    // unit at once; on the shared socket it is not heard, so there the probe waits out every try.
    const silent = results.filter((r) => r.finding.reason === 'no answer after 150 ms × 2 tries from port 16295 (host down, no SNMP agent, or wrong community)');
    expect(silent.length).toBeGreaterThan(100);
    for (const r of silent) expect(r.requests).toBe(2);
    for (const r of results) if (r.target.host.startsWith('127.95.')) expect(r.finding.verdict).toBe('unreachable');
  }, 30_000);

  it('an interrupted sweep still reports every target once, the probed ones included', async () => {
    const targets = Array.from({ length: 5000 }, (_, i) => swept(i));
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 100);
    const results = await scan(targets, { timeoutMs: 5000, retries: 1, concurrency: 4, maxInFlight: 4096, advisories, signal: stop.signal, graceMs: 100 });
    expect(results).toHaveLength(targets.length);
    expect(new Set(results.map((r) => r.target.origin)).size).toBe(targets.length);
    // Refused at once on a connected socket before the interrupt, or left unfinished by it.
    const unfinished = results.filter((r) => r.finding.verdict === 'unknown');
    for (const r of results.filter((x) => x.finding.verdict !== 'unknown')) expect(r.finding.reason).toMatch(/port unreachable/);
    expect(unfinished.length).toBeGreaterThan(1000);
    expect(new Set(unfinished.map((r) => r.finding.reason))).toEqual(new Set([INTERRUPTED_BEFORE, INTERRUPTED_WHILE]));
    for (const r of unfinished) {
      // "while polling" only for a unit something was sent to, and never more than its first try.
      expect(r.requests).toBe(r.finding.reason === INTERRUPTED_WHILE ? 1 : 0);
    }
  }, 30_000);

  it('still reports closed ports of listed targets at once (connected sockets), not as silent', async () => {
    const closed = of('closed');
    const results = await scan(closed.map(unitTarget), { timeoutMs: 5000, retries: 1, concurrency: closed.length, maxInFlight: 4096, advisories });
    expect(results).toHaveLength(closed.length);
    // "port unreachable" is only ever said on an ICMP answer: a timeout would read "no answer after 5000 ms".
    for (const r of results) expect(r.finding.reason).toMatch(/port unreachable/);
  });

  it('pulls a 65,536-target lazy list only as units finish: in flight and memory stay bounded', async () => {
    const COUNT = 65_536;
    const MAX_IN_FLIGHT = 2048;
    let pulled = 0;
    let finished = 0;
    let mostAhead = 0;
    function* targets(): Generator<AuditTarget> {
      for (let i = 0; i < COUNT; i++) {
        pulled++;
        mostAhead = Math.max(mostAhead, pulled - finished);
        yield swept(i);
      }
    }
    // No network (the shared socket is exercised above): every unit stays silent until the
    // scheduler has stopped starting units (no new request for 200 ms: it holds as many as it
    // allows), then that whole wave fails as silent units do. Not timed: how many were in flight
    // depends on the scheduler only, not on how fast this machine is.
    const waiting: Array<(e: Error) => void> = [];
    let lastRequest = performance.now();
    const release = setInterval(() => {
      if (waiting.length === 0 || performance.now() - lastRequest < 200) return;
      for (const reject of waiting.splice(0)) reject(new SnmpRequestError('timeout', 'no answer after 5 ms × 1 tries'));
    }, 50);
    const silent = () =>
      new Promise<never>((_, reject) => {
        lastRequest = performance.now();
        waiting.push(reject);
      });
    const deps: PollDeps = {
      resolve: (host) => ({ address: host, family: 4 }),
      open: () => ({ get: silent, next: silent, close: () => undefined }),
    };
    const heapBefore = process.memoryUsage().heapUsed;
    let heapPeak = heapBefore;
    const sample = setInterval(() => (heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed)), 5);
    try {
      const returned = await scan(
        targets(),
        {
          timeoutMs: 5,
          retries: 0,
          concurrency: 8,
          maxInFlight: MAX_IN_FLIGHT,
          // The sessions are doubles: no probe on the wire.
          probe: false,
          advisories,
          collect: false,
          keepRaw: false,
          onResult: () => void finished++,
        },
        deps,
      );
      expect(returned).toEqual([]);
    } finally {
      clearInterval(sample);
      clearInterval(release);
    }
    expect(finished).toBe(COUNT);
    expect(pulled).toBe(COUNT);
    expect(mostAhead).toBeLessThanOrEqual(MAX_IN_FLIGHT);
    // The scheduler filled every place while units stayed silent (the window widened for them)...
    expect(mostAhead).toBe(MAX_IN_FLIGHT);
    // ...and memory followed the units in flight, not the list.
    expect((heapPeak - heapBefore) / 2 ** 20).toBeLessThan(64);
  }, 60_000);
});
