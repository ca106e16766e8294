import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { COLUMN_NAMES } from '../../src/report/columns.js';
import { demoFleet, type SimUnit } from '../../tools/simulator/fleet.js';
import { startFleet, type RunningFleet } from '../../tools/simulator/server.js';
import { captureIo } from '../helpers/capture-io.js';
import { BIN_NOTE } from '../helpers/built-bin.js';
import { testPort } from '../helpers/test-net.js';

// The command end to end against the simulated fleet on loopback (own address range and port,
// so it can run beside the other socket tests).
const PORT = testPort('e2e/cli');
const FAST = ['--timeout', '300', '--retries', '0'];

let fleet: RunningFleet;
let units: readonly SimUnit[];
const hostPort = (u: SimUnit) => `${u.host}:${u.port}`;
const byVerdict = (...verdicts: string[]) => units.filter((u) => verdicts.includes(u.expect.verdict));

beforeAll(async () => {
  fleet = await startFleet(demoFleet({ baseAddress: '127.0.50.1', port: PORT }));
  units = fleet.units;
});
afterAll(async () => {
  await fleet?.stop();
});
beforeEach(() => fleet.resetCounters());

type CsvRow = Record<string, string>;
const csvRows = (text: string): CsvRow[] => parse(text, { columns: true, bom: true }) as CsvRow[];

