import dgram from 'node:dgram';
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadBundledAdvisories } from '../../src/audit/advisory.js';
import { main } from '../../src/cli/main.js';
import { scan, type ScanOptions } from '../../src/scan/scan.js';
import { scaleFleet, type SimUnit } from '../../tools/simulator/fleet.js';
import { startFleet, type RunningFleet } from '../../tools/simulator/server.js';
import { connectedDgram, SocketPool, type ConnectedSocket } from '../../src/snmp/connected-dgram.js';
import type { AuditTarget } from '../../src/targets/target.js';
import { captureIo } from '../helpers/capture-io.js';
import { testPort } from '../helpers/test-net.js';

// What makes a scan cheap without changing what it finds: sockets reused from unit to unit,
// a small window of fresh units with silent ones parked, raw readings only when shown, and
// `scan` as the default command. Own addresses (127.0.68.0/24, 127.0.69.0/24) and port.

const PORT = testPort('scan/scan-speed');
const advisories = loadBundledAdvisories();
const openFds = () => readdirSync('/proc/self/fd').length;

/** UDP echo agents on loopback that note the source port of every datagram they get. */
async function echoAgents(hosts: readonly string[], silent = new Set<string>()) {
  const seen = new Map<string, number[]>();
  const sockets = await Promise.all(
    hosts.map(
      (host) =>
        new Promise<dgram.Socket>((resolve, reject) => {
          const s = dgram.createSocket('udp4');
          s.on('message', (msg, rinfo) => {
            seen.set(host, [...(seen.get(host) ?? []), rinfo.port]);
            if (!silent.has(host)) s.send(msg, rinfo.port, rinfo.address);
          });
          s.once('error', reject);
          s.bind(PORT, host, () => resolve(s));
        }),
    ),
  );
  return {
    seen,
    /** Sends a datagram from `host`'s agent to a port, as a late or stray answer would come. */
    sendFrom: (host: string, port: number, text: string) => sockets[hosts.indexOf(host)]!.send(Buffer.from(text), port, '127.0.0.1'),
    close: () => Promise.all(sockets.map((s) => new Promise<void>((r) => s.close(() => r())))),
  };
}

/** One datagram through a ConnectedSocket as net-snmp would send it; resolves with what came back (or undefined after `waitMs`). */
function roundTrip(socket: ConnectedSocket, host: string, text: string, waitMs = 300): Promise<string[]> {
  const got: string[] = [];
  socket.on('message', ((msg: Buffer) => got.push(msg.toString())) as never);
  return new Promise((resolve, reject) => {
    socket.send(Buffer.from(text), 0, text.length, PORT, host, (error) => {
      if (error) return reject(error);
      setTimeout(() => resolve(got), waitMs);
    });
  });
}

describe('SocketPool', () => {
  const hosts = ['127.0.68.1', '127.0.68.2', '127.0.68.3'];
  let agents: Awaited<ReturnType<typeof echoAgents>>;
  beforeAll(async () => {
    agents = await echoAgents(hosts, new Set(['127.0.68.3']));
  });
  afterAll(() => agents?.close());
  beforeEach(() => agents.seen.clear());

  const open = (pool: SocketPool, host: string, onError: (e: Error) => void = () => undefined) =>
    connectedDgram({ address: host, port: PORT }, { onError, pool }).createSocket('udp4');

  it('gives a cleanly finished unit\'s socket to the next unit, connected to that unit only', async () => {
    const pool = new SocketPool();
    const a = open(pool, hosts[0]!);
    expect(await roundTrip(a, hosts[0]!, 'to a', 50)).toEqual(['to a']);
    a.close();
    const b = open(pool, hosts[1]!);
    const answers = roundTrip(b, hosts[1]!, 'to b');
    // The first unit's agent answers late, to the port its unit had: nothing hears it.
    agents.sendFrom(hosts[0]!, agents.seen.get(hosts[0]!)![0]!, 'stale');
    expect(await answers).toEqual(['to b']);
    b.close();
    // One socket served both units (from a fresh ephemeral port each time: see SocketPool).
    expect(pool.opened).toBe(1);
    pool.close();
  });

  it('closes a socket with an answer outstanding instead of reusing it', async () => {
    const pool = new SocketPool();
    const silent = open(pool, hosts[2]!);
    expect(await roundTrip(silent, hosts[2]!, 'anyone?', 50)).toEqual([]);
    silent.close();
    const next = open(pool, hosts[0]!);
    expect(await roundTrip(next, hosts[0]!, 'hello', 50)).toEqual(['hello']);
    next.close();
    expect(pool.opened).toBe(2);
    pool.close();
  });

  it('closes a socket that saw a port-unreachable error, and the idle ones when closed itself', async () => {
    const pool = new SocketPool();
    const before = openFds();
    const errors: string[] = [];
    // Nothing listens on 127.0.69.1: the kernel answers port unreachable.
    const refused = connectedDgram({ address: '127.0.69.1', port: PORT }, { onError: (e) => errors.push((e as NodeJS.ErrnoException).code ?? ''), pool }).createSocket(
      'udp4',
    );
    await roundTrip(refused, '127.0.69.1', 'knock', 100).catch(() => []);
    expect(errors).toContain('ECONNREFUSED');
    refused.close();
    const units = hosts.slice(0, 2).map((h) => open(pool, h));
    await Promise.all(units.map((u, i) => roundTrip(u, hosts[i]!, `u${i}`, 50)));
    for (const u of units) u.close();
    expect(openFds()).toBeLessThanOrEqual(before + 2);
    pool.close();
    await new Promise((r) => setTimeout(r, 20));
    expect(openFds()).toBeLessThanOrEqual(before);
  });
});

