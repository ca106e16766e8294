// The simulated fleets: a hand-made demo fleet covering every verdict with realistic values,
// and a generated fleet of N units for the benchmark. Each unit says what the audit should
// conclude about it (`expect`), so tests and the demo can check the audit end to end.

import snmp from 'net-snmp';
import type { Verdict } from '../../src/audit/finding.js';
import { loopbackRange } from './loopback.js';
import type { AtsDescription, CardFirmware, OtherApcDescription, UnitDescription } from './profiles.js';
import type { SimV3 } from './v3-users.js';

/**
 * How the unit behaves on the wire. `agent`: answers SNMP. `silent`: a socket that reads and
 * drops everything (hung card). `wrong-community`: an agent that accepts only a community
 * other than the fleet's. `closed`: nothing bound, so the kernel answers port unreachable.
 */
export type Behaviour = 'agent' | 'silent' | 'wrong-community' | 'closed';

export interface Expectation {
  readonly verdict: Verdict;
  /** Why, for people reading the demo and for test failure messages. */
  readonly why: string;
}

export interface SimUnit {
  /** Stable name, unique in its fleet. */
  readonly name: string;
  /** A 127.0.0.0/8 address, distinct per unit. */
  readonly host: string;
  readonly port: number;
  /** The community the fleet is audited with; every `agent` unit accepts it. */
  readonly community: string;
  /** The one community the simulated agent accepts (differs from `community` only for `wrong-community`). */
  readonly acceptedCommunity: string;
  readonly behaviour: Behaviour;
  /** What the unit holds (and, for `agent`, serves). */
  readonly description: UnitDescription;
  /** One line for people, without any community. */
  readonly summary: string;
  readonly expect: Expectation;
  /** Delay before each answer, in ms (a real card takes tens of ms). Default 0. */
  readonly latencyMs?: number;
  /** SNMPv3 users an `agent` unit accepts besides its community. */
  readonly v3?: SimV3;
}

export interface FleetOptions {
  /** First loopback address; units take consecutive ones. */
  readonly baseAddress?: string;
  /** UDP port every unit listens on (each on its own address). */
  readonly port?: number;
  readonly community?: string;
  readonly latencyMs?: number;
}

export const DEFAULT_PORT = 16161;
export const DEFAULT_COMMUNITY = 'public';
export const DEMO_BASE_ADDRESS = '127.0.10.1';
export const SCALE_BASE_ADDRESS = '127.1.0.1';
/** What `wrong-community` units accept instead of the fleet's community. */
const OTHER_COMMUNITY = 'ops-readonly-2019';

// Card firmware as shipped: each pair is one of the bulletin's packages unless noted.
const hw02 = (aos: string, app: string, manufactured: string, bootMonitor = 'v3.9.2'): CardFirmware => ({
  hardware: 'hw02',
  bootMonitor,
  aos,
  app,
  appName: 'g2ats',
  manufactured,
});

const CARD = {
  aos374app371: hw02('v3.7.4', 'v3.7.1', '04/18/2015'),
  aos374app370: hw02('v3.7.4', 'v3.7.0', '09/12/2013'),
  aos390app392: hw02('v3.9.0', 'v3.9.2', '02/03/2017', 'v4.1.1'),
  aos390app390: hw02('v3.9.0', 'v3.9.0', '11/20/2016', 'v4.1.1'),
  aos357app357: hw02('v3.5.7', 'v3.5.7', '06/02/2010', 'v3.8.6'),
  // Not a bulletin package: an older card that was never updated.
  aos355app355: hw02('v3.5.5', 'v3.5.5', '03/14/2009', 'v3.8.6'),
  /** First-generation ATS card (removable, AOS 2.6.x). */
  firstGen: { hardware: 'hw01', bootMonitor: 'v3.6.9', aos: 'v2.6.4', app: 'v2.6.5', appName: 'ats', manufactured: '05/16/2006' },
  /** ATS 4G card, as recorded from a real AP4423. */
  ats4g: { hardware: 'hw05', bootMonitor: 'v4.1.0', aos: 'v6.4.6', app: 'v6.4.7', appName: 'ats4g', manufactured: '06/09/2018' },
  rpdu2g: { hardware: 'hw05', bootMonitor: 'v4.1.0', aos: 'v6.8.2', app: 'v6.8.0', appName: 'rpdu2g', manufactured: '08/07/2017' },
  ap9631: { hardware: 'hw05', bootMonitor: 'v4.1.0', aos: 'v7.1.2', app: 'v7.1.2', appName: 'sumx', manufactured: '04/06/2019' },
} as const satisfies Record<string, CardFirmware>;

