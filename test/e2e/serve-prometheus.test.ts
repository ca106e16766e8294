import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Io } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { demoFleet, type SimUnit } from '../../tools/simulator/fleet.js';
import { startFleet, type RunningFleet } from '../../tools/simulator/server.js';
import { captureIo } from '../helpers/capture-io.js';
import { testPort } from '../helpers/test-net.js';

// End to end: simulated units, `ats-audit serve`, and a real Prometheus server scraping them
// through examples/prometheus/scrape.yml (its relabelling as shipped; only the interval, the
// targets and the exporter's address are swapped). What Prometheus stored is read back through
// its HTTP query API: which units are at risk, which safe, which probe failed.
// Needs /usr/bin/prometheus (Debian package prometheus): skipped without it, failed in CI.

const PROMETHEUS = ['/usr/bin/prometheus', '/usr/local/bin/prometheus'].find((p) => existsSync(p));
const PROMTOOL = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => existsSync(p));
const MISSING = PROMETHEUS === undefined ? '(skipped: prometheus not found — install the Debian package prometheus)' : '';
const PROM_ADDRESS = '127.0.133.1:19633';
const PORT = testPort('e2e/serve-prometheus');
const SECRET = 'e2e-Qx7-community';
const example = (f: string) => readFileSync(join(process.cwd(), 'examples', f), 'utf8');
const hostPort = (u: SimUnit) => `${u.host}:${u.port}`;

