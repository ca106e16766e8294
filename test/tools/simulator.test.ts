import dgram from 'node:dgram';
import snmp from 'net-snmp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VERDICTS, type Verdict } from '../../src/audit/finding.js';
import { ATS_SYS_OBJECT_IDS, OBJECTS, type ObjectKey } from '../../src/poll/oid-map.js';
import { demoFleet, scaleFleet, type SimUnit } from '../../tools/simulator/fleet.js';
import { loopbackRange } from '../../tools/simulator/loopback.js';
import { peekMessage } from '../../tools/simulator/pdu-peek.js';
import { OTHER_SYS_OBJECT_IDS, sysDescr, unitVarbinds, type AtsDescription } from '../../tools/simulator/profiles.js';
import { startFleet, type RunningFleet } from '../../tools/simulator/server.js';
import { warmUp } from '../../tools/simulator/warm-up.js';
import { AP7724_SYSDESCR } from '../fixtures/units.js';
import { testPort } from '../helpers/test-net.js';

// This file's own loopback range and port, so it can run beside other socket tests.
const PORT = testPort('tools/simulator');
const BASE = '127.0.42.1';

const T = snmp.ObjectType;
const P = OBJECTS; // short alias for the OID table
const bankRow = (n: number) => `${P.atsOutputBankCurrent.column}.${n}`;

type Client = ReturnType<typeof snmp.createSession>;

function session(unit: SimUnit, options: { community?: string; version?: 0 | 1 } = {}): Client {
  return snmp.createSession(unit.host, options.community ?? unit.community, {
    port: unit.port,
    version: options.version ?? snmp.Version2c,
    timeout: 1000,
    retries: 0,
  });
}

/** Runs one request on a fresh session and closes it. */
async function using<T>(s: Client, run: (s: Client) => Promise<T>): Promise<T> {
  try {
    return await run(s);
  } finally {
    s.close();
  }
}

const get = (s: Client, oids: string[]) =>
  new Promise<snmp.Varbind[]>((resolve, reject) => s.get(oids, (e, vb) => (e ? reject(e) : resolve(vb ?? []))));
const getNext = (s: Client, oids: string[]) =>
  new Promise<snmp.Varbind[]>((resolve, reject) => s.getNext(oids, (e, vb) => (e ? reject(e) : resolve(vb ?? []))));
const getBulk = (s: Client, oids: string[], max: number) =>
  new Promise<snmp.Varbind[]>((resolve, reject) =>
    s.getBulk(oids, 0, max, (e, vb) => (e ? reject(e) : resolve((vb ?? []).flat() as snmp.Varbind[]))),
  );
const set = (s: Client, vb: snmp.Varbind[]) =>
  new Promise<snmp.Varbind[]>((resolve, reject) => s.set(vb, (e, out) => (e ? reject(e) : resolve(out ?? []))));

const text = (vb: snmp.Varbind | undefined) => (Buffer.isBuffer(vb?.value) ? vb.value.toString('utf8') : vb?.value);

/**
 * The bulletin's rules as the brief states them, applied to what the unit serves: an
 * independent check of every `expect` in the fleet. Two refinements the audit settled on:
 * a failed primary makes a loaded unit "unknown" (isolating the secondary would drop the
 * load), and with no preferred source, two live inputs mean the secondary is live.
 */
