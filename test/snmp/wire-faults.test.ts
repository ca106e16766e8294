// Gentle on the wire, whatever the agent does (issue 9): every datagram counts against the
// unit's budget and --rate; SNMPv3 agents that answer every message with a Report get at most
// (retries + 1) × 2 requests per query; walks refuse OIDs that go back; tooBig is asked again
// smaller; a reply that cannot be decoded is a malformed reply, not a dead host. Against the
// fault agent (its own BER, no net-snmp). Addresses 127.0.93.0/24, port 16293 (this file only).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBundledAdvisories } from '../../src/audit/advisory.js';
import { OBJECTS } from '../../src/poll/oid-map.js';
import { pollUnit } from '../../src/poll/poll-unit.js';
import { auditOne, scan, type ScanOptions } from '../../src/scan/scan.js';
import { datagramBudget } from '../../src/snmp/session.js';
import type { AuditTarget, Credentials } from '../../src/targets/target.js';
import { AP7724 } from '../fixtures/units.js';
import { startFaultFleet, tableFromDescription, v, within, type Fault, type FaultFleet, type FaultUnit } from '../helpers/fault-agent.js';
import { testPort } from '../helpers/test-net.js';

const PORT = testPort('snmp/wire-faults');
const advisories = loadBundledAdvisories();
const TABLE = tableFromDescription(AP7724);
const v3: Credentials = { version: '3', level: 'noAuthNoPriv', user: 'audit' };
const v2c: Credentials = { version: '2c', community: 'public' };
/** Voltage rows at instances other than the ones asked for: found only by walking the column. */
const VOLTAGE_COLUMN = OBJECTS.atsInputVoltageA.column;
const WALKED_VOLTAGES = TABLE.without(['atsInputVoltageA', 'atsInputVoltageB']).with(
  Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`${VOLTAGE_COLUMN}.${i + 3}.1.1`, v.int(230 + i)])),
);

const units: Array<Omit<FaultUnit, 'host' | 'port' | 'table'> & { table?: FaultUnit['table'] }> = [
  { name: 'empty-engine', fault: { kind: 'v3-empty-engine-id' } },
  { name: 'unknown-engine', fault: { kind: 'v3-endless-report', report: 'unknown-engine' } },
  { name: 'time-window', fault: { kind: 'v3-endless-report', report: 'not-in-time-window' } },
  { name: 'too-big', fault: { kind: 'too-big', maxVarbinds: 4 } },
  { name: 'too-big-one', fault: { kind: 'too-big', maxVarbinds: 0 } },
  // Voltage instances missing: the voltage column is walked, and the walk goes backwards.
  { name: 'walk-backwards', fault: { kind: 'walk-backwards' }, table: TABLE.without(['atsInputVoltageA', 'atsInputVoltageB']) },
  { name: 'too-big-walk', fault: { kind: 'too-big', maxVarbinds: 64, maxBulkRows: 5 }, table: WALKED_VOLTAGES },
  { name: 'garbage', fault: { kind: 'random-bytes', length: 40 } },
  { name: 'out-of-range', fault: { kind: 'values', label: 'gauge 2^32', values: { atsOutputCurrent: v.raw(0x42, Buffer.from([1, 0, 0, 0, 0])) } } },
];

let fleet: FaultFleet;
const host = (name: string) => fleet.agent(name).unit.host;
const target = (name: string, credentials: Credentials): AuditTarget => ({ target: { host: host(name), port: PORT, origin: name }, credentials });
const options = (over: Partial<ScanOptions> = {}): ScanOptions => ({ timeoutMs: 300, retries: 1, concurrency: 8, advisories, ...over });
const received = (name: string) => fleet.agent(name).stats().received.length;

beforeAll(async () => {
  fleet = await startFaultFleet(units.map((u, i) => ({ table: TABLE, ...u, host: `127.0.93.${i + 1}`, port: PORT })));
});
afterAll(async () => {
  await fleet?.stop();
});