/** Until `check` gives a value, every `everyMs`, for at most `budgetMs`; then the last error. */
async function until<T>(what: string, budgetMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + budgetMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

describe('CI has Prometheus', () => {
  it.runIf(process.env.CI)('prometheus and promtool are installed (Debian package prometheus)', () => {
    expect(PROMETHEUS, 'prometheus binary').toBeDefined();
    expect(PROMTOOL, 'promtool binary').toBeDefined();
  });
});

describe.skipIf(PROMTOOL === undefined)(`examples/prometheus and the exporter's systemd unit ${PROMTOOL ? '' : '(skipped: promtool not found)'}`, () => {
  it('promtool accepts both scrape configurations as shipped', async () => {
    for (const f of ['scrape.yml', 'scrape-federate.yml']) {
      const { stdout } = await promisify(execFile)(PROMTOOL!, ['check', 'config', join(process.cwd(), 'examples', 'prometheus', f)], { timeout: 20_000 });
      expect(stdout).toMatch(/SUCCESS/);
    }
  });

  it('promtool accepts the Prometheus configurations shown in docs/several-sites.md', async () => {
    const doc = readFileSync(join(process.cwd(), 'docs', 'several-sites.md'), 'utf8');
    const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    const dir = mkdtempSync(join(tmpdir(), 'ats-doc-yaml-'));
    try {
      for (const [i, block] of blocks.entries()) {
        const file = join(dir, `block${i}.yml`);
        writeFileSync(file, block);
        const { stdout } = await promisify(execFile)(PROMTOOL!, ['check', 'config', file], { timeout: 20_000 });
        expect(stdout, block).toMatch(/SUCCESS/);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('examples/systemd/ats-audit-exporter.service', () => {
  it('starts the exporter with options it accepts, and stops cleanly on SIGTERM', async () => {
    const service = example('systemd/ats-audit-exporter.service');
    expect(service).toMatch(/^Type=simple$/m);
    expect(service).toMatch(/^EnvironmentFile=/m);
    const exec = /^ExecStart=\S*ats-audit (.*)$/m.exec(service)![1]!.split(/\s+/);
    const dir = mkdtempSync(join(tmpdir(), 'ats-exporter-unit-'));
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ profiles: { dc1: { version: '2c', communityEnv: 'DC1_COMMUNITY' } } }));
    const args = exec.map((a) => (a === '/etc/ats-audit/config.json' ? config : a === '127.0.0.1:9777' ? '127.0.0.1:0' : a));
    expect(args).toContain(config);
    expect(args).toContain('127.0.0.1:0');
    const cap = captureIo({ env: { DC1_COMMUNITY: 'unit-file-secret' } });
    let fire: ((s: string) => void) | undefined;
    const done = main(args, { ...cap.io, onInterrupt: (f) => ((fire = f), () => undefined) });
    await until('the exporter to listen', 10_000, async () => (/serving on/.test(cap.stderr()) ? true : undefined));
    expect(cap.stderr()).toMatch(/allowed: 10\.20\.0\.0\/16/);
    fire?.('SIGTERM');
    expect(await done).toBe(0);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe.skipIf(MISSING !== '')(`a real Prometheus scraping the exporter ${MISSING}`, () => {
  let fleet: RunningFleet;
  let exporter: { stop: () => Promise<number>; address: string; cap: ReturnType<typeof captureIo> } | undefined;
  let prometheus: ChildProcess | undefined;
  let promLog = '';
  let dir: string;
  const units: Record<'atRisk' | 'atRisk2U' | 'safe' | 'silent', SimUnit> = {} as never;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ats-prometheus-'));
    const all = demoFleet({ baseAddress: '127.0.132.1', port: PORT, community: SECRET });
    const pick = (name: string) => all.find((u) => u.name === name)!;
    Object.assign(units, {
      atRisk: pick('ap7722a-primary-a-loaded'),
      atRisk2U: pick('ap7724-2u-primary-b-loaded'),
      safe: pick('ap7750a-secondary-failed'),
      silent: pick('ap7721-silent'),
    });
    fleet = await startFleet(Object.values(units));

    // The exporter, in-process, on a free port.
    const cap = captureIo({ env: { ATS_AUDIT_COMMUNITY: SECRET } });
    let fire: ((s: string) => void) | undefined;
    const io: Io = { ...cap.io, onInterrupt: (f) => ((fire = f), () => undefined) };
    const done = main(['serve', '--listen', '127.0.0.1:0', '--timeout', '300', '--retries', '0', '--min-interval', '1s', '--allow', '127.0.132.0/24'], io);
    const address = await until('the exporter to listen', 10_000, async () => /serving on http:\/\/(127\.0\.0\.1:\d+)\//.exec(cap.stderr())?.[1]);
    exporter = { address, cap, stop: async () => (fire?.('SIGTERM'), done) };

    // examples/prometheus/scrape.yml with only the interval, the targets and the exporter swapped.
    let config = example('prometheus/scrape.yml');
    const swap = (from: RegExp | string, to: string) => {
      const next = config.replace(from, to);
      expect(next, `scrape.yml no longer has ${String(from)}`).not.toBe(config);
      config = next;
    };
    swap('scrape_interval: 5m', 'scrape_interval: 1s');
    swap('scrape_timeout: 30s', 'scrape_timeout: 1s');
    swap(/- targets:\n(\s+- \S+\n)+/, `- targets:\n${Object.values(units).map((u) => `          - ${hostPort(u)}\n`).join('')}`);
    swap(/127\.0\.0\.1:9777/g, address);
    const configFile = join(dir, 'prometheus.yml');
    writeFileSync(configFile, config);
    prometheus = spawn(
      PROMETHEUS!,
      [`--config.file=${configFile}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=${PROM_ADDRESS}`, '--log.level=warn'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    prometheus.stderr?.on('data', (d: Buffer) => (promLog = (promLog + d.toString()).slice(-4000)));
    await until('Prometheus to be ready', 20_000, async () => {
      if (prometheus?.exitCode !== null) throw new Error(`prometheus exited: ${promLog}`);
      return (await fetch(`http://${PROM_ADDRESS}/-/ready`, { signal: AbortSignal.timeout(1000) })).ok ? true : undefined;
    });
  }, 45_000);

  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const gone = new Promise((r) => prometheus!.once('exit', r));
      prometheus.kill('SIGTERM');
      const late = setTimeout(() => prometheus?.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(late);
    }
    await exporter?.stop();
    await fleet?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 20_000);

  /** The `instance` labels of the series a PromQL query returns. */
  async function instances(query: string): Promise<string[]> {
    const res = await fetch(`http://${PROM_ADDRESS}/api/v1/query?query=${encodeURIComponent(query)}`, { signal: AbortSignal.timeout(5000) });
    const body = (await res.json()) as { status: string; data: { result: Array<{ metric: Record<string, string> }> } };
    expect(body.status).toBe('success');
    return body.data.result.map((r) => r.metric.instance ?? '').sort();
  }

  it('stores which units are at risk, which safe and which probe failed, each under its own instance', async () => {
    const all = Object.values(units).map(hostPort).sort();
    // Every unit scraped once at least (up is 1 for the exporter even when the unit is silent).
    await until('every unit to be scraped', 20_000, async () => {
      const seen = await instances('ats_audit_probe_success');
      return seen.length === all.length ? seen : undefined;
    });
    expect(await instances('up{job="ats-audit"} == 1')).toEqual(all);
    expect(await instances('ats_audit_unit_verdict{verdict="at-risk"} == 1')).toEqual([hostPort(units.atRisk), hostPort(units.atRisk2U)].sort());
    expect(await instances('ats_audit_unit_verdict{verdict="safe-to-upgrade"} == 1')).toEqual([hostPort(units.safe)]);
    expect(await instances('ats_audit_probe_success == 0')).toEqual([hostPort(units.silent)]);
    expect(await instances('ats_audit_unit_verdict{verdict="unreachable"} == 1')).toEqual([hostPort(units.silent)]);
    expect(await instances('ats_audit_probe_success == 1')).toEqual([units.atRisk, units.atRisk2U, units.safe].map(hostPort).sort());
    // The probe's own host label names the unit as Prometheus asked for it, with the series of --format prometheus.
    expect(await instances(`ats_audit_load_attached{host="${units.atRisk.host}",port="${PORT}"} == 1`)).toEqual([hostPort(units.atRisk)]);
    expect(await instances('ats_audit_unit_info')).toEqual([units.atRisk, units.atRisk2U, units.safe].map(hostPort).sort());
    // The static label of the example completes the unit's identity.
    expect(await instances('ats_audit_unit_verdict{site="dc1",verdict="at-risk"} == 1')).toHaveLength(2);
  });

  it('counts the probes on /metrics, and the community is in nothing Prometheus stored or the exporter logged', async () => {
    const metrics = await (await fetch(`http://${exporter!.address}/metrics`)).text();
    const probes = Number(/^ats_audit_exporter_probes_total (\d+)$/m.exec(metrics)?.[1]);
    const polls = Number(/^ats_audit_exporter_polls_total (\d+)$/m.exec(metrics)?.[1]);
    expect(probes).toBeGreaterThanOrEqual(4);
    expect(polls).toBeLessThanOrEqual(probes);
    // Prometheus stores the exporter's responses: none may carry the community.
    const labels = await (await fetch(`http://${PROM_ADDRESS}/api/v1/labels`)).text();
    expect(labels).not.toContain(SECRET);
    expect(exporter!.cap.stderr()).not.toContain(SECRET);
  });
});
