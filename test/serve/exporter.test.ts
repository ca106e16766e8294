import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAdvisorySet } from '../../src/cli/commands/advisories.js';
import type { Io } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { createExporter } from '../../src/serve/exporter.js';
import { demoFleet, type SimUnit } from '../../tools/simulator/fleet.js';
import { startFleet, type RunningFleet } from '../../tools/simulator/server.js';
import { captureIo } from '../helpers/capture-io.js';
import { testPort } from '../helpers/test-net.js';

// The exporter against simulated units on loopback: the cache and single flight counted at the
// simulator, secrets kept out of every answer and log line, --allow, an address in use, and a
// SIGTERM while a probe is in flight (as a process).

const PORT = testPort('serve/exporter');
const DEFAULT_SECRET = 'kT9-default-c0mmunity';
const PROFILE_SECRET = 'pZ4-profile-c0mmunity';
const bin = join(process.cwd(), 'dist', 'bin', 'ats-audit.js');
let fleet: RunningFleet;
let site2: RunningFleet;
const unit = (f: RunningFleet, name: string): SimUnit => f.units.find((u) => u.name === name)!;
const at = (u: SimUnit) => `${u.host}:${u.port}`;

beforeAll(async () => {
  fleet = await startFleet(demoFleet({ baseAddress: '127.0.130.1', port: PORT, community: DEFAULT_SECRET }));
  site2 = await startFleet(demoFleet({ baseAddress: '127.0.131.1', port: PORT, community: PROFILE_SECRET }).slice(0, 3));
});
afterAll(async () => {
  await fleet?.stop();
  await site2?.stop();
});

/** `ats-audit serve` in-process on a free port; stop() sends it SIGTERM and gives its exit code. */
async function serve(args: string[], env: NodeJS.ProcessEnv = {}) {
  const cap = captureIo({ env });
  let fire: ((signal: string) => void) | undefined;
  const io: Io = { ...cap.io, onInterrupt: (f) => ((fire = f), () => undefined) };
  const done = main(['serve', '--listen', '127.0.0.1:0', ...args], io);
  let ended: number | undefined;
  void done.then((c) => (ended = c));
  for (let i = 0; i < 250 && ended === undefined; i++) {
    const m = /serving on http:\/\/127\.0\.0\.1:(\d+)\//.exec(cap.stderr());
    if (m) {
      return {
        base: `http://127.0.0.1:${m[1]}`,
        port: Number(m[1]),
        cap,
        stop: async () => {
          fire?.('SIGTERM');
          return done;
        },
      };
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`serve did not start (exit ${String(ended)}): ${cap.stderr()}`);
}

async function get(url: string): Promise<{ status: number; body: string; headers: Headers }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: await res.text(), headers: res.headers };
}

describe('probes of one unit', () => {
  it('twenty back-to-back probes reach the unit once per interval (concurrent ones share one poll)', async () => {
    const u = unit(fleet, 'ap7722a-primary-a-loaded');
    const s = await serve(['--min-interval', '60s'], { ATS_AUDIT_COMMUNITY: DEFAULT_SECRET });
    try {
      fleet.resetCounters();
      const concurrent = await Promise.all(Array.from({ length: 20 }, () => get(`${s.base}/probe?target=${at(u)}`)));
      for (const r of concurrent) {
        expect(r.status).toBe(200);
        expect(r.body).toMatch(/^ats_audit_unit_verdict\{host="127\.0\.130\.1",.*verdict="at-risk"\} 1$/m);
        expect(r.body).toMatch(/^ats_audit_probe_success 1$/m);
      }
      for (let i = 0; i < 20; i++) expect((await get(`${s.base}/probe?target=${at(u)}`)).status).toBe(200);
      // One poll is one SNMP GET for this unit.
      expect(fleet.counters(u).requests).toBe(1);
      const metrics = (await get(`${s.base}/metrics`)).body;
      expect(metrics).toMatch(/^ats_audit_exporter_probes_total 40$/m);
      expect(metrics).toMatch(/^ats_audit_exporter_polls_total 1$/m);
      expect(metrics).toMatch(/^ats_audit_exporter_cache_hits_total 39$/m);
    } finally {
      expect(await s.stop()).toBe(0);
    }
  });

  it('polls again once the interval has passed (the cache clock moved on), and not before', async () => {
    const u = unit(fleet, 'ap7750a-secondary-failed');
    let now = 0;
    const exporter = createExporter({
      advisories: loadAdvisorySet([]).map((a) => a.advisory),
      version: 'test',
      defaultPort: 161,
      timeoutMs: 2000,
      retries: 0,
      minIntervalMs: 60_000,
      concurrency: 4,
      credentialsFor: () => ({ ok: true, credentials: { version: '2c', community: DEFAULT_SECRET } }),
      profiles: [],
      secrets: () => [DEFAULT_SECRET],
      log: () => undefined,
      now: () => now,
    });
    const { port } = await exporter.listen('127.0.0.1', 0);
    try {
      fleet.resetCounters();
      const burst = () => Promise.all(Array.from({ length: 20 }, () => get(`http://127.0.0.1:${port}/probe?target=${at(u)}`)));
      await burst();
      expect(fleet.counters(u).requests).toBe(1);
      now = 59_000;
      await burst();
      expect(fleet.counters(u).requests).toBe(1);
      now = 60_000;
      const third = await burst();
      expect(fleet.counters(u).requests).toBe(2);
      expect(third[0]?.body).toMatch(/verdict="safe-to-upgrade"\} 1$/m);
    } finally {
      await exporter.close();
    }
  });
});

