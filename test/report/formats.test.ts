import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import type { AuditResult } from '../../src/audit/audit-result.js';
import { VERDICTS } from '../../src/audit/finding.js';
import { OBJECT_KEYS } from '../../src/poll/oid-map.js';
import { COLUMNS, COLUMN_NAMES } from '../../src/report/columns.js';
import { renderCsv } from '../../src/report/csv.js';
import { renderJson, type JsonReport } from '../../src/report/json.js';
import { forCsvCell } from '../../src/report/sanitize.js';
import { formatSummary, summarize } from '../../src/report/summary.js';
import { renderTable, shouldUseColor } from '../../src/report/table.js';
import { displayWidth } from '../../src/report/text-width.js';
import * as fx from '../fixtures/results.js';
import { trap } from '../fixtures/spreadsheet-traps.js';

// ---------------------------------------------------------------------------------------------
// Fixtures: the shared ones (test/fixtures/results.ts), with the differences these assertions
// need spelled out: full sysDescr strings, long reasons that wrap in the table, two sites.

const atRisk1U: AuditResult = {
  ...fx.atRisk1U,
  identity: {
    ...fx.atRisk1U.identity,
    sysDescr:
      'APC Web/SNMP Management Card (MB:v3.9.2 PF:v3.7.4 PN:apc_hw02_aos_374.bin AF1:v3.7.1 AN1:apc_hw02_g2ats_371.bin MN:AP7721 HR:B2 SN: 5A1234E01234 MD:03/14/2012)',
  },
  finding: {
    ...fx.atRisk1U.finding,
    reason: 'AP7721 is on the bulletin, both inputs are live and 4.2 A of load is attached: the upgrade could switch sources back and forth and destroy the unit.',
    action: 'Before upgrading, disconnect input B (the secondary) and run from input A only, or remove all loads.',
  },
  raw: {
    reading: {
      // Deliberately not in oid-map order: the JSON must put them back in order.
      atsOutputCurrent: { type: 'integer', value: 42 },
      sysDescr: { type: 'string', value: 'APC Web/SNMP Management Card (MN:AP7721)' },
      sysObjectID: { type: 'oid', value: '1.3.6.1.4.1.318.1.3.11' },
      atsIdentModelNumber: { type: 'string', value: 'AP7721' },
      atsInputVoltageA: { type: 'integer', value: 230 },
      sysName: { type: 'string', value: 'ats-r12', truncated: true },
      sysLocation: { type: 'other', value: '10.9.9.9', snmpType: 'IpAddress' },
    },
    walked: {},
  },
};

const { ADVISORY, safe, notAffected } = fx;

const unknown2U: AuditResult = { ...fx.unknown2U, target: { ...fx.unknown2U.target, site: 'dc2' } };

const unreachable: AuditResult = { ...fx.unreachable, target: { ...fx.unreachable.target, site: 'dc2' } };

const notAts: AuditResult = {
  ...fx.notAts,
  identity: {
    sysDescr:
      'APC Web/SNMP Management Card (MB:v4.1.0 PF:v6.8.2 PN:apc_hw05_aos_682.bin AF1:v6.8.2 AN1:apc_hw05_rpdu2g_682.bin MN:AP8841 HR:02 SN: ZA1 MD:01/01/2020)',
  },
};

// Text aimed at spreadsheets and terminals (fixtures/results.ts aims its hostile unit at HTML
// and Prometheus).
const HOSTILE_NAME = '\x1b]8;;http://evil.example/\x07click me\x1b]8;;\x07';
const HOSTILE_SYSNAME = "=cmd|' /C calc'!A0";
const HOSTILE_LOCATION = '+SUM(A1)';
const HOSTILE_MODEL = 'AP7721\x1b[2J';

const hostile: AuditResult = {
  target: { host: '10.0.0.66', port: 161, name: HOSTILE_NAME, site: '\u202etxt.exe', origin: 'fleet.csv:8' },
  identity: {
    model: HOSTILE_MODEL,
    serial: '\u009b31mSERIAL',
    hardwareRev: '\x1b]0;pwned\x07',
    aosVersion: '@SUM(1+1)',
    aosFile: '\r=1+1',
    appVersion: '\tv3.7.1',
    appFile: '-2+3+cmd|x',
    controllerFirmware: 'line1\nline2',
    sysName: HOSTILE_SYSNAME,
    sysLocation: HOSTILE_LOCATION,
  },
  finding: {
    verdict: 'at-risk',
    reason: `Model "${HOSTILE_MODEL}" is on the bulletin and a load is attached.`,
    action: `Isolate the secondary of ${HOSTILE_SYSNAME} before upgrading.`,
    advisoryId: ADVISORY,
    facts: { primarySource: 'A', secondaryLive: 'yes', loadAttached: 'yes', loadAmps: 1.25 },
  },
  raw: {
    reading: {
      sysName: { type: 'string', value: HOSTILE_SYSNAME },
      atsIdentHardwareRev: { type: 'string', value: '\x1b]0;pwned\x07\ufffd', invalidUtf8: true },
    },
    walked: {},
  },
  requests: 1,
};