/** A healthy, loaded, fully redundant 1U Rack ATS on the bulletin; templates change what matters. */
function rackAts(over: Partial<AtsDescription> & Pick<AtsDescription, 'model' | 'serial' | 'sysName'>): AtsDescription {
  return {
    kind: 'ats',
    line: 'rack-ats',
    hardwareRev: 'R01',
    controllerFirmware: '3.0.5',
    card: CARD.aos374app371,
    sysLocation: 'DC1 hall B',
    preferredSource: 'A',
    selectedSource: 'A',
    sourceStatus: { A: 'ok', B: 'ok' },
    commStatus: 'established',
    inputVolts: { A: 230, B: 231 },
    output: { form: '1U', tenths: 42 },
    ...over,
  };
}

function otherApc(kind: OtherApcDescription['kind'], over: Omit<OtherApcDescription, 'kind'>): OtherApcDescription {
  return { kind, ...over };
}

/** A demo unit before it gets an address. */
interface Template {
  readonly name: string;
  readonly behaviour: Behaviour;
  readonly description: UnitDescription;
  readonly expect: Expectation;
}

const DEMO: readonly Template[] = [
  {
    name: 'ap7722a-primary-a-loaded',
    behaviour: 'agent',
    description: rackAts({ model: 'AP7722A', serial: '5A1516T15268', sysName: 'dc1-r01-ats', sysLocation: 'DC1 hall B row 1' }),
    expect: { verdict: 'at-risk', why: 'affected model, 4.2 A load, primary A, secondary B ok: an upgrade now can damage it and drop the load' },
  },
  {
    name: 'ap7724-2u-primary-b-loaded',
    behaviour: 'agent',
    description: rackAts({
      model: 'AP7724',
      serial: '5A1422T02417',
      sysName: 'dc1-r02-ats',
      sysLocation: 'DC1 hall B row 2',
      card: CARD.aos390app392,
      preferredSource: 'B',
      selectedSource: 'B',
      inputVolts: { A: 221, B: 221 },
      output: { form: '2U', bankTenths: [77, 40, 38] },
    }),
    expect: { verdict: 'at-risk', why: '2U unit: atsOutputCurrent -1, bank total 7.7 A; primary B, secondary A ok' },
  },
  {
    name: 'ap7750a-secondary-failed',
    behaviour: 'agent',
    description: rackAts({
      model: 'AP7750A',
      serial: '5A1310T08841',
      sysName: 'dc1-r03-ats',
      sysLocation: 'DC1 hall B row 3',
      card: CARD.aos374app370,
      sourceStatus: { A: 'ok', B: 'fail' },
      inputVolts: { A: 120, B: 0 },
      output: { form: '1U', tenths: 31 },
    }),
    expect: { verdict: 'safe-to-upgrade', why: 'procedure 1 in effect: secondary B failed, running on primary A which is ok' },
  },
  {
    name: 'ap7753-2u-no-load',
    behaviour: 'agent',
    description: rackAts({
      model: 'AP7753',
      serial: '5A1647T11202',
      sysName: 'dc1-r04-ats',
      sysLocation: 'DC1 hall B row 4',
      card: CARD.aos390app390,
      inputVolts: { A: 208, B: 209 },
      output: { form: '2U', bankTenths: [0, 0, 0] },
    }),
    expect: { verdict: 'safe-to-upgrade', why: 'procedure 2 in effect: bank total 0.0 A, no load attached' },
  },
  {
    name: 'ap7723-comm-lost',
    behaviour: 'agent',
    description: rackAts({
      model: 'AP7723',
      serial: '5A1205T00913',
      sysName: 'dc1-r05-ats',
      sysLocation: 'DC1 hall B row 5',
      card: CARD.aos357app357,
      commStatus: 'lost',
      output: { form: '1U', tenths: 25 },
    }),
    expect: { verdict: 'unknown', why: 'card lost contact with the switch (atsCommLost): source and load values are stale' },
  },
  {
    name: 'ap7730-on-secondary-primary-failed',
    behaviour: 'agent',
    description: rackAts({
      model: 'AP7730',
      serial: '5A1533T04470',
      sysName: 'dc1-r06-ats',
      sysLocation: 'DC1 hall B row 6',
      sourceStatus: { A: 'fail', B: 'ok' },
      selectedSource: 'B',
      inputVolts: { A: 0, B: 208 },
      output: { form: '1U', tenths: 33 },
    }),
    // Not at-risk although B is live and loaded: isolating B would drop the load, and the unit
    // may switch back when A returns, so neither safety nor danger can be shown.
    expect: { verdict: 'unknown', why: 'primary A failed, running on secondary B with 3.3 A: restore A first' },
  },
  {
    name: 'ap7752-load-not-reported',
    behaviour: 'agent',
    description: rackAts({
      model: 'AP7752',
      serial: '5A1118T06652',
      sysName: 'dc1-r07-ats',
      sysLocation: 'DC1 hall C row 1',
      card: CARD.aos355app355,
      inputVolts: { A: 120, B: 121 },
      output: { form: '1U', tenths: -1 },
    }),
    expect: { verdict: 'unknown', why: 'atsOutputCurrent is -1 (unsupported) and there is no bank table: load unknown' },
  },
  {
    name: 'ap7721-b-fail-voltage-mirrors-a',
    behaviour: 'agent',
    description: rackAts({
      model: 'AP7721',
      serial: '5A1402T03318',
      sysName: 'dc1-r08-ats',
      sysLocation: 'DC1 hall C row 2',
      card: CARD.aos374app370,
      sourceStatus: { A: 'ok', B: 'fail' },
      // Some firmware reports input A's voltage for B too.
      inputVolts: { A: 208, B: 208 },
      output: { form: '1U', tenths: 28 },
    }),
    expect: {
      verdict: 'unknown',
      why: 'secondary B status fail, but its input reads 208 V: the signals disagree, so procedure 1 is not proved (never a false safe)',
    },
  },
  {
    name: 'ap7731-no-preferred-source',
    behaviour: 'agent',
    description: rackAts({
      model: 'AP7731',
      serial: '5A1439T07725',
      sysName: 'dc1-r09-ats',
      sysLocation: 'DC1 hall C row 3',
      preferredSource: 'none',
      inputVolts: { A: 229, B: 230 },
      output: { form: '1U', tenths: 51 },
    }),
    // With no preference either input can take over, and both are live.
    expect: { verdict: 'at-risk', why: 'no preferred source configured, both inputs ok, 5.1 A load: whichever is secondary is live' },
  },
  {
    name: 'ap7752j-odd-source-status',
    behaviour: 'agent',
    description: rackAts({
      model: 'AP7752J',
      serial: '5A1603T01184',
      sysName: 'tk1-r01-ats',
      sysLocation: 'TK1 room 2',
      card: CARD.aos390app392,
      inputVolts: { A: 100, B: 101 },
      output: { form: '1U', tenths: 35 },
      // Out of range for fail(1)/ok(2): the secondary's state cannot be read.
      overrides: [{ oid: 'atsStatusSourceBStatus', type: snmp.ObjectType.Integer, value: 0 }],
    }),
    expect: { verdict: 'unknown', why: 'atsStatusSourceBStatus is 0, not fail(1) or ok(2): secondary state unknown' },
  },
  {
    name: 'ap7732-card-oids-missing',
    behaviour: 'agent',
    description: rackAts({
      model: 'AP7732',
      serial: '5A1245T09930',
      sysName: 'dc1-r10-ats',
      sysLocation: 'DC1 hall C row 4',
      card: CARD.aos357app357,
      output: { form: '1U', tenths: 18 },
      omit: ['cardAosVersion', 'cardAppVersion'],
    }),
    expect: { verdict: 'at-risk', why: 'card firmware OIDs missing (sysDescr still has them); 1.8 A load, secondary B ok' },
  },
  {
    name: 'ap7722-first-gen',
    behaviour: 'agent',
    description: rackAts({
      model: 'AP7722',
      serial: 'ZA0619004412',
      sysName: 'dc2-r01-ats',
      sysLocation: 'DC2 room 1',
      hardwareRev: 'B2',
      controllerFirmware: '2.5.1',
      card: CARD.firstGen,
    }),
    expect: { verdict: 'not-affected', why: 'AP7722 without the A is a first-generation unit (AOS 2.6.x), not on the bulletin' },
  },
  {
    name: 'ap7750-first-gen',
    behaviour: 'agent',
    description: rackAts({
      model: 'AP7750',
      serial: 'ZA0702001187',
      sysName: 'dc2-r02-ats',
      sysLocation: 'DC2 room 1',
      hardwareRev: 'B2',
      controllerFirmware: '2.5.1',
      card: CARD.firstGen,
      inputVolts: { A: 119, B: 120 },
    }),
    expect: { verdict: 'not-affected', why: 'AP7750 without the A is first-generation, not on the bulletin' },
  },
  {
    name: 'ap4423-ats4g',
    behaviour: 'agent',
    description: rackAts({
      model: 'AP4423',
      serial: '3A1823X01455',
      sysName: 'dc3-r01-ats',
      sysLocation: 'DC3 hall A',
      line: 'ats4g',
      controllerFirmware: '4.1.9',
      card: CARD.ats4g,
    }),
    expect: { verdict: 'not-affected', why: 'AP4423 is an ATS 4G (sysObjectID .1.3.32), a newer line not on the bulletin' },
  },
  {
    name: 'ap7900b-rack-pdu',
    behaviour: 'agent',
    description: otherApc('rack-pdu', {
      model: 'AP7900B',
      serial: 'ZA1732000177',
      hardwareRev: 'B2',
      card: CARD.rpdu2g,
      sysName: 'dc1-r01-pdu-a',
      sysLocation: 'DC1 hall B row 1',
    }),
    expect: { verdict: 'not-ats', why: 'switched rack PDU (sysObjectID .1.3.4.8), no ATS branch' },
  },
  {
    name: 'smart-ups-ap9631',
    behaviour: 'agent',
    description: otherApc('ups', {
      model: 'AP9631',
      serial: '5A1274T28648',
      hardwareRev: '08',
      card: CARD.ap9631,
      sysName: 'dc1-ups-01',
      sysLocation: 'DC1 UPS room',
    }),
    expect: { verdict: 'not-ats', why: 'Smart-UPS (sysObjectID .1.3.27); MN:AP9631 names the card, not the UPS' },
  },
  {
    name: 'ap7721-silent',
    behaviour: 'silent',
    description: rackAts({ model: 'AP7721', serial: '5A1338T05521', sysName: 'dc1-r11-ats', sysLocation: 'DC1 hall C row 5' }),
    expect: { verdict: 'unreachable', why: 'the card reads requests and never answers (hung NMC)' },
  },
  {
    name: 'ap7724-wrong-community',
    behaviour: 'wrong-community',
    description: rackAts({
      model: 'AP7724',
      serial: '5A1517T15301',
      sysName: 'dc1-r12-ats',
      sysLocation: 'DC1 hall C row 6',
      output: { form: '2U', bankTenths: [64, 30, 34] },
    }),
    expect: { verdict: 'unreachable', why: 'the card accepts another community and silently drops ours' },
  },
];

