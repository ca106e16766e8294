import { EventEmitter } from 'node:events';
import type dgram from 'node:dgram';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadBundledAdvisories } from '../../src/audit/advisory.js';
import type { AuditResult } from '../../src/audit/audit-result.js';
import { capConcurrency, concurrencyCeiling, defaultConcurrency, DEFAULT_CONCURRENCY, FD_HEADROOM } from '../../src/scan/fd-limit.js';
import { defaultDeps, pollUnit, type PollDeps } from '../../src/poll/poll-unit.js';
import { MIN_RATE, rateLimiter } from '../../src/scan/rate-limit.js';
import { scan, SCAN_DEFAULTS, type ScanOptions } from '../../src/scan/scan.js';
import { SocketPool, type DgramModule } from '../../src/snmp/connected-dgram.js';
import { openSession, SnmpRequestError, WATCHDOG_GRACE_MS, type SessionOptions } from '../../src/snmp/session.js';
import { scaleFleet, type SimUnit } from '../../tools/simulator/fleet.js';
import { startFleet, type RunningFleet } from '../../tools/simulator/server.js';
import type { AuditTarget, Credentials } from '../../src/targets/target.js';
import { testPort } from '../helpers/test-net.js';

// The transport on loopback: closed ports, the watchdog, --rate, interrupts, streaming.
// This file's own addresses (127.0.66.0/24) and port, so it runs beside the other socket tests.
const PORT = testPort('snmp/transport');
const advisories = loadBundledAdvisories();
const credentials: Credentials = { version: '2c', community: 'public' };

let fleet: RunningFleet;
const of = (b: SimUnit['behaviour']) => fleet.units.filter((u) => u.behaviour === b);
const target = (u: SimUnit): AuditTarget => ({ target: { host: u.host, port: u.port, origin: u.name }, credentials });
const options = (over: Partial<ScanOptions> = {}): ScanOptions => ({ timeoutMs: 300, retries: 0, concurrency: 8, advisories, ...over });
const hostsOf = (results: readonly AuditResult[]) => results.map((r) => r.target.host).sort();

beforeAll(async () => {
  fleet = await startFleet(scaleFleet(60, { baseAddress: '127.0.66.1', port: PORT, silentFraction: 0.2, closedFraction: 0.2 }));
  // The tests below need every behaviour present.
  for (const b of ['agent', 'silent', 'closed'] as const) expect(of(b).length, b).toBeGreaterThanOrEqual(6);
});
afterAll(async () => {
  await fleet?.stop();
});
beforeEach(() => fleet.resetCounters());

describe('closed port versus silent host', () => {
  it('reports a closed port at once as refused, even with a 5 s timeout', async () => {
    const u = of('closed')[0]!;
    const started = performance.now();
    const outcome = await pollUnit(target(u).target, credentials, { timeoutMs: 5000, retries: 1 });
    const ms = performance.now() - started;
    expect(outcome).toMatchObject({ ok: false, kind: 'refused', message: `no SNMP agent on port ${PORT} (port unreachable)` });
    // The kernel's ICMP comes back on loopback in well under a millisecond; leave room for a busy CI.
    expect(ms).toBeLessThan(500);
  });

  it('keeps the exact reasons in the report, and a live unit still answers through its connected socket', async () => {
    const closed = of('closed').slice(0, 3);
    const silent = of('silent').slice(0, 3);
    const live = of('agent').slice(0, 3);
    const started = performance.now();
    const results = await scan([...closed, ...silent, ...live].map(target), options({ timeoutMs: 150, retries: 1 }));
    const ms = performance.now() - started;
    const byHost = new Map(results.map((r) => [r.target.host, r]));
    for (const u of closed) {
      expect(byHost.get(u.host)?.finding).toMatchObject({ verdict: 'unreachable', reason: `no SNMP agent on port ${PORT} (port unreachable)` });
    }
    for (const u of silent) {
      expect(byHost.get(u.host)?.finding).toMatchObject({
        verdict: 'unreachable',
        reason: `no answer after 150 ms × 2 tries from port ${PORT} (host down, no SNMP agent, or wrong community)`,
      });
    }
    for (const u of live) expect(byHost.get(u.host)?.finding.verdict, u.name).toBe(u.expect.verdict);
    // Silent units waited out both tries; all in parallel.
    expect(ms).toBeGreaterThanOrEqual(290);
    expect(ms).toBeLessThan(2000);
    // A refused unit cost one request; the silent ones two datagrams each (counted by the units).
    for (const u of silent) expect(fleet.counters(u).requests).toBe(2);
  });
});

