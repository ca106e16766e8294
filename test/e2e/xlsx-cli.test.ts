import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Io } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { VERDICTS } from '../../src/audit/finding.js';
import { COLUMN_NAMES } from '../../src/report/columns.js';
import { demoFleet } from '../../tools/simulator/fleet.js';
import { startFleet, type RunningFleet } from '../../tools/simulator/server.js';
import { readXlsx } from '../helpers/xlsx-reader.js';
import { testPort } from '../helpers/test-net.js';

// `ats-audit -o report.xlsx` and `--format xlsx` end to end against the demo fleet on
// loopback (own address range and port), read back with the independent reader.

const PORT = testPort('e2e/xlsx-cli');
const COMMUNITY = 'xlsx-s3cr3t-community';
const FAST = ['--timeout', '300', '--retries', '0'];

let fleet: RunningFleet;
let dir: string;
let inventory: string;

beforeAll(async () => {
  fleet = await startFleet(demoFleet({ baseAddress: '127.0.91.1', port: PORT, community: COMMUNITY }));
  dir = mkdtempSync(join(tmpdir(), 'ats-audit-xlsx-cli-'));
  inventory = join(dir, 'fleet.csv');
  writeFileSync(inventory, `host,port,name,site\n${fleet.units.map((u, i) => `${u.host},${u.port},${u.name},${i % 2 ? 'DC1' : 'DC2'}`).join('\n')}\n`);
});
afterAll(async () => {
  await fleet?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => fleet.resetCounters());

/** An Io that keeps stdout as bytes. */
function byteIo(tty: boolean) {
  const out: Buffer[] = [];
  const err: string[] = [];
  const io: Io = {
    stdout: { write: (s: string | Uint8Array) => out.push(typeof s === 'string' ? Buffer.from(s) : Buffer.from(s)), isTTY: tty, columns: 120 },
    stderr: { write: (s: string) => err.push(s), isTTY: false },
    env: { ATS_AUDIT_COMMUNITY: COMMUNITY },
    readStdin: async () => '',
  };
  return { io, stdout: () => Buffer.concat(out), stderr: () => err.join('') };
}

describe('the sample workbook (npm run sample-reports)', () => {
  it('examples/reports/report.xlsx holds the 18 demo units with its three sheets', () => {
    const book = readXlsx(readFileSync(new URL('../../examples/reports/report.xlsx', import.meta.url)));
    expect(book.sheets.map((s) => s.name)).toEqual(['Units', 'Summary', 'Run']);
    expect(book.sheet('Units').rows).toHaveLength(19);
    const demo = demoFleet();
    expect(book.sheet('Summary').rows.at(-1)).toEqual(['All sites', ...VERDICTS.map((v) => demo.filter((u) => u.expect.verdict === v).length), demo.length]);
  });
});

describe('ats-audit with the xlsx format', () => {
  it('-o report.xlsx: picks the workbook from the extension, every unit once, no secret inside', async () => {
    const file = join(dir, 'report.xlsx');
    const cap = byteIo(false);
    const code = await main(['-i', inventory, ...FAST, '-o', file], cap.io);
    expect(code).toBe(3);
    expect(cap.stderr()).toContain(`wrote ${file} (xlsx): ${fleet.units.length} units:`);
    // Atomic write: no temporary file left beside it.
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const bytes = readFileSync(file);
    const book = readXlsx(bytes);
    const units = book.sheet('Units');
    expect(units.rows[0]).toEqual([...COLUMN_NAMES]);
    expect(units.rows).toHaveLength(fleet.units.length + 1);
    const col = (name: string) => COLUMN_NAMES.indexOf(name as never);
    for (const u of fleet.units) {
      const rows = units.rows.filter((r) => r[col('host')] === u.host && r[col('port')] === u.port);
      expect(rows, u.name).toHaveLength(1);
      expect(rows[0]![col('verdict')], u.name).toBe(u.expect.verdict);
      expect(rows[0]![col('name')], u.name).toBe(u.name);
    }
    const run = Object.fromEntries(book.sheet('Run').rows.slice(1).map((r) => [r[0], r[1]]));
    expect(run).toMatchObject({ tool: 'ats-audit', units: fleet.units.length, timeout_ms: '300', retries: '0', default_credentials: '$ATS_AUDIT_COMMUNITY', inventories: inventory });
    for (const [path, xml] of book.parts) expect(xml, path).not.toContain(COMMUNITY);
    expect(bytes.includes(Buffer.from(COMMUNITY))).toBe(false);
  });

  it('a community given with --community is named as the source in the Run sheet, never written', async () => {
    const file = join(dir, 'cli-community.xlsx');
    const cap = byteIo(false);
    const code = await main(['-i', inventory, ...FAST, '--community', COMMUNITY, '--rate', '500', '-o', file], { ...cap.io, env: {} });
    expect(code).toBe(3);
    const bytes = readFileSync(file);
    const book = readXlsx(bytes);
    const run = Object.fromEntries(book.sheet('Run').rows.slice(1).map((r) => [r[0], r[1]]));
    expect(run).toMatchObject({ default_credentials: '--community', rate_per_second: '500' });
    for (const [path, xml] of book.parts) expect(xml, path).not.toContain(COMMUNITY);
    expect(bytes.includes(Buffer.from(COMMUNITY))).toBe(false);
  });

  it('--format xlsx to a pipe writes the workbook bytes to stdout', async () => {
    const cap = byteIo(false);
    const code = await main(['-i', inventory, ...FAST, '--format', 'xlsx'], cap.io);
    expect(code).toBe(3);
    const book = readXlsx(cap.stdout());
    expect(book.sheet('Units').rows).toHaveLength(fleet.units.length + 1);
    expect(book.sheet('Summary').rows.at(-1)?.at(-1)).toBe(fleet.units.length);
  });

  it('--format xlsx on a terminal is refused before any packet', async () => {
    const cap = byteIo(true);
    const code = await main(['-i', inventory, ...FAST, '--format', 'xlsx'], cap.io);
    expect(code).toBe(2);
    expect(cap.stderr()).toContain('--format xlsx writes a binary file: give --output FILE.xlsx, or redirect standard output');
    expect(cap.stdout()).toHaveLength(0);
    expect(fleet.totals().requests).toBe(0);
  });

  // The shipped bundle loads exceljs from node_modules (rolldown --external exceljs): bundled,
  // its dependencies' old Buffer() calls would print a DeprecationWarning on every run.
  const bin = new URL('../../dist/bin/ats-audit.js', import.meta.url);
  it.skipIf(!existsSync(bin))('the bundled binary writes the workbook with nothing on stderr but its own lines', () => {
    const file = join(dir, 'bundle.xlsx');
    const r = spawnSync(process.execPath, [bin.pathname, '10.0.0.0/33', '-o', file], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toEqual([
      'ats-audit: argument 1: "10.0.0.0/33": prefix length must be 0-32',
      `ats-audit: wrote ${file} (xlsx): 1 unit: 0 at-risk, 0 unknown, 1 unreachable, 0 safe-to-upgrade, 0 not-affected, 0 not-ats`,
    ]);
    expect(readXlsx(readFileSync(file)).sheet('Units').rows[1]?.[COLUMN_NAMES.indexOf('verdict')]).toBe('unreachable');
  });
});
