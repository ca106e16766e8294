// Device text is hostile until proven otherwise. Units served by the fault agent (good mode,
// real AP7724 values) carry formula starters, terminal escape sequences, invalid UTF-8 and
// over-long values in sysName, sysLocation, serial, hardware and firmware strings - and, on a
// second set of units, in the model number itself, which the reason then quotes. The whole
// command runs in-process (main) in every format:
//
//   - CSV (parsed back with csv-parse): no text cell can start a formula (= + - @ tab CR, after
//     spaces); the payload is still there, readable, behind a leading quote;
//   - table (TTY, colour off and on): no raw ESC, BEL, C1 (8-bit CSI) or other control bytes
//     other than the tool's own colour codes; escapes are shown as text;
//   - JSON: parses, carries the exact strings, and marks invalid UTF-8 and truncation.
//
// Addresses 127.0.72.1-99, port 16172 (this file only; test/e2e/readonly.test.ts uses .100+).

import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { COLUMNS } from '../../src/report/columns.js';
import { MAX_TEXT } from '../../src/poll/poll-unit.js';
import { captureIo } from '../helpers/capture-io.js';
import { AP7724 } from '../fixtures/units.js';
import {
  GOOD_TEMPLATES,
  startFaultFleet,
  tableFromDescription,
  trapListenerErrors,
  v,
  type FaultFleet,
  type FaultUnit,
} from '../helpers/fault-agent.js';
import { testPort } from '../helpers/test-net.js';

const PORT = testPort('e2e/hostile-text');
const BASE = '127.0.72';
const FAST = ['--timeout', '1000', '--retries', '0'];

/** Payloads: text (sent as UTF-8) or raw bytes. */
const PAYLOADS: ReadonlyArray<{ readonly name: string; readonly value: string | Buffer }> = [
  { name: 'hyperlink', value: '=HYPERLINK("http://evil")' },
  { name: 'dde', value: "+cmd|' /C calc'!A0" },
  { name: 'minus', value: '-2+3' },
  { name: 'at', value: '@SUM(1)' },
  { name: 'tab', value: '\t=1+2' },
  { name: 'cr', value: '\r=1+2' },
  { name: 'spaces-then-formula', value: '  =1+2' },
  { name: 'fullwidth-equals', value: '\uff1d1+2' },
  { name: 'osc-title', value: '\x1b]0;pwned\x07' },
  { name: 'clear-screen', value: '\x1b[2J' },
  { name: 'csi-8bit', value: '\u009b31mred' },
  { name: 'bidi-override', value: 'abc\u202edcba' },
  { name: 'newline', value: 'line1\nline2' },
  { name: 'invalid-utf8', value: Buffer.from([0x41, 0xff, 0xfe, 0x42, 0xc3]) },
  { name: 'over-long', value: `L${'x'.repeat(5 * 1024)}` },
];

/** Objects that carry the payload on a "text" unit (the model stays AP7724, so the verdict is known). */
const TEXT_OBJECTS = ['sysName', 'sysLocation', 'atsIdentSerialNumber', 'atsIdentHardwareRev', 'atsIdentFirmwareRev', 'cardAosVersion'] as const;

interface Placed {
  readonly name: string;
  readonly payload: (typeof PAYLOADS)[number];
  /** "text": payload in TEXT_OBJECTS; "model": payload as atsIdentModelNumber; "descr": non-ATS with payload in sysDescr. */
  readonly where: 'text' | 'model' | 'descr';
  readonly host: string;
}

const placed: Placed[] = [];
for (const where of ['text', 'model', 'descr'] as const) {
  for (const payload of PAYLOADS) placed.push({ name: `${where}-${payload.name}`, payload, where, host: `${BASE}.${placed.length + 1}` });
}

const asBuffer = (p: string | Buffer) => (Buffer.isBuffer(p) ? p : Buffer.from(p, 'utf8'));
const PDU = GOOD_TEMPLATES.find((t) => t.name === 'ap7900b-rack-pdu')!;

function unitFor(p: Placed): FaultUnit {
  const value = v.str(asBuffer(p.payload.value));
  const table =
    p.where === 'text'
      ? tableFromDescription(AP7724).with(Object.fromEntries(TEXT_OBJECTS.map((k) => [k, value])))
      : p.where === 'model'
        ? tableFromDescription(AP7724).with({ atsIdentModelNumber: value })
        : tableFromDescription(PDU.description).with({ sysDescr: value, sysName: value });
  return { name: p.name, host: p.host, port: PORT, table, fault: { kind: 'good' } };
}

let fleet: FaultFleet;
let trap: ReturnType<typeof trapListenerErrors>;
const targets = () => placed.map((p) => `${p.host}:${PORT}`);

beforeAll(async () => {
  trap = trapListenerErrors();
  fleet = await startFaultFleet(placed.map(unitFor));
});
afterAll(async () => {
  await fleet?.stop();
  trap?.restore();
});