describe('secrets', () => {
  it('appear in no response and no log line: default community, a profile\'s, and one attempted in the URL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ats-serve-'));
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ profiles: { site2: { version: '2c', communityEnv: 'SITE2_COMMUNITY' } } }));
    const env = { ATS_AUDIT_COMMUNITY: DEFAULT_SECRET, SITE2_COMMUNITY: PROFILE_SECRET };
    const s = await serve(['--config', config, '--verbose', '--timeout', '200', '--retries', '0'], env);
    const bodies: string[] = [];
    try {
      const probe = async (query: string, status: number) => {
        const r = await get(`${s.base}/probe?${query}`);
        expect(r.status, query).toBe(status);
        bodies.push(r.body, JSON.stringify([...r.headers]));
        return r.body;
      };
      expect(await probe(`target=${at(unit(fleet, 'ap7724-2u-primary-b-loaded'))}`, 200)).toMatch(/verdict="at-risk"\} 1/);
      expect(await probe(`target=${at(site2.units[0]!)}&profile=site2`, 200)).toMatch(/verdict="at-risk"\} 1/);
      // The other site's unit with the default community: no answer, a failed probe.
      expect(await probe(`target=${at(site2.units[1]!)}`, 200)).toMatch(/^ats_audit_probe_success 0$/m);
      expect(await probe(`target=${at(unit(fleet, 'ap7724-wrong-community'))}`, 200)).toMatch(/verdict="unreachable"\} 1/);
      expect(await probe(`target=${at(site2.units[2]!)}&profile=nope`, 400)).toMatch(/nope/);
      expect(await probe(`target=${at(site2.units[2]!)}&community=${PROFILE_SECRET}`, 400)).toMatch(/never taken from the URL/);
      for (const path of ['/', '/metrics', '/nothing']) bodies.push((await get(`${s.base}${path}`)).body);
    } finally {
      expect(await s.stop()).toBe(0);
    }
    const everything = [...bodies, s.cap.stderr(), s.cap.stdout()].join('\n');
    expect(s.cap.stderr()).toMatch(/probe 127\.0\.131\.1:16230 \(profile site2\): at-risk/);
    expect(everything).not.toContain(DEFAULT_SECRET);
    expect(everything).not.toContain(PROFILE_SECRET);
  });
});