const AFFECTED = new Set(['AP7721', 'AP7722A', 'AP7723', 'AP7724', 'AP7730', 'AP7731', 'AP7732', 'AP7750A', 'AP7752', 'AP7752J', 'AP7753']);
function oracle(unit: SimUnit): Verdict {
  if (unit.behaviour !== 'agent') return 'unreachable';
  const served = new Map(unitVarbinds(unit.description).map((v) => [v.oid, v.value]));
  const value = (k: ObjectKey) => served.get(P[k].oid);
  const model = value('atsIdentModelNumber');
  if (model === undefined) return 'not-ats';
  if (!AFFECTED.has(String(model))) return 'not-affected';
  if (value('atsStatusCommStatus') !== 2) return 'unknown';
  const source = (n: unknown) => (n === 1 ? 'A' : n === 2 ? 'B' : undefined);
  const status = (n: unknown) => (n === 1 ? 'fail' : n === 2 ? 'ok' : undefined);
  const primary = source(value('atsConfigPreferredSource'));
  const secondary = primary === 'A' ? 'B' : primary === 'B' ? 'A' : undefined;
  const state = { A: status(value('atsStatusSourceAStatus')), B: status(value('atsStatusSourceBStatus')) };
  const phase = value('atsOutputCurrent');
  const bank = served.get(bankRow(1));
  const tenths = typeof phase === 'number' && phase >= 0 ? phase : typeof bank === 'number' && bank >= 0 ? bank : undefined;
  if (tenths === 0) return 'safe-to-upgrade';
  const onPrimary = primary !== undefined && source(value('atsStatusSelectedSource')) === primary && state[primary] === 'ok';
  if (secondary !== undefined && state[secondary] === 'fail' && onPrimary) {
    // Procedure 1 needs every signal to agree (issue 9): the secondary's voltage reads dead where
    // reported, and the redundancy state does not say fully redundant.
    const volts = value(secondary === 'A' ? 'atsInputVoltageA' : 'atsInputVoltageB');
    const agree = !(typeof volts === 'number' && volts >= 50) && value('atsStatusRedundancyState') !== 2;
    return agree ? 'safe-to-upgrade' : 'unknown';
  }
  if (primary !== undefined && state[primary] === 'fail') return 'unknown';
  const secondaryLive = secondary !== undefined ? state[secondary] : state.A === 'ok' && state.B === 'ok' ? 'ok' : undefined;
  if (tenths !== undefined && tenths > 0 && secondaryLive === 'ok') return 'at-risk';
  return 'unknown';
}

describe('profiles', () => {
  it('builds sysDescr the way a real AP7724 card writes it', () => {
    // The demo's AP7722A carries the same card and serial as the recorded AP7724.
    const base = demoFleet().find((u) => u.name === 'ap7722a-primary-a-loaded')!.description as AtsDescription;
    expect(sysDescr({ ...base, model: 'AP7724' })).toBe(AP7724_SYSDESCR);
  });

  it('omits by name and overrides raw values, with Counter64 as 8 bytes', () => {
    const base = demoFleet()[1]!.description as AtsDescription; // 2U
    const vbs = unitVarbinds({
      ...base,
      omit: ['atsOutputBankCurrent', P.atsInputVoltageB.oid],
      overrides: [
        { oid: 'atsOutputCurrent', type: T.Integer, value: 12 },
        { oid: '1.3.6.1.2.1.31.1.1.1.6.2', type: T.Counter64, value: 2n ** 40n },
      ],
    });
    const byOid = new Map(vbs.map((v) => [v.oid, v]));
    expect(byOid.has(bankRow(1)) || byOid.has(bankRow(2)) || byOid.has(bankRow(3))).toBe(false);
    expect(byOid.has(P.atsInputVoltageB.oid)).toBe(false);
    expect(byOid.get(P.atsOutputCurrent.oid)?.value).toBe(12);
    const c64 = byOid.get('1.3.6.1.2.1.31.1.1.1.6.2')!.value as Buffer;
    expect(c64).toHaveLength(8);
    expect(c64.readBigUInt64BE()).toBe(2n ** 40n);
  });

  it('reads the header of a request datagram', () => {
    // GetRequest, v2c, community "public", sysDescr.0
    const hex = '302902010104067075626c6963a01c02040a0b0c0d020100020100300e300c06082b060102010101000500';
    expect(peekMessage(Buffer.from(hex, 'hex'))).toEqual({ version: 1, community: 'public', pdu: 'GetRequest' });
    expect(peekMessage(Buffer.from('not snmp'))).toBeUndefined();
  });
});

