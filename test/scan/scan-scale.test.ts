import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadBundledAdvisories } from '../../src/audit/advisory.js';
import type { AuditResult } from '../../src/audit/audit-result.js';
import { defaultConcurrency, fileLimit } from '../../src/scan/fd-limit.js';
import { scan, type ScanOptions } from '../../src/scan/scan.js';
import { scaleFleet, type SimUnit } from '../../tools/simulator/fleet.js';
import { startFleet, type RunningFleet } from '../../tools/simulator/server.js';
import type { AuditTarget } from '../../src/targets/target.js';
import { testPort } from '../helpers/test-net.js';

// A fleet of 2,000 units with dead hosts and closed ports, in this process (127.6.0.0/16, own
// port): open sockets never exceed the concurrency, and dead hosts wait out their timeouts together.
const PORT = testPort('scan/scan-scale');
const UNITS = 2000;
const advisories = loadBundledAdvisories();

// The fleet's own sockets live in this process too: without room for them and the scan, skip.
const limit = fileLimit();
const roomy = limit.soft - limit.open > UNITS + 2000;

let fleet: RunningFleet;
const target = (u: SimUnit): AuditTarget => ({
  target: { host: u.host, port: u.port, origin: u.name },
  credentials: { version: '2c', community: u.community },
});
const openFds = () => readdirSync('/proc/self/fd').length;

function checkEveryUnitOnce(results: readonly AuditResult[], units: readonly SimUnit[]) {
  expect(results).toHaveLength(units.length);
  const byHost = new Map(results.map((r) => [r.target.host, r]));
  expect(byHost.size).toBe(units.length);
  const wrong = units.filter((u) => byHost.get(u.host)?.finding.verdict !== u.expect.verdict);
  expect(wrong.map((u) => `${u.name}: ${byHost.get(u.host)?.finding.reason}`)).toEqual([]);
}

describe.skipIf(!roomy)(`a 2,000-unit fleet (10% silent, 5% closed)${roomy ? '' : ' (skipped: ulimit -n leaves too few file descriptors for 2,000 sockets)'}`, () => {
  beforeAll(async () => {
    fleet = await startFleet(
      scaleFleet(UNITS, { baseAddress: '127.6.0.1', port: PORT, silentFraction: 0.1, closedFraction: 0.05, latencyMs: 20 }),
    );
  }, 60_000);
  afterAll(async () => {
    await fleet?.stop();
  });
  beforeEach(() => fleet.resetCounters());

  it('never has more units in flight than the concurrency: on the wire, and in open descriptors', async () => {
    const CONCURRENCY = 64;
    const baseline = openFds();
    let mostFds = baseline;
    const sample = setInterval(() => (mostFds = Math.max(mostFds, openFds())), 3);
    let results: AuditResult[];
    try {
      results = await scan(fleet.units.map(target), {
        timeoutMs: 300,
        retries: 0,
        concurrency: CONCURRENCY,
        advisories,
        onResult: () => (mostFds = Math.max(mostFds, openFds())),
      } satisfies ScanOptions);
    } finally {
      clearInterval(sample);
    }
    checkEveryUnitOnce(results, fleet.units);
    // With 20 ms of latency per answer the units see the scan's parallelism: at most N at once, and
    // not far below it either (else the bound would prove nothing).
    const peak = fleet.fleetPeakInFlight();
    expect(peak).toBeLessThanOrEqual(CONCURRENCY);
    expect(peak).toBeGreaterThanOrEqual(CONCURRENCY / 2);
    // One socket per unit in flight, closed when it is done; a few more for Node itself.
    expect(mostFds - baseline).toBeLessThanOrEqual(CONCURRENCY + 8);
    expect(mostFds - baseline).toBeGreaterThanOrEqual(CONCURRENCY / 2);
    // Every socket was closed again.
    await new Promise((r) => setTimeout(r, 20));
    expect(openFds()).toBeLessThanOrEqual(baseline + 2);
  }, 60_000);

  it('lets dead hosts wait out their timeouts together: at most 1.5 × timeout × tries more than the live units alone', async () => {
    // Long enough that half of it (the allowed slack) dwarfs the noise of a shared CI machine.
    const timeoutMs = 1000;
    const retries = 1;
    const deadMs = timeoutMs * (retries + 1);
    const options: ScanOptions = { timeoutMs, retries, concurrency: defaultConcurrency(), advisories, collect: false };
    expect(options.concurrency).toBeGreaterThanOrEqual(500);

    const live = fleet.units.filter((u) => u.behaviour === 'agent');
    const timeLive = async () => {
      const started = performance.now();
      await scan(live.map(target), options);
      return performance.now() - started;
    };
    const liveBefore = await timeLive();

    const seen: AuditResult[] = [];
    const started = performance.now();
    const returned = await scan(fleet.units.map(target), { ...options, onResult: (r) => seen.push(r) });
    const allMs = performance.now() - started;
    // Other test files share the CPUs: the live-only time is taken on both sides, the slower counts.
    const liveMs = Math.max(liveBefore, await timeLive());
    expect(returned).toEqual([]); // collect: false keeps nothing
    checkEveryUnitOnce(seen, fleet.units);
    expect(allMs, `live alone ${liveMs.toFixed(0)} ms, whole fleet ${allMs.toFixed(0)} ms`).toBeLessThanOrEqual(1.5 * deadMs + liveMs);
    expect(allMs).toBeGreaterThanOrEqual(deadMs);
  }, 60_000);
});