describe('--allow', () => {
  it('answers 403 with a clear body for a target outside the blocks, and never polls it', async () => {
    const inside = unit(fleet, 'ap7753-2u-no-load');
    const outside = site2.units[0]!;
    const s = await serve(['--allow', '127.0.130.0/24', '--allow', '192.0.2.0/24'], { ATS_AUDIT_COMMUNITY: DEFAULT_SECRET });
    try {
      site2.resetCounters();
      const ok = await get(`${s.base}/probe?target=${at(inside)}`);
      expect(ok.status).toBe(200);
      expect(ok.body).toMatch(/verdict="safe-to-upgrade"\} 1/);
      const refused = await get(`${s.base}/probe?target=${at(outside)}`);
      expect(refused.status).toBe(403);
      expect(refused.body).toBe('target 127.0.131.1 is outside the allowed blocks (--allow 127.0.130.0/24 192.0.2.0/24): not probed\n');
      // A name is resolved once and its address checked.
      const named = await get(`${s.base}/probe?target=localhost:${PORT}`);
      expect(named.status).toBe(403);
      expect(named.body).toMatch(/^target localhost resolves to (127\.0\.0\.1|::1), outside the allowed blocks/);
      expect(site2.counters(outside).requests).toBe(0);
      expect((await get(`${s.base}/metrics`)).body).toMatch(/^ats_audit_exporter_requests_refused_total\{reason="forbidden"\} 2$/m);
      const page = await get(`${s.base}/`);
      expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
      expect(page.body).toContain('<code>127.0.130.0/24</code>');
    } finally {
      await s.stop();
    }
  });

  it('refuses a malformed block before listening', async () => {
    const cap = captureIo();
    expect(await main(['serve', '--allow', '10.0.0.0/33'], cap.io)).toBe(2);
    expect(cap.stderr()).toMatch(/--allow "10\.0\.0\.0\/33": expected a CIDR block/);
  });
});

describe('listening', () => {
  it('says clearly when the address is in use, and exits 2', async () => {
    const first = await serve([]);
    try {
      const cap = captureIo();
      expect(await main(['serve', '--listen', `127.0.0.1:${first.port}`], cap.io)).toBe(2);
      expect(cap.stderr()).toBe(
        `ats-audit: cannot listen on 127.0.0.1:${first.port}: address already in use (another exporter, or another program, is listening there; stop it or choose another --listen)\n`,
      );
    } finally {
      await first.stop();
    }
  });

  it('answers 404 and 405 for what it does not serve', async () => {
    const s = await serve([]);
    try {
      expect((await get(`${s.base}/probe/x`)).status).toBe(404);
      const post = await fetch(`${s.base}/probe?target=127.0.0.1`, { method: 'POST' });
      expect(post.status).toBe(405);
      expect(post.headers.get('allow')).toBe('GET, HEAD');
    } finally {
      await s.stop();
    }
  });
});

describe.skipIf(!existsSync(bin))('SIGTERM while a probe is in flight', () => {
  it('stops taking connections, finishes the probe, answers it, and exits 0', async () => {
    const silent = unit(fleet, 'ap7721-silent');
    const child = spawn(process.execPath, [bin, 'serve', '--listen', '127.0.0.1:0', '--timeout', '1500', '--retries', '0'], {
      env: { PATH: process.env.PATH, ATS_AUDIT_COMMUNITY: DEFAULT_SECRET },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      let base: string | undefined;
      for (let i = 0; i < 500 && !base; i++) {
        const m = /serving on (http:\/\/127\.0\.0\.1:\d+)\//.exec(stderr);
        base = m?.[1];
        if (!base) await new Promise((r) => setTimeout(r, 20));
      }
      expect(base, stderr).toBeDefined();
      const probe = get(`${base}/probe?target=${at(silent)}`);
      // Wait until the poll is in flight, as the exporter itself reports it.
      let inFlight = false;
      for (let i = 0; i < 300 && !inFlight; i++) {
        inFlight = /^ats_audit_exporter_polls_in_flight 1$/m.test((await get(`${base}/metrics`)).body);
        if (!inFlight) await new Promise((r) => setTimeout(r, 10));
      }
      expect(inFlight, 'the probe never showed as in flight').toBe(true);
      child.kill('SIGTERM');
      for (let i = 0; i < 100 && !/SIGTERM: stopping/.test(stderr); i++) await new Promise((r) => setTimeout(r, 10));
      await expect(fetch(`${base}/metrics`, { signal: AbortSignal.timeout(2000) })).rejects.toThrow();
      const answer = await probe;
      expect(answer.status).toBe(200);
      expect(answer.body).toMatch(/^ats_audit_probe_success 0$/m);
      expect(answer.body).toMatch(/verdict="unreachable"\} 1/);
      expect(await exited).toBe(0);
      expect(stderr).toMatch(/SIGTERM: stopping: no new connections; 1 request\(s\) in flight are finished first/);
      expect(stderr).toMatch(/stopped\n$/);
      expect(stderr).not.toContain(DEFAULT_SECRET);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