async function run(format: string, io = captureIo()) {
  const code = await main([...targets(), ...FAST, '-f', format], io.io);
  expect(trap.take(), 'nothing thrown inside a socket listener').toEqual([]);
  expect(io.stderr()).toBe('');
  return { code, out: io.stdout() };
}

/** C0 controls except LF, DEL, C1 controls: none may reach a terminal raw. */
const RAW_CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f]/;
/** Bidi overrides/isolates and line/paragraph separators: shown escaped, never raw. */
const RAW_FORMAT = /[\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufeff]/;
/** What picocolors writes: SGR sequences only. */
const SGR = /\x1b\[[0-9;]*m/g;

type Row = Record<string, string>;
const TEXT_COLUMNS = COLUMNS.filter((c) => c.kind === 'text').map((c) => c.name);

describe('CSV', () => {
  let rows: Row[];
  let raw: string;
  beforeAll(async () => {
    const r = await run('csv');
    raw = r.out;
    rows = parse(raw, { columns: true, bom: true }) as Row[];
  });

  it('has one row per unit, every one audited', () => {
    expect(rows).toHaveLength(placed.length);
    for (const p of placed) expect(rows.filter((r) => r.host === p.host), p.name).toHaveLength(1);
    for (const r of rows) expect(r.verdict, `${r.host}: ${r.reason}`).not.toBe('unreachable');
  });

  it('no text cell can become a formula: = + - @ tab CR (also after spaces, also full-width) start with a quote', () => {
    for (const r of rows) {
      for (const col of TEXT_COLUMNS) {
        const cell = r[col] ?? '';
        expect(cell, `${r.host} ${col}`).not.toMatch(/^ *[=+\-@\t\r\uff1d\uff0b\uff0d\uff20]/);
      }
    }
  });

  it('holds no raw control characters at all (records end with CRLF, nothing else)', () => {
    expect(raw.replace(/\r\n/g, '')).not.toMatch(RAW_CONTROL);
    expect(raw).not.toMatch(RAW_FORMAT);
  });

  it('keeps each payload readable: the escaped text, behind a quote where it would start a formula', () => {
    const cell = (name: string, col: string) => rows.find((r) => r.host === placed.find((p) => p.name === name)!.host)![col]!;
    expect(cell('text-hyperlink', 'sys_name')).toBe(`'=HYPERLINK("http://evil")`);
    expect(cell('text-dde', 'sys_location')).toBe(`'+cmd|' /C calc'!A0`);
    expect(cell('text-minus', 'serial')).toBe(`'-2+3`);
    expect(cell('text-at', 'hardware_rev')).toBe(`'@SUM(1)`);
    expect(cell('text-tab', 'sys_name')).toBe(`'\\t=1+2`);
    expect(cell('text-cr', 'sys_name')).toBe(`'\\r=1+2`);
    expect(cell('text-spaces-then-formula', 'sys_name')).toBe(`'  =1+2`);
    expect(cell('text-fullwidth-equals', 'sys_name')).toBe(`'\uff1d1+2`);
    expect(cell('text-osc-title', 'sys_name')).toBe('\\x1b]0;pwned\\x07');
    expect(cell('text-clear-screen', 'controller_firmware')).toBe('\\x1b[2J');
    expect(cell('text-csi-8bit', 'sys_name')).toBe('\\x9b31mred');
    expect(cell('text-bidi-override', 'sys_name')).toBe('abc\\u202edcba');
    expect(cell('text-newline', 'sys_location')).toBe('line1\\nline2');
    expect(cell('text-invalid-utf8', 'sys_name')).toBe('A\ufffd\ufffdB\ufffd');
    expect(cell('text-over-long', 'sys_name')).toHaveLength(MAX_TEXT);
    // The model is quoted at the start of the reason: that cell is guarded too.
    // A formula is not a model (issue 9): the reason quotes it, and the model cell stays empty.
    expect(cell('model-hyperlink', 'reason')).toMatch(/^Rack ATS, but its model cannot be trusted: .*=HYPERLINK.* looks like a spreadsheet formula/);
    expect(cell('model-hyperlink', 'model')).toBe('');
  });

  it('guards reason cells that quote device text, wherever it lands', () => {
    for (const p of placed.filter((x) => x.where !== 'text')) {
      const r = rows.find((x) => x.host === p.host)!;
      expect(r.reason, p.name).not.toBe('');
      expect(r.reason, p.name).not.toMatch(/^ *[=+\-@\t\r]/);
    }
  });
});

describe('console table', () => {
  for (const [label, env] of [
    ['colour off', { NO_COLOR: '1' }],
    ['colour on', { FORCE_COLOR: '1' }],
  ] as const) {
    it(`${label}: nothing but the tool's own colour codes reaches the terminal raw`, async () => {
      const { out } = await run('table', captureIo({ tty: true, env: { ...env } }));
      if (label === 'colour off') expect(out).not.toContain('\x1b');
      else expect(out, 'colour is on').toMatch(SGR);
      const plain = out.replace(SGR, '');
      expect(plain).not.toMatch(RAW_CONTROL);
      expect(plain).not.toMatch(RAW_FORMAT);
      // Escapes are shown, not acted on: the OSC title and the 8-bit CSI are readable text.
      expect(plain).toContain('\\x1b]0;pwned\\x07');
      expect(plain).toContain('\\x9b31mred');
      expect(plain).toContain('=HYPERLINK(\\"http://evil\\")');
      expect(plain).toMatch(/\d+ units: /);
    });
  }
});

describe('JSON', () => {
  interface JsonUnit {
    host: string;
    verdict: string;
    reason: string;
    identity: Record<string, string | null> | null;
    raw: Record<string, { type: string; value: string | number; invalid_utf8?: true; truncated?: true }> | null;
  }
  let units: JsonUnit[];
  let text: string;
  beforeAll(async () => {
    text = (await run('json')).out;
    units = (JSON.parse(text) as { units: JsonUnit[] }).units;
  });
  const unit = (name: string) => units.find((u) => u.host === placed.find((p) => p.name === name)!.host)!;

  it('parses, one unit per target, and holds no raw control or C1 bytes in its text', () => {
    expect(units).toHaveLength(placed.length);
    expect(text.replace(/\n/g, '')).not.toMatch(RAW_CONTROL);
    expect(text).not.toMatch(RAW_FORMAT);
  });

  it('carries each valid string exactly as the unit sent it', () => {
    for (const p of placed.filter((x) => x.where === 'text' && typeof x.payload.value === 'string' && x.payload.value.length <= MAX_TEXT)) {
      const u = unit(p.name);
      expect(u.raw?.sysName?.value, p.name).toBe(p.payload.value);
      expect(u.raw?.sysName?.invalid_utf8, p.name).toBeUndefined();
      expect(u.raw?.sysName?.truncated, p.name).toBeUndefined();
      expect(u.identity?.sys_name, p.name).toBe(p.payload.value);
      expect(u.identity?.sys_location, p.name).toBe(p.payload.value);
    }
  });

  it('marks invalid UTF-8: the raw value says so and shows replacement characters', () => {
    const u = unit('text-invalid-utf8');
    expect(u.raw?.sysName).toEqual({ type: 'string', value: 'A\ufffd\ufffdB\ufffd', invalid_utf8: true });
    expect(unit('model-invalid-utf8').raw?.atsIdentModelNumber?.invalid_utf8).toBe(true);
  });

  it('marks truncation: the raw value is cut to MAX_TEXT and says so', () => {
    const u = unit('text-over-long');
    expect(u.raw?.sysName?.truncated).toBe(true);
    expect(String(u.raw?.sysName?.value)).toHaveLength(MAX_TEXT);
    expect(String(u.raw?.sysName?.value)).toMatch(/^Lx+$/);
  });

  it('keeps the verdict of units whose only oddity is their text (AP7724, loaded: at-risk)', () => {
    for (const p of placed.filter((x) => x.where === 'text')) expect(unit(p.name).verdict, `${p.name}: ${unit(p.name).reason}`).toBe('at-risk');
    for (const p of placed.filter((x) => x.where === 'descr')) expect(unit(p.name).verdict, p.name).toBe('not-ats');
  });

  it('says in the reason when device text was not valid UTF-8 or was cut', () => {
    expect(unit('text-invalid-utf8').reason).toMatch(/sysName is not valid UTF-8/);
    expect(unit('text-over-long').reason).toMatch(/sysName is over-long \(cut to its first 1024 characters\)/);
    expect(unit('model-invalid-utf8').reason).toMatch(/atsIdentModelNumber is not valid UTF-8/);
    expect(unit('model-over-long').reason).toMatch(/atsIdentModelNumber is over-long/);
    expect(unit('descr-invalid-utf8').reason).toMatch(/sysDescr is not valid UTF-8/);
  });

  // A model number that arrived as invalid UTF-8, or cut at MAX_TEXT, is not the model the
  // card has: "A\ufffd\ufffdB" or 1024 characters of "Lxxx" must not decide a clear verdict.
  // Today such a model is judged as given: "... is not on FA156178", not-affected (exit 0),
  // with the damage only noted in the reason.
  it('issue 9: every model that is not a clean part number (formula, control character, damaged) leaves the unit unknown', () => {
    for (const p of placed.filter((x) => x.where === 'model')) {
      const u = unit(p.name);
      expect(u.verdict, `${p.name}: ${u.reason}`).toBe('unknown');
      expect(u.reason, p.name).toMatch(/model cannot be trusted/);
    }
  });

  it('does not call a unit not-affected on a model that was not valid UTF-8 or was cut', () => {
    for (const name of ['model-invalid-utf8', 'model-over-long']) {
      const u = unit(name);
      expect(u.verdict, `${name}: ${u.reason}`).not.toBe('not-affected');
    }
  });
});