/** In no particular order: every renderer must cope. */
const ALL: readonly AuditResult[] = [safe, hostile, notAts, unreachable, atRisk1U, notAffected, unknown2U];

/** Raw bytes a terminal or spreadsheet could act on (C0 minus CR/LF, DEL, C1, bidi). */
const RAW_CONTROL = /[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/;

// ---------------------------------------------------------------------------------------------

type Row = Record<string, string>;

function csvRows(text: string): Row[] {
  return parse(text, { columns: true, bom: true }) as Row[];
}

function rowFor(rows: Row[], host: string): Row {
  const row = rows.find((r) => r.host === host);
  if (!row) throw new Error(`no row for ${host}`);
  return row;
}

describe('renderCsv', () => {
  const text = renderCsv(ALL);
  const records = parse(text) as string[][];
  const rows = csvRows(text);

  it('has the documented header and one row per unit', () => {
    expect(records[0]).toEqual([...COLUMN_NAMES]);
    expect(records).toHaveLength(ALL.length + 1);
    for (const record of records) expect(record).toHaveLength(COLUMN_NAMES.length);
  });

  it('ends every record with CRLF and has no other line breaks', () => {
    expect(text.endsWith('\r\n')).toBe(true);
    expect(text.split('\r\n')).toHaveLength(ALL.length + 2);
    expect(text.replaceAll('\r\n', '')).not.toMatch(/[\r\n]/);
  });

  it('writes the facts of an at-risk 1U unit', () => {
    const row = rowFor(rows, '10.0.0.10');
    expect(row).toMatchObject({
      port: '161',
      name: 'ats-r12',
      site: 'dc1',
      verdict: 'at-risk',
      model: 'AP7721',
      aos_version: 'v3.7.4',
      aos_file: 'apc_hw02_aos_374.bin',
      app_version: 'v3.7.1',
      app_file: 'apc_hw02_g2ats_371.bin',
      controller_firmware: '3.0.5',
      primary_source: 'A',
      selected_source: 'A',
      source_a: 'ok',
      source_b: 'ok',
      voltage_a: '230',
      voltage_b: '229',
      secondary_live: 'yes',
      load_attached: 'yes',
      load_amps: '4.2',
      advisory: 'FA156178',
    });
    expect(row.reason).toBe(atRisk1U.finding.reason);
  });

  it('writes load with one decimal, 0.0 included', () => {
    expect(rowFor(rows, '10.0.0.9').load_amps).toBe('0.0');
    expect(rowFor(rows, '10.0.0.31').load_amps).toBe('12.3');
    expect(rowFor(rows, '10.0.0.66').load_amps).toBe('1.3');
  });

  it('writes unknown as unknown and unknown values as blank', () => {
    const row = rowFor(rows, '10.0.1.2');
    expect(row).toMatchObject({ port: '1161', primary_source: 'none', secondary_live: 'unknown', load_attached: 'unknown' });
    expect(row).toMatchObject({ selected_source: '', source_a: '', source_b: '', voltage_a: '', load_amps: '' });
  });

  it('leaves not-applicable facts blank', () => {
    for (const host of ['10.0.0.30', 'ats-gone.example']) {
      const row = rowFor(rows, host);
      for (const c of COLUMNS.filter((col) => col.group === 'facts')) expect(row[c.name], `${host} ${c.name}`).toBe('');
    }
    expect(rowFor(rows, 'ats-gone.example')).toMatchObject({ model: '', sys_name: '', verdict: 'unreachable', advisory: '' });
    expect(rowFor(rows, '10.0.0.30')).toMatchObject({ model: '', verdict: 'not-ats', action: '' });
  });

  it('neutralises hostile cells but keeps them readable', () => {
    const row = rowFor(rows, '10.0.0.66');
    expect(row.sys_name).toBe("'=cmd|' /C calc'!A0");
    expect(row.sys_location).toBe("'+SUM(A1)");
    expect(row.aos_version).toBe("'@SUM(1+1)");
    expect(row.aos_file).toBe("'\\r=1+1");
    expect(row.app_version).toBe("'\\tv3.7.1");
    expect(row.app_file).toBe("'-2+3+cmd|x");
    expect(row.model).toBe('AP7721\\x1b[2J');
    expect(row.serial).toBe('\\x9b31mSERIAL');
    expect(row.hardware_rev).toBe('\\x1b]0;pwned\\x07');
    expect(row.controller_firmware).toBe('line1\\nline2');
    expect(row.name).toBe('\\x1b]8;;http://evil.example/\\x07click me\\x1b]8;;\\x07');
    expect(row.site).toBe('\\u202etxt.exe');
    expect(row.reason).toBe('Model "AP7721\\x1b[2J" is on the bulletin and a load is attached.');
  });

  it('has no cell a spreadsheet would run and no raw control characters', () => {
    for (const record of records) for (const cell of record) expect(cell).not.toMatch(/^[=+@\t\r-]/);
    expect(text).not.toMatch(RAW_CONTROL);
  });

  it('adds a byte order mark only when asked', () => {
    expect(text.startsWith('\ufeff')).toBe(false);
    const withBom = renderCsv(ALL, { bom: true });
    expect(withBom.startsWith('\ufeff"host","port",')).toBe(true);
    expect(csvRows(withBom)).toEqual(rows);
  });

  it('writes just the header for no units', () => {
    expect(renderCsv([])).toBe(`${COLUMN_NAMES.map((n) => `"${n}"`).join(',')}\r\n`);
  });

  it('quotes every text cell and no number, so "quoted field as text" keeps versions and serials', () => {
    const [header, ...records] = renderCsv([trap, atRisk1U, unreachable]).split('\r\n').filter((l) => l !== '');
    expect(header).toBe(COLUMN_NAMES.map((n) => `"${n}"`).join(','));
    // The trap unit: every field as written, split on the commas between fields.
    const fields = (line: string) => (parse(line) as string[][])[0]!;
    const raw = (line: string) => line.match(/("(?:[^"]|"")*"|[^,]*)(?:,|$)/g)!.map((f) => f.replace(/,$/, '')).slice(0, COLUMNS.length);
    for (const line of records) {
      const values = fields(line);
      const written = raw(line);
      expect(written).toHaveLength(COLUMNS.length);
      COLUMNS.forEach((c, i) => {
        const w = written[i]!;
        if (values[i] === '') expect(w, c.name).toBe('');
        else if (c.kind === 'number') expect(w, c.name).toMatch(/^-?\d+(\.\d+)?$/);
        else expect(w, c.name).toMatch(/^".*"$/s);
      });
    }
    const trapLine = records.find((l) => l.startsWith('"10.0.0.77"'))!;
    expect(trapLine).toContain(',"2.5.1",');
    expect(trapLine).toContain(',"00012345",');
    expect(trapLine).toContain(',"1/2",');
    expect(trapLine).toContain(',"01.02",');
    expect(trapLine).toContain(',1161,');
    expect(trapLine).toContain(',229.5,0,');
    // Amps keep their one decimal, unquoted.
    expect(trapLine).toContain(',4.0,');
    expect(trapLine).toContain(`,"'=HYPERLINK(""http://evil.example/"",""click"")",`);
  });
});

describe('renderJson', () => {
  const meta = { version: '0.1.0', generatedAt: new Date('2025-01-02T03:04:05Z'), advisories: [ADVISORY] };
  const text = renderJson(ALL, meta);
  const report = JSON.parse(text) as JsonReport;
  const unitFor = (host: string) => {
    const u = report.units.find((x) => x.host === host);
    if (!u) throw new Error(`no unit for ${host}`);
    return u;
  };

  it('has the header fields in a stable order', () => {
    expect(Object.keys(report)).toEqual(['tool', 'version', 'generatedAt', 'advisories', 'summary', 'units']);
    expect(report).toMatchObject({ tool: 'ats-audit', version: '0.1.0', generatedAt: '2025-01-02T03:04:05.000Z', advisories: [ADVISORY] });
    expect(renderJson([], { ...meta, generatedAt: '2025-01-02T03:04:05Z' })).toContain('"generatedAt": "2025-01-02T03:04:05Z"');
  });

  it('summarises every verdict, worst first', () => {
    expect(report.summary.total).toBe(ALL.length);
    expect(Object.keys(report.summary.byVerdict)).toEqual([...VERDICTS]);
    expect(report.summary.byVerdict).toEqual({
      'at-risk': 2,
      unknown: 1,
      unreachable: 1,
      'safe-to-upgrade': 1,
      'not-affected': 1,
      'not-ats': 1,
    });
  });

  it('keeps units in input order with a fixed key order', () => {
    expect(report.units.map((u) => u.host)).toEqual(ALL.map((r) => r.target.host));
    const unitKeys = COLUMNS.filter((c) => c.group === 'unit').map((c) => c.name);
    expect(unitKeys).toEqual(['host', 'port', 'name', 'site', 'verdict', 'reason', 'action', 'advisory', 'change', 'previous_verdict', 'read_at', 'read_from']);
    for (const u of report.units) expect(Object.keys(u)).toEqual([...unitKeys, 'identity', 'facts', 'raw', 'walked']);
    const identityKeys = COLUMNS.filter((c) => c.group === 'identity').map((c) => c.name);
    expect(Object.keys(unitFor('10.0.0.9').identity ?? {})).toEqual(identityKeys);
  });

  it('carries the same facts as the CSV', () => {
    const rows = csvRows(renderCsv(ALL));
    report.units.forEach((u, i) => {
      const row = rows[i] ?? {};
      const flat: Record<string, unknown> = { ...u, ...(u.identity ?? {}), ...(u.facts ?? {}) };
      for (const c of COLUMNS) {
        const v = flat[c.name] ?? null;
        const asCsv = v === null ? '' : c.kind === 'text' ? forCsvCell(String(v)) : c.name === 'load_amps' ? (v as number).toFixed(1) : String(v);
        expect(asCsv, `${u.host} ${c.name}`).toBe(row[c.name]);
      }
    });
  });

  it('uses numbers, null for unknown, and null groups where not applicable', () => {
    expect(unitFor('10.0.0.10').facts).toMatchObject({ load_amps: 4.2, voltage_a: 230, secondary_live: 'yes', load_attached: 'yes' });
    expect(unitFor('10.0.0.9').facts).toMatchObject({ load_amps: 0, secondary_live: 'no' });
    expect(unitFor('10.0.1.2').facts).toMatchObject({ load_amps: null, source_a: null, secondary_live: 'unknown' });
    expect(unitFor('10.0.1.2')).toMatchObject({ port: 1161, name: 'ats-2u' });
    expect(unitFor('10.0.0.9')).toMatchObject({ name: null, action: null });
    expect(unitFor('10.0.0.30').facts).toBeNull();
    expect(unitFor('10.0.0.30').identity).toMatchObject({ model: null });
    expect(unitFor('ats-gone.example')).toMatchObject({ identity: null, facts: null, raw: null, walked: null, advisory: null });
  });

  it('includes the raw values, typed, in oid-map order', () => {
    const raw = unitFor('10.0.0.10').raw ?? {};
    expect(raw.atsOutputCurrent).toEqual({ type: 'integer', value: 42 });
    expect(raw.sysObjectID).toEqual({ type: 'oid', value: '1.3.6.1.4.1.318.1.3.11' });
    expect(raw.sysName).toEqual({ type: 'string', value: 'ats-r12', truncated: true });
    expect(raw.sysLocation).toEqual({ type: 'other', value: '10.9.9.9', snmp_type: 'IpAddress' });
    const keys = Object.keys(raw);
    expect(keys).toEqual(OBJECT_KEYS.filter((k) => keys.includes(k)));
    expect(unitFor('10.0.1.2').walked).toEqual({
      atsOutputBankCurrent: [
        { instance: '3', type: 'integer', value: 17 },
        { instance: '4', type: 'integer', value: 25 },
      ],
    });
    expect(unitFor('10.0.0.10').walked).toEqual({});
  });

  it('keeps hostile text exact in the data but inert in the file', () => {
    const u = unitFor('10.0.0.66');
    expect(u.name).toBe(HOSTILE_NAME);
    expect(u.identity).toMatchObject({ sys_name: HOSTILE_SYSNAME, sys_location: HOSTILE_LOCATION, model: HOSTILE_MODEL, serial: '\u009b31mSERIAL' });
    expect(u.site).toBe('\u202etxt.exe');
    expect(u.raw?.atsIdentHardwareRev).toEqual({ type: 'string', value: '\x1b]0;pwned\x07\ufffd', invalid_utf8: true });
    expect(text).not.toMatch(RAW_CONTROL);
  });

  it('has no key that could hold a credential', () => {
    const keys: string[] = [];
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object')
        for (const [k, inner] of Object.entries(v)) {
          keys.push(k);
          walk(inner);
        }
    };
    walk(report);
    expect(keys.filter((k) => /community|password|secret|auth|credential|key/i.test(k))).toEqual([]);
  });
});