function amps(tenths: number): string {
  return tenths < 0 ? 'load n/a' : `${(tenths / 10).toFixed(1)} A`;
}

/** One line for people: model, form, card firmware, sources, load, behaviour. No community. */
export function summarize(description: UnitDescription, behaviour: Behaviour): string {
  const d = description;
  const card = `AOS ${d.card.aos}, app ${d.card.app}`;
  let text: string;
  if (d.kind === 'ats') {
    const form = d.output.form;
    const load = d.output.form === '1U' ? amps(d.output.tenths) : `bank total ${amps(d.output.bankTenths[0])}`;
    const comm = d.commStatus === 'established' ? '' : `, comm ${d.commStatus}`;
    text =
      `${d.model} ${d.line === 'ats4g' ? 'ATS 4G' : `${form} Rack ATS`} (${card}), primary ${d.preferredSource}, ` +
      `on ${d.selectedSource}, A ${d.sourceStatus.A} / B ${d.sourceStatus.B}, ${d.inputVolts.A}/${d.inputVolts.B} V, ${load}${comm}`;
  } else {
    text = d.kind === 'ups' ? `Smart-UPS with ${d.model} card (${card})` : `${d.model} rack PDU (${card})`;
  }
  const missing = d.omit?.length ? ` (missing: ${d.omit.join(', ')})` : '';
  const odd = d.overrides?.length ? ` (raw: ${d.overrides.map((o) => `${o.oid}=${String(o.value)}`).join(', ')})` : '';
  const how: Record<Behaviour, string> = {
    agent: '',
    silent: ' [silent: never answers]',
    'wrong-community': ' [accepts another community only]',
    closed: ' [nothing listening]',
  };
  return text + missing + odd + how[behaviour];
}