describe('a scan against a fleet with silent units', () => {
  let fleet: RunningFleet;
  const target = (u: SimUnit): AuditTarget => ({ target: { host: u.host, port: u.port, origin: u.name }, credentials: { version: '2c', community: u.community } });
  beforeAll(async () => {
    fleet = await startFleet(scaleFleet(60, { baseAddress: '127.0.69.10', port: PORT, silentFraction: 0.2, latencyMs: 20 }));
  });
  afterAll(() => fleet?.stop());
  beforeEach(() => fleet.resetCounters());
  const options = (over: Partial<ScanOptions>): ScanOptions => ({ timeoutMs: 1000, retries: 0, concurrency: 50, advisories, ...over });

  it('parks silent units out of the window, so live units behind them still flow', async () => {
    const silent = fleet.units.filter((u) => u.behaviour === 'silent').slice(0, 6);
    const live = fleet.units.filter((u) => u.behaviour === 'agent').slice(0, 20);
    const started = performance.now();
    const results = await scan([...silent, ...live].map(target), options({ window: 2 }));
    const ms = performance.now() - started;
    for (const u of live) expect(results.find((r) => r.target.host === u.host)?.finding.verdict, u.name).toBe(u.expect.verdict);
    for (const u of silent) expect(results.find((r) => r.target.host === u.host)?.finding.verdict).toBe('unreachable');
    // Two silent units enter every 250 ms (then they are parked): the last starts at ~500 ms and
    // times out at ~1.5 s. Without parking they would go 2 at a time for their full second: 3 s.
    expect(ms).toBeGreaterThanOrEqual(1000);
    expect(ms).toBeLessThan(2500);
    // Live units never had more than the window in flight at the agents.
    expect(fleet.fleetPeakInFlight()).toBeLessThanOrEqual(2);
  });

  it('keeps raw readings only when asked to', async () => {
    const live = fleet.units.filter((u) => u.behaviour === 'agent').slice(0, 3).map(target);
    const withRaw = await scan(live, options({}));
    const without = await scan(live, options({ keepRaw: false }));
    expect(withRaw.every((r) => r.raw !== undefined)).toBe(true);
    expect(without.every((r) => r.raw === undefined && r.identity !== undefined)).toBe(true);
    const verdicts = (rs: typeof withRaw) => rs.map((r) => `${r.target.host} ${r.finding.verdict} ${r.finding.reason}`).sort();
    expect(verdicts(without)).toEqual(verdicts(withRaw));
  });
});

describe('`scan` named on the command line', () => {
  it('runs as the default command, unless another word could then be taken for a command', async () => {
    const named = captureIo();
    expect(await main(['scan', '127.0.69.200', '--list-targets'], named.io)).toBe(0);
    const bare = captureIo();
    expect(await main(['127.0.69.200', '--list-targets'], bare.io)).toBe(0);
    expect(named.stdout()).toBe(bare.stdout());
    // "check" after "scan" is a host to scan, not the check command.
    const host = captureIo();
    await main(['scan', 'check', '--list-targets'], host.io);
    expect(host.stdout()).toMatch(/^check:161 /);
    const help = captureIo();
    expect(await main(['scan', '--help'], help.io)).toBe(0);
    expect(help.stdout()).toMatch(/scan \[targets\.\.\]/);
  });
});