describe('fleets', () => {
  it('demo fleet: every verdict, distinct loopback hosts, expectations match the rules', () => {
    const units = demoFleet();
    expect(units.length).toBeGreaterThanOrEqual(14);
    expect(units.length).toBeLessThanOrEqual(18);
    expect(new Set(units.map((u) => u.name)).size).toBe(units.length);
    expect(new Set(units.map((u) => u.host)).size).toBe(units.length);
    expect(units.every((u) => u.host.startsWith('127.') && u.port === 16161)).toBe(true);
    expect(new Set(units.map((u) => u.expect.verdict))).toEqual(new Set(VERDICTS));
    for (const u of units) expect({ name: u.name, verdict: oracle(u) }).toEqual({ name: u.name, verdict: u.expect.verdict });
    for (const u of units) expect(u.summary).not.toMatch(/public|ops-readonly/);
  });

  it('scale fleet: deterministic, consecutive addresses skipping .0 and .255, fractions honoured', () => {
    const a = scaleFleet(3000, { silentFraction: 0.1, closedFraction: 0.05 });
    expect(scaleFleet(3000, { silentFraction: 0.1, closedFraction: 0.05 })).toEqual(a);
    expect(a[0]!.host).toBe('127.1.0.1');
    expect(a[253]!.host).toBe('127.1.0.254');
    expect(a[254]!.host).toBe('127.1.1.1');
    expect(a.some((u) => /\.(0|255)$/.test(u.host))).toBe(false);
    const silent = a.filter((u) => u.behaviour === 'silent').length / a.length;
    const closed = a.filter((u) => u.behaviour === 'closed').length / a.length;
    expect(silent).toBeGreaterThan(0.08);
    expect(silent).toBeLessThan(0.12);
    expect(closed).toBeGreaterThan(0.035);
    expect(closed).toBeLessThan(0.065);
    for (const u of a.slice(0, 60)) expect(oracle(u)).toBe(u.expect.verdict);
  });

  it('refuses addresses outside 127.0.0.0/8', () => {
    expect(() => loopbackRange('10.0.0.1', 1)).toThrow(/127\.0\.0\.0\/8/);
    expect(() => loopbackRange('127.255.255.250', 10)).toThrow(/run past/);
  });
});