describe('ats-audit scan against the demo fleet', () => {
  it('reports every unit exactly once with the verdict the fleet was built for (CSV parsed back)', async () => {
    const cap = captureIo();
    const code = await main([...units.map(hostPort), ...FAST, '--format', 'csv'], cap.io);
    const text = cap.stdout();
    const header = parse(text, { to_line: 1 })[0] as string[];
    expect(header).toEqual([...COLUMN_NAMES]);
    const rows = csvRows(text);
    expect(rows).toHaveLength(units.length);
    for (const u of units) {
      const mine = rows.filter((r) => r.host === u.host && r.port === String(u.port));
      expect(mine, u.name).toHaveLength(1);
      expect(mine[0]!.verdict, `${u.name}: ${mine[0]!.reason}`).toBe(u.expect.verdict);
      expect(mine[0]!.reason, u.name).not.toBe('');
    }
    // Every verdict word appears: the demo fleet covers them all.
    expect(new Set(rows.map((r) => r.verdict))).toEqual(
      new Set(['at-risk', 'unknown', 'unreachable', 'safe-to-upgrade', 'not-affected', 'not-ats']),
    );
    expect(code).toBe(3);
  });

  it('fills the facts columns for a loaded 1U unit on primary A', async () => {
    const u = units.find((x) => x.name.startsWith('ap7722a-primary-a-loaded'))!;
    const cap = captureIo();
    await main([hostPort(u), ...FAST, '--format', 'csv'], cap.io);
    expect(csvRows(cap.stdout())[0]).toMatchObject({
      verdict: 'at-risk',
      model: 'AP7722A',
      aos_version: 'v3.7.4',
      app_version: 'v3.7.1',
      aos_file: 'apc_hw02_aos_374.bin',
      primary_source: 'A',
      selected_source: 'A',
      source_a: 'ok',
      source_b: 'ok',
      secondary_live: 'yes',
      load_attached: 'yes',
      load_amps: '4.2',
      controller_firmware: '3.0.5',
      advisory: 'FA156178',
    });
  });

  it('reads each unit with one GET in the common case and never sends a SET', async () => {
    const complete = units.filter((u) => u.behaviour === 'agent');
    const cap = captureIo();
    await main([...complete.map(hostPort), ...FAST, '--format', 'json'], cap.io);
    const report = JSON.parse(cap.stdout()) as { units: Array<{ host: string; walked: Record<string, unknown> | null }> };
    for (const u of complete) {
      const c = fleet.counters(u);
      expect(c.byType.SetRequest, u.name).toBe(0);
      const walked = report.units.find((x) => x.host === u.host)?.walked ?? {};
      if (Object.keys(walked).length === 0 && u.expect.verdict !== 'unknown') {
        expect(c.requests, `${u.name} needed no fallback, so one GET`).toBe(1);
        expect(c.byType.GetRequest, u.name).toBe(1);
      }
    }
    // The 1U unit that does not support atsOutputCurrent (-1) and has no bank table costs one
    // bounded walk of the bank column, and still only GETs and GETNEXT/GETBULK.
    const noLoad = units.find((u) => u.name.startsWith('ap7752-load-not-reported'))!;
    expect(fleet.counters(noLoad).requests).toBeLessThanOrEqual(3);
    expect(fleet.totals().byType.SetRequest).toBe(0);
  });

  it('exits 0 when all is clear, 4 when some cannot be assessed, 3 when any unit is at risk', async () => {
    const clear = byVerdict('safe-to-upgrade', 'not-affected', 'not-ats').map(hostPort);
    expect(await main([...clear, ...FAST, '-f', 'json'], captureIo().io)).toBe(0);
    const incomplete = [...clear, ...byVerdict('unknown', 'unreachable').map(hostPort)];
    expect(await main([...incomplete, ...FAST, '-f', 'json'], captureIo().io)).toBe(4);
    expect(await main([...incomplete, ...byVerdict('at-risk').map(hostPort), ...FAST, '-f', 'json'], captureIo().io)).toBe(3);
  });

  it('says why an unreachable unit gave nothing: silent host and wrong community time out, a bad name fails DNS', async () => {
    const silent = units.find((u) => u.behaviour === 'silent')!;
    const cap = captureIo();
    const code = await main([hostPort(silent), 'no-such-host.invalid', ...FAST, '-f', 'csv'], cap.io);
    const rows = csvRows(cap.stdout());
    expect(rows.find((r) => r.host === silent.host)?.reason).toMatch(/no answer after 300 ms × 1 try from port 16181/);
    expect(rows.find((r) => r.host === 'no-such-host.invalid')?.reason).toMatch(/DNS lookup of "no-such-host\.invalid" failed/);
    expect(code).toBe(4);
  });

  it('de-duplicates targets given twice, by argument and by inventory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ats-audit-cli-'));
    const u = units[0]!;
    const inv = join(dir, 'fleet.csv');
    writeFileSync(inv, `host,port,name,site\n${u.host},${u.port},rack-1,DC1\n${u.host},${u.port},rack-1-again,DC1\n`);
    const cap = captureIo();
    await main([hostPort(u), '-i', inv, ...FAST, '-f', 'csv'], cap.io);
    expect(csvRows(cap.stdout())).toHaveLength(1);
  });

  it('takes name and site from a CSV inventory (and stdin) and reports them', async () => {
    const [a, b] = units;
    const cap = captureIo({ stdin: `# racks in DC1\nhost,port,name,site,owner\n${a!.host},${a!.port},r01-ats,DC1,team-x\n${b!.host},${b!.port},r02-ats,DC2,\n` });
    await main(['-i', '-', ...FAST, '-f', 'csv'], cap.io);
    const rows = csvRows(cap.stdout());
    expect(rows.map((r) => [r.name, r.site]).sort()).toEqual([
      ['r01-ats', 'DC1'],
      ['r02-ats', 'DC2'],
    ]);
  });

  it('audits the good lines of an inventory with a bad one, names the bad line, and still lists it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ats-audit-cli-'));
    const inv = join(dir, 'hosts.txt');
    const safe = byVerdict('safe-to-upgrade')[0]!;
    writeFileSync(inv, `# fleet\n${hostPort(safe)}\n10.0.0.0/33\n`);
    const cap = captureIo();
    const code = await main(['-i', inv, ...FAST, '-f', 'csv'], cap.io);
    expect(cap.stderr()).toMatch(/hosts\.txt:3:1: "10\.0\.0\.0\/33": prefix length must be 0-32/);
    const rows = csvRows(cap.stdout());
    expect(rows).toHaveLength(2);
    expect(rows.find((r) => r.host === safe.host)?.verdict).toBe('safe-to-upgrade');
    expect(rows.find((r) => r.host !== safe.host)?.reason).toMatch(/invalid target: .*prefix length/);
    expect(code).toBe(2);
  });

  it('uses a credential profile named in the inventory, with the secret from the environment, and never prints it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ats-audit-profile-'));
    const other = units.find((u) => u.behaviour === 'wrong-community')!;
    const plain = units.find((u) => u.expect.verdict === 'safe-to-upgrade')!;
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ profiles: { legacy: { version: '2c', communityEnv: 'LEGACY_COMMUNITY' } } }));
    const inv = join(dir, 'fleet.csv');
    writeFileSync(inv, `host,port,profile\n${other.host},${other.port},legacy\n${plain.host},${plain.port},\n${plain.host},${plain.port + 1},nosuch\n`);
    for (const format of ['csv', 'json', 'table']) {
      const cap = captureIo({ env: { LEGACY_COMMUNITY: other.acceptedCommunity } });
      const code = await main(['-i', inv, '--config', config, ...FAST, '-f', format], cap.io);
      const everything = cap.stdout() + cap.stderr();
      expect(everything).not.toContain(other.acceptedCommunity);
      if (format !== 'csv') continue;
      const rows = csvRows(cap.stdout());
      expect(rows).toHaveLength(3);
      // The unit that ignores "public" answers its own community, so it is really audited.
      expect(rows.find((r) => r.host === other.host)?.model).toBe('AP7724');
      expect(rows.find((r) => r.host === plain.host && r.port === String(plain.port))?.verdict).toBe('safe-to-upgrade');
      expect(rows.find((r) => r.port === String(plain.port + 1))?.reason).toMatch(/fleet\.csv:4: unknown profile "nosuch"/);
      expect(cap.stderr()).toMatch(/fleet\.csv:4: unknown profile "nosuch"/);
      expect(code).toBe(3);
    }
  });

  it('refuses a config file with problems, naming each, before sending anything', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ats-audit-profile-'));
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ profiles: { x: { version: '3', level: 'authPriv', user: 'u', authProtocol: 'sha999' } } }));
    const cap = captureIo();
    expect(await main([hostPort(units[0]!), '--config', config], cap.io)).toBe(2);
    expect(cap.stderr()).toMatch(/profiles\.x\.authProtocol: expected one of md5, sha, sha224, sha256, sha384, sha512/);
    expect(fleet.totals().requests).toBe(0);
  });

  it('compares with a baseline report: change column, summary, and --fail-on for cron', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ats-audit-baseline-'));
    const atRisk = byVerdict('at-risk')[0]!;
    const safe = byVerdict('safe-to-upgrade')[0]!;
    const silent = units.find((u) => u.behaviour === 'silent')!;
    // Last night: only the safe unit and the silent one, which was fine then.
    const previous = join(dir, 'previous.csv');
    await main([hostPort(safe), ...FAST, '-f', 'csv', '-o', previous, '-q'], captureIo().io);
    const text = readFileSync(previous, 'utf8').replace(/\r\n$/, '');
    const row = [silent.host, silent.port, '', '', 'not-ats', 'was a PDU', ...Array<string>(COLUMN_NAMES.length - 6).fill('')];
    writeFileSync(previous, `${text}\r\n${row.join(',')}\r\n`);

    const cap = captureIo();
    const code = await main([hostPort(atRisk), hostPort(safe), hostPort(silent), ...FAST, '-f', 'csv', '--baseline', previous, '--fail-on', 'new-at-risk'], cap.io);
    const rows = csvRows(cap.stdout());
    expect(rows.find((r) => r.host === atRisk.host)).toMatchObject({ change: 'new-at-risk new-unit', previous_verdict: '' });
    expect(rows.find((r) => r.host === safe.host)).toMatchObject({ change: 'unchanged', previous_verdict: 'safe-to-upgrade' });
    expect(rows.find((r) => r.host === silent.host)).toMatchObject({ change: 'newly-unreachable', previous_verdict: 'not-ats' });
    expect(cap.stderr()).toMatch(/changes since .*previous\.csv \(2 units\): 1 new-at-risk, 1 newly-unreachable, 1 new-unit, 1 unchanged/);
    expect(code).toBe(6);

    // Nothing new at risk: --fail-on stays quiet (exit 0) even though a unit is still at risk.
    const again = join(dir, 'again.json');
    await main([hostPort(atRisk), hostPort(safe), ...FAST, '-o', again, '-q'], captureIo().io);
    const quiet = captureIo();
    expect(await main([hostPort(atRisk), hostPort(safe), ...FAST, '-f', 'json', '--baseline', again, '--fail-on', 'new-at-risk'], quiet.io)).toBe(0);
    const report = JSON.parse(quiet.stdout()) as { baseline: { summary: { byKind: Record<string, number> } } };
    expect(report.baseline.summary.byKind.unchanged).toBe(2);

    const bad = captureIo();
    expect(await main([hostPort(safe), '--fail-on', 'new-at-risk'], bad.io)).toBe(2);
    expect(bad.stderr()).toMatch(/--fail-on needs --baseline/);
    writeFileSync(join(dir, 'not-a-report.csv'), 'a,b\n1,2\n');
    expect(await main([hostPort(safe), '--baseline', join(dir, 'not-a-report.csv')], captureIo().io)).toBe(2);
  });

  it('streams ndjson: one unit per line as it is known', async () => {
    const cap = captureIo();
    await main([...units.slice(0, 5).map(hostPort), ...FAST, '-f', 'ndjson'], cap.io);
    const lines = cap.stdout().trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    for (const l of lines) expect((JSON.parse(l) as { verdict: string }).verdict).toMatch(/^(at-risk|safe-to-upgrade|unknown)$/);
  });

  it('writes CSV for Excel with a byte order mark', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ats-audit-excel-'));
    const file = join(dir, 'r.csv');
    await main([hostPort(units[0]!), ...FAST, '--excel', '-o', file, '-q'], captureIo().io);
    expect([...readFileSync(file).subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  });

  it('refuses impossible options before sending a single packet', async () => {
    for (const bad of [
      ['--timeout', '-5'],
      ['--concurrency', '0'],
      ['--format', 'xml'],
      ['--port', '70000'],
      ['--retries', '1.5'],
      ['--no-such-option'],
    ]) {
      const cap = captureIo();
      expect(await main([hostPort(units[0]!), ...bad], cap.io), bad.join(' ')).toBe(2);
      expect(cap.stderr()).toMatch(/^ats-audit: /);
    }
    expect(await main([], captureIo().io)).toBe(2);
    expect(fleet.totals().requests).toBe(0);
  });

  it('writes --output atomically, choosing the format from the extension, leaving no temp file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ats-audit-out-'));
    const file = join(dir, 'report.json');
    const cap = captureIo();
    await main([hostPort(units[0]!), ...FAST, '-o', file], cap.io);
    expect(cap.stdout()).toBe('');
    const report = JSON.parse(readFileSync(file, 'utf8')) as { summary: { total: number } };
    expect(report.summary.total).toBe(1);
    expect(readdirSync(dir)).toEqual(['report.json']);
  });

  it('prints a table for people with the summary line', async () => {
    const cap = captureIo({ tty: true, env: { NO_COLOR: '1' } });
    await main([...units.slice(0, 4).map(hostPort), ...FAST], cap.io);
    expect(cap.stdout()).toMatch(/^VERDICT/);
    expect(cap.stdout()).toMatch(/4 units: 2 at-risk, 0 unknown, 0 unreachable, 2 safe-to-upgrade, 0 not-affected, 0 not-ats\n$/);
    expect(cap.stdout()).not.toMatch(/\x1b\[/);
  });
});