describe('renderTable', () => {
  const plain = renderTable(ALL, { color: false });
  const lines = plain.trimEnd().split('\n');

  it('lists units worst verdict first, then by site, then by host (numeric-aware)', () => {
    const order = lines
      .slice(1)
      .filter((l) => /^\S/.test(l))
      .slice(0, ALL.length)
      .map((l) => l.split(/\s{2,}/)[1]);
    // ats-r12 (10.0.0.10, dc1) and the hostile one (10.0.0.66, bidi site) are at-risk: dc1 first.
    expect(order).toEqual(['10.0.0.10', '10.0.0.66', '10.0.1.2:1161', 'ats-gone.example', '10.0.0.9', '10.0.0.31', '10.0.0.30']);
    const verdicts = lines.slice(1, 1 + lines.length).filter((l) => /^(at-risk|unknown|unreachable|safe|not-)/.test(l)).map((l) => l.split(' ')[0]);
    expect(verdicts).toEqual(['at-risk', 'at-risk', 'unknown', 'unreachable', 'safe-to-upgrade', 'not-affected', 'not-ats']);
  });

  it('sorts hosts numerically, not as text', () => {
    const a = { ...safe, target: { ...safe.target, host: '10.0.0.10' } };
    const table = renderTable([a, safe], { color: false });
    expect(table.indexOf('10.0.0.9 ')).toBeLessThan(table.indexOf('10.0.0.10 '));
  });

  it('shows the header, firmware, primary, secondary live and load, with the reason below', () => {
    // The hostile unit's long firmware text would widen the row past 120: AOS/APP folds under each row.
    expect(lines[0]).toMatch(/^VERDICT\s+HOST\s+NAME\s+SITE\s+MODEL\s+PRIMARY\s+SEC LIVE\s+LOAD$/);
    const at = lines.findIndex((l) => l.startsWith('at-risk') && l.includes('ats-r12'));
    expect(lines[at]).toMatch(/10\.0\.0\.10\s+ats-r12\s+dc1\s+AP7721\s+A\s+yes\s+yes 4\.2A$/);
    const indent = lines[0]?.indexOf('HOST') ?? 0;
    expect(lines[at + 1]).toBe(`${' '.repeat(indent)}AOS/app v3.7.4/v3.7.1`);
    lines.splice(at + 1, 1);
    expect(lines[at + 1]).toBe(`${' '.repeat(indent)}AP7721 is on the bulletin, both inputs are live and 4.2 A of load is attached: the upgrade could switch`);
    expect(lines[at + 2]).toBe(`${' '.repeat(indent)}sources back and forth and destroy the unit.`);
    const notAtsRow = lines.find((l) => l.includes('10.0.0.30')) ?? '';
    expect(notAtsRow).toMatch(/^not-ats\s+10\.0\.0\.30\s+-\s+dc1\s+-\s+-\s+-\s+-$/);
    expect(lines.find((l) => l.includes('ats-2u'))).toMatch(/AP7752\s+none\s+unknown\s+unknown$/);
    expect(lines.find((l) => l.startsWith('not-affected'))).toMatch(/yes 12\.3A$/);
  });

  it('wraps long device text inside its column instead of cutting it', () => {
    const start = lines.findIndex((l) => l.includes('\\x1b]8;;http'));
    expect(lines[start]).not.toContain('…');
    expect(lines[start]).toMatch(/^at-risk\s+10\.0\.0\.66\s+\\x1b\]8;;http:\/\/evil\.exam/);
    // The rest of the name continues on the next lines, in the same column.
    const column = lines[start]!.indexOf('\\x1b]8;;http');
    expect(lines[start + 1]!.slice(0, column).trim()).toBe('');
    expect(lines[start + 1]!.slice(column)).toMatch(/^\S/);
  });

  it('lists an action line for every at-risk and unknown unit', () => {
    const start = lines.indexOf('Before upgrading:');
    expect(start).toBeGreaterThan(0);
    const actions = lines.slice(start + 1).filter((l) => l.startsWith('  ') && !l.startsWith('    '));
    expect(actions).toHaveLength(3);
    expect(actions[0]).toBe(
      '  at-risk ats-r12 (10.0.0.10): Before upgrading, disconnect input B (the secondary) and run from input A only, or remove',
    );
    expect(lines[lines.indexOf(actions[0] ?? '') + 1]).toBe('    all loads.');
    expect(actions[1]).toMatch(/^ {2}at-risk \\x1b\]8;;http/);
    expect(plain).toContain('(10.0.0.66): Isolate the secondary of =cmd');
    expect(actions[2]).toBe('  unknown ats-2u (10.0.1.2:1161): Check the unit on site before any upgrade.');
    expect(plain).not.toContain('ats-gone.example):');
  });

  it('ends with the summary line', () => {
    expect(lines.at(-1)).toBe('7 units: 2 at-risk, 1 unknown, 1 unreachable, 1 safe-to-upgrade, 1 not-affected, 1 not-ats');
    expect(lines.at(-2)).toBe('');
  });

  it('fits in 120 columns and holds no escape sequence or control character', () => {
    for (const line of lines) expect(displayWidth(line), line).toBeLessThanOrEqual(120);
    expect(plain).not.toContain('\x1b');
    expect(plain).not.toMatch(RAW_CONTROL);
    expect(plain).toContain('\\x1b[2J');
  });

  it('wraps the reason within a narrower width', () => {
    const narrow = renderTable([atRisk1U, unknown2U, safe], { color: false, width: 90 }).split('\n');
    for (const line of narrow) expect(displayWidth(line), line).toBeLessThanOrEqual(90);
    expect(narrow.filter((l) => l.startsWith(' '.repeat(17))).length).toBeGreaterThan(4);
    expect(narrow.join('\n')).toContain('v3.7.4/v3.7.1');
  });

  it('colours verdicts only when asked, and emits nothing but SGR colour codes', () => {
    const coloured = renderTable(ALL, { color: true });
    expect(coloured).toContain('\x1b[31m');
    expect(coloured).toContain('\x1b[33m');
    expect(coloured).toContain('\x1b[32m');
    expect(coloured).toContain('\x1b[1m');
    expect(coloured).toContain('\x1b[2m');
    const escapes = coloured.match(/\x1b[^m]*m?/g) ?? [];
    for (const e of escapes) expect(e).toMatch(/^\x1b\[\d+(;\d+)*m$/);
    expect(coloured.replace(/\x1b\[\d+(;\d+)*m/g, '')).toBe(plain);
  });

  it('says so when there is nothing to show', () => {
    expect(renderTable([], { color: false }).trimEnd().split('\n').at(-1)).toBe(
      '0 units: 0 at-risk, 0 unknown, 0 unreachable, 0 safe-to-upgrade, 0 not-affected, 0 not-ats',
    );
  });
});