function place(t: Template, host: string, options: FleetOptions): SimUnit {
  const community = options.community ?? DEFAULT_COMMUNITY;
  return {
    name: t.name,
    host,
    port: options.port ?? DEFAULT_PORT,
    community,
    acceptedCommunity: t.behaviour === 'wrong-community' ? OTHER_COMMUNITY : community,
    behaviour: t.behaviour,
    description: t.description,
    summary: summarize(t.description, t.behaviour),
    expect: t.expect,
    ...(options.latencyMs ? { latencyMs: options.latencyMs } : {}),
  };
}

/** The demo fleet: every verdict, on consecutive loopback addresses from 127.0.10.1. */
export function demoFleet(options: FleetOptions = {}): SimUnit[] {
  const hosts = loopbackRange(options.baseAddress ?? DEMO_BASE_ADDRESS, DEMO.length);
  return DEMO.map((t, i) => place(t, hosts[i]!, options));
}

export interface ScaleOptions extends FleetOptions {
  /** Share of units that read and drop every request (0..1). */
  readonly silentFraction?: number;
  /** Share of units with nothing bound (ICMP port unreachable) (0..1). */
  readonly closedFraction?: number;
}

// How often each demo kind appears in a scale fleet, per 20 units: mostly loaded,
// redundant units (the common case in a data centre), a few of everything else.
const SCALE_MIX: ReadonlyArray<readonly [name: string, weight: number]> = [
  ['ap7722a-primary-a-loaded', 5],
  ['ap7724-2u-primary-b-loaded', 3],
  ['ap7750a-secondary-failed', 1],
  ['ap7753-2u-no-load', 2],
  ['ap7723-comm-lost', 1],
  ['ap7752-load-not-reported', 1],
  ['ap7721-b-fail-voltage-mirrors-a', 1],
  ['ap7722-first-gen', 1],
  ['ap4423-ats4g', 1],
  ['ap7900b-rack-pdu', 2],
  ['smart-ups-ap9631', 2],
];