describe('the installed command', () => {
  const bin = join(process.cwd(), 'dist', 'bin', 'ats-audit.js');
  const run = promisify(execFile);

  it.skipIf(!existsSync(bin))(`runs as a process: community from the environment, CSV to stdout, exit code 3${BIN_NOTE}`, async () => {
    const targets = byVerdict('at-risk', 'safe-to-upgrade').map(hostPort);
    const r = await run(process.execPath, [bin, ...targets, ...FAST, '-f', 'csv'], {
      env: { ...process.env, ATS_AUDIT_COMMUNITY: 'public' },
    }).then(
      () => ({ code: 0, stdout: '' }),
      (e: { code: number; stdout: string }) => e,
    );
    expect(r.code).toBe(3);
    expect(csvRows(r.stdout)).toHaveLength(targets.length);
  });

  it.skipIf(!existsSync(bin))(`exits early (process.exit) yet a report larger than a pipe buffer reaches a slow reader whole${BIN_NOTE}`, async () => {
    // The demo fleet plus 100 closed ports (nothing listens on 127.0.51.x): ~90 KB of JSON,
    // more than a pipe holds. On Linux a write to a pipe blocks, so this guards where the exit
    // happens and the code it exits with; the wait for stdout to flush matters on systems
    // where pipe writes are asynchronous.
    const refused = Array.from({ length: 100 }, (_, i) => `127.0.51.${i + 1}:${PORT}`);
    const child = spawn(process.execPath, [bin, ...fleet.units.map(hostPort), ...refused, ...FAST, '-f', 'json', '-q'], {
      env: { ...process.env, ATS_AUDIT_COMMUNITY: 'public' },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    child.stdout.pause();
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    await new Promise((r) => setTimeout(r, 1500));
    child.stdout.resume();
    const code = await closed;
    const text = Buffer.concat(chunks).toString('utf8');
    expect(text.length).toBeGreaterThan(70_000);
    expect(JSON.parse(text).units).toHaveLength(fleet.units.length + refused.length);
    expect(code).toBe(3);
  });

  it.skipIf(!existsSync(bin))(`answers --help with exit 0 and the exit codes${BIN_NOTE}`, async () => {
    const r = await run(process.execPath, [bin, '--help']);
    expect(r.stdout).toMatch(/Exit codes:\n +0 {2}all clear: every target assessed, none at risk\n/);
  });
});
