import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Io } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { demoFleet, type SimUnit } from '../../tools/simulator/fleet.js';
import { startFleet, type RunningFleet } from '../../tools/simulator/server.js';
import { captureIo } from '../helpers/capture-io.js';
import { BIN_NOTE } from '../helpers/built-bin.js';
import { testPort } from '../helpers/test-net.js';

// Interrupted runs lose nothing: every target is still reported, unfinished ones marked, and a
// report file is always either the old one or a complete new one.

const PORT = testPort('e2e/interrupt');
const bin = join(process.cwd(), 'dist', 'bin', 'ats-audit.js');
let fleet: RunningFleet;
let units: readonly SimUnit[];
const hostPort = (u: SimUnit) => `${u.host}:${u.port}`;

beforeAll(async () => {
  fleet = await startFleet(demoFleet({ baseAddress: '127.0.56.1', port: PORT }));
  units = fleet.units;
});
afterAll(async () => fleet?.stop());

type Row = Record<string, string>;

describe('an interrupted scan', () => {
  it('stops, waits briefly for units in flight, and reports every target with the unfinished ones marked', async () => {
    const silent = units.find((u) => u.behaviour === 'silent')!;
    const live = units.filter((u) => u.behaviour === 'agent').slice(0, 3);
    // Never polled: more targets than the concurrency lets start before the interrupt.
    const later = ['127.0.57.1', '127.0.57.2'].map((h) => `${h}:${PORT}`);
    let fire: ((signal: string) => void) | undefined;
    const cap = captureIo();
    const io: Io = { ...cap.io, onInterrupt: (f) => ((fire = f), () => undefined) };
    const started = Date.now();
    // One unit at a time: the live ones finish, the silent one holds the only slot, the rest wait.
    const run = main([...live.map(hostPort), hostPort(silent), ...later, '--timeout', '5000', '--retries', '0', '-j', '1', '-f', 'csv'], io);
    await new Promise((r) => setTimeout(r, 300));
    fire?.('SIGINT');
    const code = await run;
    expect(Date.now() - started).toBeLessThan(3000);
    expect(code).toBe(130);
    const rows = parse(cap.stdout(), { columns: true }) as Row[];
    expect(rows).toHaveLength(live.length + 1 + later.length);
    for (const u of live) expect(rows.find((r) => r.host === u.host)?.verdict).toBe(u.expect.verdict);
    expect(rows.find((r) => r.host === silent.host)).toMatchObject({ verdict: 'unknown', reason: 'scan interrupted while polling' });
    expect(rows.filter((r) => r.host?.startsWith('127.0.57.')).map((r) => r.reason)).toEqual([
      'scan interrupted before this unit was polled',
      'scan interrupted before this unit was polled',
    ]);
    expect(cap.stderr()).toMatch(/SIGINT: stopping/);
  });
});