describe('shouldUseColor', () => {
  const tty = { isTTY: true };
  const pipe = { isTTY: false };

  it('colours a TTY unless NO_COLOR is set', () => {
    expect(shouldUseColor(tty, {})).toBe(true);
    expect(shouldUseColor(tty, { NO_COLOR: '1' })).toBe(false);
    expect(shouldUseColor(tty, { NO_COLOR: '' })).toBe(true);
    expect(shouldUseColor(tty, { TERM: 'dumb' })).toBe(false);
  });

  it('does not colour a pipe or file', () => {
    expect(shouldUseColor(pipe, {})).toBe(false);
    expect(shouldUseColor({}, {})).toBe(false);
  });

  it('lets FORCE_COLOR decide', () => {
    expect(shouldUseColor(pipe, { FORCE_COLOR: '1' })).toBe(true);
    expect(shouldUseColor(tty, { FORCE_COLOR: '1', NO_COLOR: '1' })).toBe(true);
    expect(shouldUseColor(tty, { FORCE_COLOR: '0' })).toBe(false);
    expect(shouldUseColor(tty, { FORCE_COLOR: 'false' })).toBe(false);
    expect(shouldUseColor(tty, { FORCE_COLOR: '' })).toBe(true);
  });
});

describe('summarize', () => {
  it('counts every verdict, zeros included', () => {
    const s = summarize([safe, safe, unreachable]);
    expect(s.total).toBe(3);
    expect(s.byVerdict).toEqual({ 'at-risk': 0, unknown: 0, unreachable: 1, 'safe-to-upgrade': 2, 'not-affected': 0, 'not-ats': 0 });
    expect(formatSummary(s)).toBe('3 units: 0 at-risk, 0 unknown, 1 unreachable, 2 safe-to-upgrade, 0 not-affected, 0 not-ats');
    expect(formatSummary(summarize([safe]))).toMatch(/^1 unit: /);
  });
});