/** A dgram module whose sockets misbehave as told; only what ConnectedSocket calls. */
function fakeDgram(behave: { connect?: 'ok' | 'emfile'; send?: 'never' | 'ok' }): DgramModule {
  return {
    createSocket() {
      const s = new EventEmitter() as EventEmitter & Record<string, unknown>;
      s.connect = (_port: number, _address: string, cb: (e?: Error) => void) => {
        if (behave.connect === 'emfile') {
          // What Node does when the implicit bind cannot get a descriptor: an 'error' event, no callback.
          const e = Object.assign(new Error('bind EMFILE 0.0.0.0'), { code: 'EMFILE', syscall: 'bind' });
          setImmediate(() => s.emit('error', e));
        } else setImmediate(() => cb());
      };
      s.send = (_b: Buffer, _o: number, _l: number, cb: (e: Error | null, n?: number) => void) => {
        if (behave.send === 'ok') setImmediate(() => cb(null, _l));
        // 'never': the callback is lost, as with a wedged socket
      };
      s.close = () => setImmediate(() => s.emit('close'));
      s.ref = s.unref = () => s;
      return s as unknown as dgram.Socket;
    },
  };
}

const sessionTo = (u: SimUnit, over: Partial<SessionOptions>) =>
  openSession({ address: u.host, family: 4, port: u.port, credentials, timeoutMs: 50, retries: 1, ...over });

describe('watchdog and socket failures', () => {
  it('ends a request whose send never completes, with a clear reason', async () => {
    const session = sessionTo(of('agent')[0]!, { dgram: fakeDgram({ send: 'never' }) });
    const started = performance.now();
    const error = await session.get(['1.3.6.1.2.1.1.1.0']).catch((e: unknown) => e);
    const ms = performance.now() - started;
    session.close();
    const watchdogMs = 50 * 2 + WATCHDOG_GRACE_MS;
    expect(error).toBeInstanceOf(SnmpRequestError);
    expect(error).toMatchObject({ kind: 'timeout', message: `no answer within ${watchdogMs} ms (request never completed: socket failure?)` });
    expect(ms).toBeGreaterThanOrEqual(watchdogMs - 5);
    expect(ms).toBeLessThan(watchdogMs + 1000);
  });

  it('fails at once, in words, when no socket can be opened (EMFILE)', async () => {
    const u = of('agent')[0]!;
    const session = sessionTo(u, { dgram: fakeDgram({ connect: 'emfile' }), timeoutMs: 5000 });
    const started = performance.now();
    const error = await session.get(['1.3.6.1.2.1.1.1.0']).catch((e: unknown) => e);
    session.close();
    expect(error).toMatchObject({ kind: 'socket', message: "cannot open a UDP socket (EMFILE: too many open files; lower --concurrency or raise 'ulimit -n')" });
    expect(performance.now() - started).toBeLessThan(500);

    // Through the poller the unit fails on its own, with the same words.
    const deps: PollDeps = { ...defaultDeps, open: (o) => openSession({ ...o, dgram: fakeDgram({ connect: 'emfile' }) }) };
    const [r] = await scan([target(u)], options({ timeoutMs: 5000 }), deps);
    expect(r!.finding).toMatchObject({ verdict: 'unreachable', reason: expect.stringContaining('EMFILE: too many open files') });
  });

  it('a session that cannot be made fails that unit, not the scan', async () => {
    const [a, b] = of('agent');
    const deps: PollDeps = {
      ...defaultDeps,
      open: (o) => {
        if (o.address === a!.host) throw new SnmpRequestError('socket', 'no session today');
        return defaultDeps.open(o);
      },
    };
    const results = await scan([target(a!), target(b!)], options(), deps);
    expect(results.find((r) => r.target.host === a!.host)?.finding).toMatchObject({ verdict: 'unreachable', reason: 'no session today' });
    expect(results.find((r) => r.target.host === b!.host)?.finding.verdict).toBe(b!.expect.verdict);
  });
});

describe('sessions sharing a socket pool', () => {
  const sessionFor = (u: SimUnit, sockets: SocketPool, timeoutMs = 1000) =>
    openSession({ address: u.host, family: 4, port: u.port, credentials, timeoutMs, retries: 0, sockets });

  it('a unit whose answer has come gives its socket back for the next unit', async () => {
    const pool = new SocketPool();
    for (const u of of('agent').slice(0, 3)) {
      const s = sessionFor(u, pool);
      const [vb] = await s.get(['1.3.6.1.2.1.1.5.0']);
      expect(String(vb?.value)).toBe(u.name);
      s.close();
    }
    expect(pool.opened).toBe(1);
    pool.close();
  });

  it('closing with a request outstanding ends it at once and does not reuse that socket', async () => {
    const pool = new SocketPool();
    const s = sessionFor(of('silent')[0]!, pool, 5000);
    const pending = s.get(['1.3.6.1.2.1.1.5.0']);
    await new Promise((r) => setTimeout(r, 20));
    const started = performance.now();
    s.close();
    await expect(pending).rejects.toMatchObject({ kind: 'socket', message: 'session closed' });
    expect(performance.now() - started).toBeLessThan(100);
    const next = sessionFor(of('agent')[0]!, pool);
    await next.get(['1.3.6.1.2.1.1.5.0']);
    next.close();
    // The silent unit's socket could still receive its late answer: it was closed, not pooled.
    expect(pool.opened).toBe(2);
    pool.close();
  });
});