describe('demo fleet on the wire', () => {
  let fleet: RunningFleet;
  const units = demoFleet({ baseAddress: BASE, port: PORT });
  const unit = (name: string) => {
    const u = units.find((x) => x.name === name);
    if (!u) throw new Error(`no unit ${name}`);
    return u;
  };

  beforeAll(async () => {
    fleet = await startFleet(units);
  });

  afterAll(async () => {
    await fleet?.stop();
    await fleet?.stop(); // idempotent
  });

  it('serves a 1U unit: strings, OID, enums, input table instances', async () => {
    const u = unit('ap7722a-primary-a-loaded');
    const oids = [
      P.sysDescr.oid,
      P.sysObjectID.oid,
      P.atsIdentModelNumber.oid,
      P.atsIdentFirmwareRev.oid,
      P.cardAosVersion.oid,
      P.cardAppVersion.oid,
      P.atsConfigPreferredSource.oid,
      P.atsStatusRedundancyState.oid,
      P.atsInputVoltageA.oid,
      P.atsInputVoltageB.oid,
      P.atsOutputCurrent.oid,
    ];
    const vb = await using(session(u), (s) => get(s, oids));
    expect(text(vb[0])).toMatch(/^APC Web\/SNMP Management Card \(MB:v3\.9\.2 PF:v3\.7\.4 PN:apc_hw02_aos_374\.bin AF1:v3\.7\.1 AN1:apc_hw02_g2ats_371\.bin MN:AP7722A HR:R01 SN: 5A1516T15268 MD:04\/18\/2015\)$/);
    expect(vb[1]).toMatchObject({ type: T.OID, value: ATS_SYS_OBJECT_IDS.rackAts });
    expect([2, 3, 4, 5].map((i) => text(vb[i]))).toEqual(['AP7722A', '3.0.5', 'v3.7.4', 'v3.7.1']);
    expect(vb.slice(6).map((v) => [v.oid, v.type, v.value])).toEqual([
      [P.atsConfigPreferredSource.oid, T.Integer, 1],
      [P.atsStatusRedundancyState.oid, T.Integer, 2],
      [`${P.atsInputVoltageA.column}.1.1.1`, T.Integer, 230],
      [`${P.atsInputVoltageB.column}.2.1.1`, T.Integer, 231],
      [`${P.atsOutputCurrent.column}.1.1.1`, T.Integer, 42],
    ]);
  });

  it('serves a 2U unit: atsOutputCurrent -1 and the bank rows (walkable with GETBULK)', async () => {
    const u = unit('ap7724-2u-primary-b-loaded');
    const [phase] = await using(session(u), (s) => get(s, [P.atsOutputCurrent.oid]));
    expect(phase?.value).toBe(-1);
    const bank = await using(session(u), (s) => getBulk(s, [P.atsOutputBankCurrent.column], 3));
    expect(bank.map((v) => [v.oid, v.type, v.value])).toEqual([
      [bankRow(1), T.Gauge32, 77],
      [bankRow(2), T.Gauge32, 40],
      [bankRow(3), T.Gauge32, 38],
    ]);
  });

  it('answers SNMPv1 too', async () => {
    const u = unit('ap7750a-secondary-failed');
    const vb = await using(session(u, { version: snmp.Version1 }), (s) =>
      get(s, [P.sysName.oid, P.atsStatusSourceBStatus.oid, P.atsInputVoltageB.oid]),
    );
    expect(vb.map((v) => text(v))).toEqual(['dc1-r03-ats', 1, 0]);
  });

  it('leaves out what a unit lacks and serves raw overrides as given', async () => {
    const missing = await using(session(unit('ap7732-card-oids-missing')), (s) => get(s, [P.cardAosVersion.oid, P.sysDescr.oid]));
    expect(snmp.isVarbindError(missing[0]!)).toBe(true);
    expect(text(missing[1])).toContain('PF:v3.5.7');
    const pdu = await using(session(unit('ap7900b-rack-pdu')), (s) => get(s, [P.atsIdentModelNumber.oid, P.sysObjectID.oid]));
    expect(snmp.isVarbindError(pdu[0]!)).toBe(true);
    expect(pdu[1]?.value).toBe(OTHER_SYS_OBJECT_IDS['rack-pdu']);
    const odd = await using(session(unit('ap7752j-odd-source-status')), (s) => get(s, [P.atsStatusSourceBStatus.oid]));
    expect(odd[0]?.value).toBe(0);
  });

  it('silent and wrong-community units never answer our community', async () => {
    const silent = unit('ap7721-silent');
    const wrong = unit('ap7724-wrong-community');
    const started = Date.now();
    const [a, b] = await Promise.allSettled([
      using(session(silent), (s) => get(s, [P.sysDescr.oid])),
      using(session(wrong), (s) => get(s, [P.sysDescr.oid])),
    ]);
    expect(a.status === 'rejected' && (a.reason as Error).name).toBe('RequestTimedOutError');
    expect(b.status === 'rejected' && (b.reason as Error).name).toBe('RequestTimedOutError');
    expect(Date.now() - started).toBeLessThan(3000);
    // The wrong-community unit is a working agent, for its own community.
    const own = await using(session(wrong, { community: wrong.acceptedCommunity }), (s) => get(s, [P.atsIdentModelNumber.oid]));
    expect(text(own[0])).toBe('AP7724');
    expect(fleet.counters(silent)).toMatchObject({ requests: 1, responses: 0, byType: { GetRequest: 1 } });
    expect(fleet.counters(wrong)).toMatchObject({ requests: 2, rejected: 1, responses: 1 });
  });

  it('counts requests per unit by PDU type, and refuses SET', async () => {
    const u = unit('ap7753-2u-no-load');
    expect(fleet.counters(u).requests).toBe(0);
    await using(session(u), (s) => get(s, [P.sysDescr.oid, P.atsOutputCurrent.oid, bankRow(1)]));
    expect(fleet.counters(u)).toEqual({
      requests: 1,
      byType: { GetRequest: 1, GetNextRequest: 0, GetBulkRequest: 0, SetRequest: 0 },
      rejected: 0,
      other: 0,
      responses: 1,
      peakInFlight: 1,
    });
    await using(session(u), (s) => getNext(s, [P.sysDescr.oid]));
    await using(session(u), (s) => getBulk(s, [P.atsOutputBankCurrent.column], 2));
    const refused = await using(session(u), (s) => set(s, [{ oid: P.sysName.oid, type: T.OctetString, value: 'pwned' }])).catch(
      (e: Error) => e,
    );
    expect(refused).toBeInstanceOf(Error);
    const [name] = await using(session(u), (s) => get(s, [P.sysName.oid]));
    expect(text(name)).toBe('dc1-r04-ats');
    expect(fleet.counters(u.name).byType).toEqual({ GetRequest: 2, GetNextRequest: 1, GetBulkRequest: 1, SetRequest: 1 });
    expect(fleet.totals().byType.SetRequest).toBe(1);
    fleet.resetCounters();
    expect(fleet.counters(u).requests).toBe(0);
  });

  it('fails clearly when an address is taken, and leaves nothing bound', async () => {
    const fresh: SimUnit = { ...units[2]!, name: 'fresh', host: '127.0.43.9' };
    await expect(startFleet([fresh, units[0]!])).rejects.toThrow(/127\.0\.42\.1:16171 .*EADDRINUSE/);
    // The unit that did bind was closed again: its address is free.
    const again = await startFleet([fresh]);
    await again.stop();
    await expect(startFleet([{ ...units[0]!, host: '192.0.2.1' }])).rejects.toThrow(/not a 127/);
    await expect(startFleet([units[3]!, { ...units[4]!, host: units[3]!.host }])).rejects.toThrow(/two units on/);
  });
});