const SCALE_CYCLE: readonly Template[] = SCALE_MIX.flatMap(([name, weight]) => {
  const t = DEMO.find((d) => d.name === name);
  if (!t) throw new Error(`simulator: scale mix names unknown template ${name}`);
  return Array.from({ length: weight }, () => t);
});

/** A well-spread number in [0, 1) from an index (Knuth's multiplicative hash), so choices do not follow the kind cycle. */
function spread(i: number): number {
  return (Math.imul(i + 1, 2654435761) >>> 0) / 2 ** 32;
}

function fraction(name: string, value: number | undefined): number {
  const f = value ?? 0;
  if (!(f >= 0 && f <= 1)) throw new Error(`simulator: ${name} must be between 0 and 1, got ${value}`);
  return f;
}

/**
 * `count` units on consecutive loopback addresses from 127.1.0.1 (host bytes .0 and .255
 * skipped), cycling deterministically through the demo kinds; a share of them silent or
 * closed. Same arguments, same fleet.
 */
export function scaleFleet(count: number, options: ScaleOptions = {}): SimUnit[] {
  if (!Number.isInteger(count) || count < 0) throw new Error(`simulator: unit count must be a whole number, got ${count}`);
  const silent = fraction('silentFraction', options.silentFraction);
  const closed = fraction('closedFraction', options.closedFraction);
  if (silent + closed > 1) throw new Error('simulator: silentFraction + closedFraction exceeds 1');
  const hosts = loopbackRange(options.baseAddress ?? SCALE_BASE_ADDRESS, count);
  const width = String(count).length;
  return hosts.map((host, i) => {
    const t = SCALE_CYCLE[i % SCALE_CYCLE.length]!;
    const roll = spread(i);
    const behaviour: Behaviour = roll < silent ? 'silent' : roll < silent + closed ? 'closed' : 'agent';
    const n = String(i + 1).padStart(width, '0');
    const name = `u${n}-${t.description.model.toLowerCase()}`;
    // Unique identity per unit; serials keep APC's 12-character shape.
    const description: UnitDescription = {
      ...t.description,
      serial: `SIM${String(i + 1).padStart(9, '0')}`,
      sysName: name,
      sysLocation: `sim rack ${Math.floor(i / 40) + 1}`,
    };
    const expect: Expectation =
      behaviour === 'agent' ? t.expect : { verdict: 'unreachable', why: behaviour === 'silent' ? 'never answers' : 'port closed' };
    return place({ name, behaviour, description, expect }, host, options);
  });
}
