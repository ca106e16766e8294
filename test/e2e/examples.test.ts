import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { main } from '../../src/cli/main.js';
import { COLUMN_NAMES } from '../../src/report/columns.js';
import { parseConfig } from '../../src/credentials/config-file.js';
import { parseInventory } from '../../src/targets/inventory.js';
import { demoFleet } from '../../tools/simulator/fleet.js';
import { startFleet, type RunningFleet } from '../../tools/simulator/server.js';
import { captureIo } from '../helpers/capture-io.js';
import { BIN_NOTE } from '../helpers/built-bin.js';
import { reportAjv } from '../helpers/report-schema.js';

// Every file in examples/ is exercised: parsed, validated, or run against the simulator.

const ex = (f: string) => join(process.cwd(), 'examples', f);
const read = (f: string) => readFileSync(ex(f), 'utf8');

/** Splits a shell command line the way sh would for these simple, unquoted-or-double-quoted examples. */
function words(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

/** The ats-audit arguments of a command line, with site paths swapped for the examples' own. */
function auditArgs(command: string, swap: Record<string, string>): string[] {
  const w = words(command);
  // The program word: `ats-audit` or a path ending in it (after `flock -n LOCK`, if any).
  const args = w.slice(w.findIndex((x, i) => i >= (w[0] === 'flock' ? 3 : 0) && /(^|\/)ats-audit$/.test(x)) + 1);
  const end = args.findIndex((x) => x.endsWith(';') || x === '||' || x === '&&');
  return (end >= 0 ? args.slice(0, end + 1).map((x) => x.replace(/;$/, '')) : args).map((x) => swap[x] ?? x);
}

describe('examples/', () => {
  let dir: string;
  let swap: Record<string, string>;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ats-audit-examples-'));
    const community = join(dir, 'community');
    writeFileSync(community, 'public\n');
    chmodSync(community, 0o600);
    swap = {
      '/etc/ats-audit/fleet.csv': ex('fleet.csv'),
      '/etc/ats-audit/community': community,
      '/var/lib/ats-audit/report.csv': join(dir, 'report.csv'),
      '/var/lib/ats-audit/report.csv.new': join(dir, 'report.csv.new'),
    };
  });

  it('fleet.csv is a valid CSV inventory with every optional column', () => {
    const inv = parseInventory(read('fleet.csv'), 'fleet.csv', { port: 161 });
    expect(inv.format).toBe('csv');
    expect(inv.errors).toEqual([]);
    expect(inv.entries.map((e) => e.name ?? e.spec.text)).toEqual(['dc1-r01-ats', 'dc1-r02-ats', '10.20.0.0/28', 'dc2-r12-ats', 'dc3-r01-ats']);
    expect(inv.entries.at(-1)?.profile).toBe('secure');
  });

  it('hosts.txt is a valid plain target list', () => {
    const inv = parseInventory(read('hosts.txt'), 'hosts.txt', { port: 161 });
    expect(inv.format).toBe('list');
    expect(inv.errors).toEqual([]);
    expect(inv.entries).toHaveLength(5);
  });

  it('ats-audit.config.json is a valid config whose profiles cover the inventory', () => {
    const config = parseConfig(read('ats-audit.config.json'), ex('ats-audit.config.json'));
    expect(config.profiles.has('secure')).toBe(true);
    expect(config.hasInlineSecrets).toBe(false);
  });

  it('the cron line is a valid /etc/cron.d entry whose ats-audit options the command accepts', async () => {
    const line = read('cron/ats-audit.cron')
      .split('\n')
      .find((l) => /^\d/.test(l))!;
    const fields = line.split(/\s+/);
    expect(fields.slice(0, 5).join(' ')).toBe('15 2 * * *');
    expect(fields[5]).toBe('ats-audit'); // the user column of /etc/cron.d
    expect(line).toMatch(/flock -n \S+ ats-audit /);
    expect(line).not.toMatch(/--community[ =]/); // the secret stays in a file
    const cap = captureIo();
    expect(await main([...auditArgs(line.slice(line.indexOf('flock')), swap), '--list-targets'], cap.io), cap.stderr()).toBe(2);
    // Exit 2 only because the example inventory names profile "secure" and no config is given:
    expect(cap.stderr()).toMatch(/fleet\.csv:8: unknown profile "secure"/);
    expect(cap.stdout()).toMatch(/^10\.20\.0\.11,161,/m);
  });

  it('the systemd service runs the command with options it accepts, and the timer fires nightly', async () => {
    const service = read('systemd/ats-audit.service');
    expect(service).toMatch(/^\[Unit\]$/m);
    expect(service).toMatch(/^\[Service\]$/m);
    expect(service).toMatch(/^Type=oneshot$/m);
    expect(service).toMatch(/^EnvironmentFile=/m);
    const exec = /^ExecStart=(.*)$/m.exec(service)![1]!;
    const cap = captureIo();
    const args = auditArgs(exec, swap);
    expect(args[0]).toBe('--inventory');
    // The example config beside its secret files, as docs/config.md lays them out.
    const conf = join(dir, 'config.json');
    writeFileSync(conf, read('ats-audit.config.json'));
    mkdirSync(join(dir, 'secrets'), { recursive: true });
    for (const f of ['dc2.community', 'v3.priv']) {
      writeFileSync(join(dir, 'secrets', f), 'example-secret-1\n');
      chmodSync(join(dir, 'secrets', f), 0o600);
    }
    const env = { DC1_COMMUNITY: 'example-dc1', ATS_V3_AUTH: 'example-auth-key' };
    const code = await main([...args, '--list-targets', '--config', conf], { ...cap.io, env });
    expect(cap.stderr()).not.toMatch(/Unknown argument/);
    // The service asks for CSV: --list-targets answers in CSV too.
    expect(cap.stdout()).toMatch(/^2001:db8::5,1161,.*"profile ""secure"" from /m);
    expect(code, cap.stderr()).toBe(0);
    const timer = read('systemd/ats-audit.timer');
    expect(timer).toMatch(/^OnCalendar=\*-\*-\* 02:15:00$/m);
    expect(timer).toMatch(/^WantedBy=timers\.target$/m);
  });

  describe('sample reports (npm run sample-reports), one per format', () => {
    const report = (ext: string) => read(`reports/report.${ext}`);
    it('CSV: the documented columns, one row per demo unit', () => {
      const rows = parse(report('csv'), { columns: true, bom: true }) as Array<Record<string, string>>;
      expect(Object.keys(rows[0]!)).toEqual([...COLUMN_NAMES]);
      expect(rows).toHaveLength(18);
    });
    it('JSON: valid against the shipped schema; ndjson: each line a valid unit', () => {
      const schema = JSON.parse(readFileSync(join(process.cwd(), 'schema', 'ats-audit-report.schema.json'), 'utf8')) as object;
      const ajv = reportAjv();
      const valid = ajv.compile(schema);
      expect(valid(JSON.parse(report('json'))), JSON.stringify(valid.errors)).toBe(true);
      const unit = ajv.compile({ $ref: 'urn:ats-audit:schema:report#/$defs/unit' });
      const lines = report('ndjson').trimEnd().split('\n');
      expect(lines).toHaveLength(18);
      for (const l of lines) expect(unit(JSON.parse(l)), JSON.stringify(unit.errors)).toBe(true);
    });
    it('Prometheus, HTML and table: the shapes their readers expect', () => {
      const prom = report('prom');
      for (const line of prom.split('\n').filter((l) => l && !l.startsWith('#'))) expect(line).toMatch(/^ats_audit_[a-z_]+(\{.*\})? -?[0-9.e+]+$/);
      expect(prom).toMatch(/^ats_audit_unit_verdict\{.*verdict="at-risk"\} 1$/m);
      const html = report('html');
      expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src 'none'/);
      expect(html).not.toMatch(/<script|https?:\/\//);
      // Drawn at 80 columns: the summary breaks between counts.
      expect(report('txt').replace(/\s+/g, ' ')).toMatch(/18 units: 4 at-risk, 5 unknown, 2 unreachable, 2 safe-to-upgrade, 3 not-affected, 2 not-ats $/);
      for (const line of report('txt').split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
    });
  });

  describe('upgrade-window.sh against the simulated fleet', () => {
    let fleet: RunningFleet;
    const bin = join(process.cwd(), 'dist', 'bin', 'ats-audit.js');
    beforeAll(async () => {
      fleet = await startFleet(demoFleet({ baseAddress: '127.0.55.1', port: 16182 }));
    });
    afterAll(async () => fleet?.stop());

    it.skipIf(!existsSync(bin))(`opens the gate for a unit that is safe, runs the upgrade step, then audits again${BIN_NOTE}`, async () => {
      const shimDir = mkdtempSync(join(tmpdir(), 'ats-audit-shim-'));
      writeFileSync(join(shimDir, 'ats-audit'), `#!/bin/sh\nexec "${process.execPath}" "${bin}" "$@"\n`);
      chmodSync(join(shimDir, 'ats-audit'), 0o755);
      const safe = fleet.units.find((u) => u.expect.verdict === 'safe-to-upgrade')!;
      const r = await promisify(execFile)('bash', [ex('upgrade-window.sh'), `${safe.host}:${safe.port}`, 'apc_hw02_aos390_g2ats392.exe'], {
        env: { PATH: `${shimDir}:${process.env.PATH}`, ATS_AUDIT_COMMUNITY: 'public', UPGRADE_COMMAND: 'true' },
        timeout: 20_000,
      });
      expect(r.stdout).toMatch(/READY/i);
      expect(r.stdout).toMatch(/Gate open for 127\.0\.55\.\d+:16182/);
      expect(r.stdout).toMatch(/safe-to-upgrade/);
    });

    it.skipIf(!existsSync(bin))(`refuses a package meant for other hardware without flashing${BIN_NOTE}`, async () => {
      const shimDir = mkdtempSync(join(tmpdir(), 'ats-audit-shim-'));
      writeFileSync(join(shimDir, 'ats-audit'), `#!/bin/sh\nexec "${process.execPath}" "${bin}" "$@"\n`);
      chmodSync(join(shimDir, 'ats-audit'), 0o755);
      const firstGen = fleet.units.find((u) => u.name.startsWith('ap7722-first-gen'))!;
      const r = await promisify(execFile)('bash', [ex('upgrade-window.sh'), `${firstGen.host}:${firstGen.port}`, 'apc_hw02_aos390_g2ats392.exe'], {
        env: { PATH: `${shimDir}:${process.env.PATH}`, ATS_AUDIT_COMMUNITY: 'public', UPGRADE_COMMAND: 'false' },
        timeout: 20_000,
      }).then(
        () => ({ code: 0, stderr: '' }),
        (e: { code: number; stderr: string }) => e,
      );
      expect(r.code).toBe(5);
      expect(r.stderr).toMatch(/refused the upgrade .* \(exit 5\): not flashing/);
    });
  });
});