describe('warm-up (the benchmark runs it before timing a tool)', () => {
  it('GETs every answering unit N times, then zeroes the counters', async () => {
    const units = scaleFleet(12, { baseAddress: '127.0.43.20', port: PORT, silentFraction: 0.25, closedFraction: 0.25 });
    const agents = units.filter((u) => u.behaviour === 'agent');
    expect(agents.length).toBeGreaterThan(0);
    expect(agents.length).toBeLessThan(units.length);
    const running = await startFleet(units);
    try {
      // What the units had received when the counters were zeroed, seen through the fleet.
      let before: ReturnType<RunningFleet['totals']> | undefined;
      const watched: RunningFleet = { ...running, resetCounters: () => ((before = running.totals()), running.resetCounters()) };
      const result = await warmUp(watched, 2);
      expect(result).toEqual({ requests: 2 * agents.length, failed: 0 });
      // Only the answering units were asked (silent ones would have cost a timeout each).
      expect(before).toMatchObject({ requests: 2 * agents.length, responses: 2 * agents.length });
      expect(running.totals().requests).toBe(0);
    } finally {
      await running.stop();
    }
  });
});

describe('closed units, latency and odd types', () => {
  it('binds nothing for a closed unit', async () => {
    const [base] = demoFleet({ baseAddress: '127.0.43.3', port: PORT });
    const closed: SimUnit = { ...base!, behaviour: 'closed' };
    const running = await startFleet([closed]);
    try {
      // The address:port is free, so nothing of ours holds it.
      const probe = dgram.createSocket('udp4');
      await new Promise<void>((resolve, reject) => {
        probe.once('error', reject);
        probe.bind(closed.port, closed.host, () => resolve());
      });
      await new Promise<void>((resolve) => probe.close(() => resolve()));
      expect(running.counters(closed).requests).toBe(0);
    } finally {
      await running.stop();
    }
  });

  it('holds answers for latencyMs and reports the peak of concurrent requests', async () => {
    const [u] = demoFleet({ baseAddress: '127.0.43.1', port: PORT, latencyMs: 150 });
    const slow = await startFleet([u!]);
    try {
      const started = Date.now();
      await Promise.all([1, 2, 3].map(() => using(session(u!), (s) => get(s, [P.sysName.oid]))));
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
      expect(slow.counters(u!)).toMatchObject({ requests: 3, responses: 3, peakInFlight: 3 });
    } finally {
      await slow.stop();
    }
  });

  it('serves Counter64 and TimeTicks overrides (net-snmp needs Counter64 as 8 bytes)', async () => {
    const [base] = demoFleet({ baseAddress: '127.0.43.2', port: PORT });
    const u: SimUnit = {
      ...base!,
      description: {
        ...base!.description,
        overrides: [
          { oid: '1.3.6.1.2.1.1.3.0', type: T.TimeTicks, value: 34715820 },
          { oid: '1.3.6.1.2.1.31.1.1.1.6.2', type: T.Counter64, value: 178178382 },
        ],
      },
    };
    const running = await startFleet([u]);
    try {
      const vb = await using(session(u), (s) => get(s, ['1.3.6.1.2.1.1.3.0', '1.3.6.1.2.1.31.1.1.1.6.2']));
      expect(vb[0]).toMatchObject({ type: T.TimeTicks, value: 34715820 });
      expect(vb[1]?.type).toBe(T.Counter64);
      expect(Buffer.from(vb[1]!.value as Buffer).readBigUInt64BE()).toBe(178178382n);
    } finally {
      await running.stop();
    }
  });
});