describe('SNMPv3 agents that never stop reporting', () => {
  it.each([
    ['empty-engine', /empty engine ID/],
    ['unknown-engine', /kept answering 'unknown engine ID'/],
    ['time-window', /kept answering 'not in time window'/],
  ])('%s: at most (retries + 1) × 2 requests, and a reason that says why', async (name, reason) => {
    for (const retries of [0, 1, 2]) {
      fleet.reset();
      const r = await within(auditOne(target(name, v3), options({ retries })), 5000, name);
      expect(r.finding.verdict).toBe('unreachable');
      expect(r.finding.reason).toMatch(reason);
      expect(r.finding.reason).not.toMatch(/host down/);
      const budget = (retries + 1) * 2;
      expect(datagramBudget('3', retries)).toBe(budget);
      // What the unit received and what the report says were sent agree, and stay within budget.
      expect(received(name)).toBeLessThanOrEqual(budget);
      expect(received(name)).toBeGreaterThanOrEqual(2);
      expect(r.requests).toBe(received(name));
    }
  });

  it('counts those datagrams against --rate: 4 units at 20/s spread over ≥ 0.3 s, within budget', async () => {
    fleet.reset();
    const names = ['empty-engine', 'unknown-engine', 'time-window'];
    const started = performance.now();
    const results = await within(scan(names.map((n) => target(n, v3)), options({ rate: 20, retries: 0 })), 10_000, 'rate');
    const ms = performance.now() - started;
    const total = names.reduce((n, name) => n + received(name), 0);
    // 3 units × 2 datagrams at 50 ms intervals: the sixth leaves ≥ 250 ms after the first.
    expect(total).toBe(6);
    expect(ms).toBeGreaterThanOrEqual(240);
    for (const r of results) expect(r.requests).toBe(2);
  });
});

describe('tooBig', () => {
  it('asks again in halves until the agent can answer', async () => {
    fleet.reset();
    const outcome = await pollUnit(target('too-big', v2c).target, v2c, { timeoutMs: 300, retries: 0 });
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.reading.atsIdentModelNumber).toMatchObject({ type: 'string', value: 'AP7724' });
    // Every GET that reached the agent was either refused as too big or had ≤ 4 objects, and
    // the objects read add up to everything asked for.
    const gets = fleet.agent('too-big').stats().received.filter((q) => q.pdu === 'GetRequest');
    const answered = gets.filter((q) => q.oids.length <= 4);
    expect(answered.length).toBeGreaterThan(1);
    expect(new Set(answered.flatMap((q) => q.oids)).size).toBe(gets[0]!.oids.length);
    expect(outcome.requests).toBe(gets.length);
  });

  it('a tooBig for a single object is final, with the agent error as the reason', async () => {
    fleet.reset();
    const r = await auditOne(target('too-big-one', v2c), options({ retries: 0 }));
    expect(r.finding.verdict).toBe('unreachable');
    expect(r.finding.reason).toMatch(/tooBig/i);
    // n objects split down to ones: at most 2n − 1 requests.
    const n = fleet.agent('too-big-one').stats().received[0]!.oids.length;
    expect(received('too-big-one')).toBeLessThanOrEqual(2 * n - 1);
  });

  it('walks with fewer rows per request after a tooBig', async () => {
    fleet.reset();
    const outcome = await pollUnit(target('too-big-walk', v2c).target, v2c, { timeoutMs: 300, retries: 0 });
    expect(outcome.ok).toBe(true);
    const bulks = fleet.agent('too-big-walk').stats().received.filter((q) => q.pdu === 'GetBulkRequest');
    expect(bulks.length).toBeGreaterThanOrEqual(2);
    // 16 rows asked: tooBig; 8: tooBig; then 4 at a time until the column ends.
    expect(bulks.length).toBeGreaterThanOrEqual(3);
    if (outcome.ok) expect(outcome.walked.atsInputVoltageA?.map((r) => r.value)).toEqual([230, 231, 232, 233, 234, 235].map((n) => ({ type: 'integer', value: n })));
  });
});

describe('malformed replies', () => {
  it('a walk whose OIDs go back is refused as a malformed reply after one request', async () => {
    fleet.reset();
    const r = await auditOne(target('walk-backwards', v2c), options({ retries: 0 }));
    expect(r.finding.verdict).toBe('unreachable');
    expect(r.finding.reason).toMatch(/^malformed reply from the agent: walk of .* answered .* which does not come after/);
    expect(fleet.agent('walk-backwards').stats().byType.GetBulkRequest).toBe(1);
  });

  it.each(['garbage', 'out-of-range'])('%s: "malformed reply from the agent", at once, not "host down"', async (name) => {
    fleet.reset();
    const started = performance.now();
    const r = await auditOne(target(name, v2c), options({ timeoutMs: 2000, retries: 1 }));
    expect(r.finding.verdict).toBe('unreachable');
    expect(r.finding.reason).toMatch(/^malformed reply from the agent: /);
    expect(r.finding.reason).not.toMatch(/host down|no answer/);
    // Not the 2 s × 2 tries of a silent unit: the first reply ends it (a loose bound).
    expect(performance.now() - started).toBeLessThan(1500);
    expect(received(name)).toBe(1);
  });
});