describe('--rate', () => {
  it('spreads 30 units at 50 requests/s over at least half a second', async () => {
    const live = of('agent').slice(0, 30);
    expect(live).toHaveLength(30);
    const sentAt: number[] = [];
    // The session asks `pace` before every datagram: record when each one is let through.
    const deps: PollDeps = {
      ...defaultDeps,
      open: (o) => {
        const pace = o.pace;
        expect(pace).toBeDefined();
        return defaultDeps.open({ ...o, pace: (s) => pace!(s).then(() => void sentAt.push(performance.now())) });
      },
    };
    const started = performance.now();
    const results = await scan(live.map(target), options({ rate: 50, concurrency: 30 }), deps);
    const ms = performance.now() - started;
    expect(results).toHaveLength(30);
    for (const u of live) expect(results.find((r) => r.target.host === u.host)?.finding.verdict, u.name).toBe(u.expect.verdict);
    // At least 30 datagrams 20 ms apart: ≥ 580 ms in theory; a loose lower bound only.
    expect(sentAt.length).toBeGreaterThanOrEqual(30);
    expect(ms).toBeGreaterThanOrEqual(450);
    expect(sentAt.at(-1)! - sentAt[0]!).toBeGreaterThanOrEqual(450);
    expect(results.reduce((n, r) => n + r.requests, 0)).toBe(sentAt.length);
  });

  it('counts retries too: 3 silent units × 3 tries at 20/s take 8 intervals at least', async () => {
    const silent = of('silent').slice(0, 3);
    const started = performance.now();
    const results = await scan(silent.map(target), options({ rate: 20, concurrency: 3, retries: 2, timeoutMs: 50 }));
    const ms = performance.now() - started;
    // 9 datagrams, 50 ms apart: the last leaves ≥ 400 ms after the first (unpaced: ~150 ms).
    expect(ms).toBeGreaterThanOrEqual(400);
    for (const r of results) expect(r.requests).toBe(3);
    expect(fleet.totals().requests).toBe(9);
  });

  it('refuses rates whose interval a Node.js timer cannot hold', () => {
    expect(() => rateLimiter(MIN_RATE / 2)).toThrow(/at least/);
    expect(() => rateLimiter(1e-12)).toThrow(RangeError);
    expect(() => rateLimiter(Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => rateLimiter(MIN_RATE)).not.toThrow();
  });

  it('books slots 1/N s apart and lets an abort through at once', async () => {
    let now = 0;
    const limiter = rateLimiter(10, () => now);
    await limiter.take(); // first slot is free
    const ac = new AbortController();
    const waiting = limiter.take(ac.signal);
    ac.abort();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    expect(() => rateLimiter(0)).toThrow(RangeError);
  });
});

describe('interrupting a scan', () => {
  it('stops sending, gives units in flight their grace, and still lists every target once', async () => {
    const silent = of('silent').slice(0, 4);
    const live = of('agent').slice(0, 6);
    // Two workers: the silent units go first and hold them; the live ones never start.
    const targets = [...silent, ...live].map(target);
    const ac = new AbortController();
    const seen: AuditResult[] = [];
    let sentAfterAbort: number | undefined;
    setTimeout(() => ac.abort(), 150);
    setTimeout(() => (sentAfterAbort = fleet.totals().requests), 180);
    const started = performance.now();
    const results = await scan(targets, options({ timeoutMs: 5000, retries: 2, concurrency: 2, signal: ac.signal, graceMs: 250, onResult: (r) => seen.push(r) }));
    const ms = performance.now() - started;

    // Ends after the grace, not after 5 s × 3 tries.
    expect(ms).toBeGreaterThanOrEqual(150 + 250 - 10);
    expect(ms).toBeLessThan(150 + 250 + 600);
    expect(hostsOf(results)).toEqual(hostsOf(targets.map((t) => ({ target: t.target }) as AuditResult)));
    expect(hostsOf(seen)).toEqual(hostsOf(results));
    const reason = (u: SimUnit) => results.find((r) => r.target.host === u.host)?.finding;
    for (const u of silent.slice(0, 2)) expect(reason(u)).toMatchObject({ verdict: 'unknown', reason: 'scan interrupted while polling' });
    for (const u of [...silent.slice(2), ...live]) {
      expect(reason(u)).toMatchObject({ verdict: 'unknown', reason: 'scan interrupted before this unit was polled' });
    }
    expect(results.filter((r) => r.finding.verdict === 'unknown').every((r) => r.finding.action !== '')).toBe(true);
    // Nothing was sent once the interrupt came (the first requests were sent long before).
    expect(sentAfterAbort).toBe(2);
    expect(fleet.totals().requests).toBe(2);
  });

  it('ends a unit at its next retry once interrupted, and keeps finished units as they were', async () => {
    const live = of('agent').slice(0, 2);
    const silent = of('silent')[0]!;
    const ac = new AbortController();
    // Live units finish in milliseconds; the silent one is mid-wait (retry every 100 ms) at 120 ms.
    setTimeout(() => ac.abort(), 120);
    const started = performance.now();
    const results = await scan([...live, silent].map(target), options({ timeoutMs: 100, retries: 50, concurrency: 3, signal: ac.signal, graceMs: 5000 }));
    const ms = performance.now() - started;
    // The blocked retry fails the request at once: no need to wait out the 5 s grace.
    expect(ms).toBeLessThan(1000);
    for (const u of live) expect(results.find((r) => r.target.host === u.host)?.finding.verdict).toBe(u.expect.verdict);
    expect(results.find((r) => r.target.host === silent.host)?.finding).toMatchObject({ verdict: 'unknown', reason: 'scan interrupted while polling' });
    expect(fleet.counters(silent).requests).toBe(2);
  });

  it('an already aborted signal sends nothing and lists every target', async () => {
    const ac = new AbortController();
    ac.abort();
    const units = of('agent').slice(0, 5);
    const results = await scan(units.map(target), options({ signal: ac.signal }));
    expect(results.map((r) => r.finding.reason)).toEqual(units.map(() => 'scan interrupted before this unit was polled'));
    expect(fleet.totals().requests).toBe(0);
  });
});

describe('streaming', () => {
  it('pulls a lazy target list only as units finish, and keeps nothing when collect is false', async () => {
    const COUNT = 20_000;
    const CONCURRENCY = 50;
    let pulled = 0;
    let finished = 0;
    let mostAhead = 0;
    function* targets(): Generator<AuditTarget> {
      for (let i = 0; i < COUNT; i++) {
        pulled++;
        mostAhead = Math.max(mostAhead, pulled - finished);
        yield { target: { host: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, port: 161, origin: `gen ${i}` }, credentials };
      }
    }
    // No network: a session that answers "nothing here" on the next turn of the loop.
    const deps: PollDeps = {
      resolve: async (host) => ({ address: host, family: 4 }),
      open: () => ({
        get: () => new Promise((resolve) => setImmediate(() => resolve([]))),
        next: () => new Promise((resolve) => setImmediate(() => resolve([]))),
        close: () => undefined,
      }),
    };
    const results = await scan(targets(), options({ concurrency: CONCURRENCY, collect: false, onResult: () => void finished++ }), deps);
    expect(results).toEqual([]);
    expect(finished).toBe(COUNT);
    expect(mostAhead).toBeLessThanOrEqual(CONCURRENCY);
  });

  it('rethrows a failing target list after the units in flight are done', async () => {
    function* targets(): Generator<AuditTarget> {
      yield target(of('agent')[0]!);
      throw new Error('inventory went away');
    }
    await expect(scan(targets(), options())).rejects.toThrow('inventory went away');
  });
});

describe('defaults and the file-descriptor cap', () => {
  it('leaves headroom under the soft limit and says so when it lowers a request', () => {
    const limit = { soft: 1024, open: 30, known: true };
    expect(concurrencyCeiling(limit)).toBe(1024 - 30 - FD_HEADROOM);
    expect(defaultConcurrency(limit)).toBe(1024 - 30 - FD_HEADROOM);
    expect(defaultConcurrency({ soft: 65536, open: 30, known: true })).toBe(DEFAULT_CONCURRENCY);
    expect(capConcurrency(200, limit)).toEqual({ value: 200 });
    const capped = capConcurrency(4000, limit);
    expect(capped.value).toBe(930);
    expect(capped.note).toMatch(/^concurrency 4000 lowered to 930: .*1024 files \('ulimit -n'\), 30 are open/);
    // 40 left: a quarter (10) kept spare, the rest polls (test/scan/fd-limit.test.ts has more).
    expect(capConcurrency(4000, { soft: 100, open: 60, known: true }).value).toBe(30);
    expect(defaultConcurrency({ soft: Infinity, open: 10, known: true })).toBe(DEFAULT_CONCURRENCY);
  });

  it('reads this process: the default fits under the real limit', () => {
    const n = defaultConcurrency();
    expect(n).toBeGreaterThanOrEqual(1);
    expect(n).toBeLessThanOrEqual(DEFAULT_CONCURRENCY);
    expect(SCAN_DEFAULTS).toMatchObject({ timeoutMs: 2000, retries: 1 });
  });
});