describe.skipIf(!existsSync(bin))(`the process under signals${BIN_NOTE}`, () => {
  const silent = () => units.filter((u) => u.behaviour === 'silent' || u.behaviour === 'wrong-community');

  /**
   * With --verbose: until every unit that answers has its line on stderr, so the silent ones are
   * the only ones in flight (a loaded machine can take seconds just to start the program).
   */
  async function untilOnlySilentLeft(stderr: () => string): Promise<void> {
    const want = units.length - silent().length;
    for (let i = 0; i < 400; i++) {
      if ((stderr().match(/^ats-audit: \S+: [a-z-]+ after \d+ SNMP request/gm) ?? []).length >= want) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`the answering units were not all polled within 20 s:\n${stderr()}`);
  }

  function start(args: string[]) {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return { child, exit, stderr: () => stderr };
  }

  it('SIGTERM writes the complete report to --output and exits 130', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ats-audit-sig-'));
    const out = join(dir, 'report.json');
    const p = start([...units.map(hostPort), '--timeout', '8000', '--retries', '0', '-o', out, '--verbose']);
    await untilOnlySilentLeft(p.stderr);
    p.child.kill('SIGTERM');
    expect(await p.exit).toBe(130);
    const report = JSON.parse(readFileSync(out, 'utf8')) as { units: Array<{ reason: string }> };
    expect(report.units).toHaveLength(units.length);
    expect(report.units.filter((u) => u.reason === 'scan interrupted while polling')).toHaveLength(silent().length);
    expect(readdirSync(dir)).toEqual(['report.json']);
  });

  it('one interrupt delivered twice within a second (e.g. by a supervisor and to the group) is one: the report is written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ats-audit-sig-'));
    const out = join(dir, 'report.json');
    writeFileSync(out, 'OLD');
    const p = start([...units.map(hostPort), '--timeout', '8000', '--retries', '0', '-o', out, '--verbose']);
    await untilOnlySilentLeft(p.stderr);
    // Each handled before the next arrives (50 ms apart), so the kernel cannot merge them.
    for (const signal of ['SIGINT', 'SIGINT', 'SIGTERM'] as const) {
      p.child.kill(signal);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await p.exit).toBe(130);
    const report = JSON.parse(readFileSync(out, 'utf8')) as { units: unknown[] };
    expect(report.units).toHaveLength(units.length);
    expect(p.stderr()).not.toMatch(/again: stopping now/);
  });

  // GNU timeout signals the child, then its process group: two deliveries, which the kernel may merge.
  it('GNU timeout: one interrupt, the report is written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ats-audit-timeout-'));
    const out = join(dir, 'report.json');
    const child = spawn('timeout', ['-s', 'INT', '--preserve-status', '4', process.execPath, bin, ...units.map(hostPort), '--timeout', '8000', '--retries', '0', '-o', out], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(code, stderr).toBe(130);
    expect((JSON.parse(readFileSync(out, 'utf8')) as { units: unknown[] }).units).toHaveLength(units.length);
    expect(stderr).toMatch(/SIGINT: stopping/);
    expect(stderr).not.toMatch(/again: stopping now/);
  });

  describe('the DES parent and its child (restarted with --openssl-legacy-provider)', () => {
    let config: string;
    beforeAll(() => {
      const dir = mkdtempSync(join(tmpdir(), 'ats-audit-des-'));
      config = join(dir, 'config.json');
      // Any DES profile in the config makes the program restart itself with the legacy provider.
      const des = { version: '3', level: 'authPriv', user: 'u', authProtocol: 'md5', authKeyEnv: 'K', privProtocol: 'des', privKeyEnv: 'K' };
      writeFileSync(config, JSON.stringify({ profiles: { old: des } }));
      chmodSync(config, 0o600);
    });
    const desStart = (args: string[]) => {
      const child = spawn(process.execPath, [bin, ...args, '--config', config], { stdio: ['ignore', 'ignore', 'pipe'], detached: true, env: { ...process.env, K: 'des-test-key-1' } });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      return { child, exit, stderr: () => stderr };
    };
    async function childOf(pid: number): Promise<number> {
      for (let i = 0; i < 100; i++) {
        const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
        if (kids) return Number(kids.split(/\s+/)[0]);
        await new Promise((r) => setTimeout(r, 30));
      }
      throw new Error('the DES parent started no child');
    }

    it('Ctrl-C to the process group (parent forwards, child gets it twice): one interrupt, report written, parent exits 130', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'ats-audit-des-'));
      const out = join(dir, 'report.json');
      const p = desStart([...units.map(hostPort), '--timeout', '8000', '--retries', '0', '-o', out, '--verbose']);
      await childOf(p.child.pid!);
      await untilOnlySilentLeft(p.stderr);
      process.kill(-p.child.pid!, 'SIGINT');
      expect(await p.exit, p.stderr()).toBe(130);
      expect((JSON.parse(readFileSync(out, 'utf8')) as { units: unknown[] }).units).toHaveLength(units.length);
      expect(p.stderr()).toMatch(/SIGINT: stopping/);
      expect(p.stderr()).not.toMatch(/again: stopping now/);
    });

    it('the parent exits with its child\'s code: the verdict code, or 128+signal when the child is killed', async () => {
      const done = desStart([hostPort(units.find((u) => u.behaviour === 'agent' && u.expect.verdict === 'at-risk')!), '--timeout', '1000', '--retries', '0', '-q']);
      expect(await done.exit, done.stderr()).toBe(3);
      const killed = desStart([...units.map(hostPort), '--timeout', '8000', '--retries', '0', '-q']);
      const child = await childOf(killed.child.pid!);
      process.kill(child, 'SIGKILL');
      expect(await killed.exit).toBe(137);
    });
  });
  it('killed at any moment (even mid-write), the report file is the old one or a complete new one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ats-audit-kill-'));
    const out = join(dir, 'report.json');
    writeFileSync(out, 'OLD');
    // 2,046 closed ports answer at once, so the run is mostly rendering and writing a large report.
    const args = ['127.0.96.0/21', '--port', String(PORT), '--timeout', '500', '--retries', '0', '-o', out, '-q'];
    const clean = start(args);
    const t0 = Date.now();
    expect(await clean.exit).toBe(4);
    const whole = Date.now() - t0;
    const seen = { old: 0, complete: 0 };
    for (let i = 0; i < 6; i++) {
      writeFileSync(out, 'OLD');
      const p = start(args);
      // Spread the kills over the whole run, its end (the write) included.
      await new Promise((r) => setTimeout(r, Math.round((whole * (70 + i * 7)) / 100)));
      p.child.kill('SIGKILL');
      await p.exit;
      const text = readFileSync(out, 'utf8');
      if (text === 'OLD') seen.old++;
      else {
        const report = JSON.parse(text) as { units: unknown[] };
        expect(report.units).toHaveLength(2046);
        seen.complete++;
      }
    }
    expect(seen.old + seen.complete).toBe(6);
    console.info(`killed 6 runs of ${whole} ms: ${seen.old} left the old report, ${seen.complete} a complete new one`);
    // Leftover temporary files of killed writers are the only debris, and they are hidden.
    expect(readdirSync(dir).filter((f) => !f.startsWith('.'))).toEqual(['report.json']);
  }, 60_000);
});
