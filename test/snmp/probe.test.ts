// The sweep's probe (src/snmp/probe.ts): one pre-encoded GET per address on the shared socket,
// a unit gets a session only when anything answers. Peers are plain UDP sockets on 127.0.0.1
// with ports the kernel picks (see test/helpers/test-net.ts), which record what they receive.

import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { PROBE_OIDS } from '../../src/poll/oid-map.js';
import { SnmpRequestError } from '../../src/snmp/errors.js';
import { Prober, type ProbeOptions } from '../../src/snmp/probe.js';
import { SharedSocket } from '../../src/snmp/shared-dgram.js';
import { children, oid, pduName, readTlv } from '../helpers/ber.js';

interface Peer {
  readonly port: number;
  readonly received: Buffer[];
  close(): Promise<void>;
}

/** A UDP peer that records every datagram and answers those whose number (1-based) `answer` accepts. */
async function peer(answer: (n: number) => boolean = () => false): Promise<Peer> {
  const s = dgram.createSocket('udp4');
  const received: Buffer[] = [];
  s.on('message', (msg, rinfo) => {
    received.push(msg);
    if (answer(received.length)) s.send(Buffer.from('anything at all'), rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  return { port: s.address().port, received, close: () => new Promise<void>((r) => s.close(() => r())) };
}

interface Ended {
  readonly tag: string;
  readonly sent: number;
  readonly error?: SnmpRequestError;
}

const open: Array<{ close(): unknown }> = [];
afterEach(async () => {
  for (const x of open.splice(0)) await x.close();
});

function prober(o: Partial<ProbeOptions> = {}) {
  const shared = new SharedSocket();
  const ended: Ended[] = [];
  let onEnd: (() => void) | undefined;
  const p = new Prober<string>(shared, { timeoutMs: 60, retries: 1, oids: PROBE_OIDS, ...o }, (tag, sent, error) => {
    ended.push({ tag, sent, ...(error ? { error } : {}) });
    onEnd?.();
  });
  open.push({ close: () => (p.close(), shared.close()) });
  /** Resolves once `n` probes have ended. */
  const until = (n: number) =>
    new Promise<void>((resolve) => {
      const check = () => (ended.length >= n ? resolve() : undefined);
      onEnd = check;
      check();
    });
  return { p, shared, ended, until };
}

const credentials = { version: '2c', community: 'probe-secret' } as const;

describe('Prober', () => {
  it('sends one GET for the probe objects, with the community, and ends as heard on any answer', async () => {
    const agent = await peer(() => true);
    open.push(agent);
    const { p, shared, ended, until } = prober();
    p.probe({ address: '127.0.0.1', port: agent.port }, credentials, 'live');
    expect(p.pending).toBe(1);
    await until(1);
    expect(ended).toEqual([{ tag: 'live', sent: 1 }]);
    expect(p.pending).toBe(0);
    // It no longer listens: the shared socket is free of it.
    expect(shared.attached).toBe(0);
    // What went out is a read request, nothing else: version 2c, the community, a GetRequest for PROBE_OIDS.
    const [version, community, pdu] = children(readTlv(agent.received[0]!, 0).content);
    expect(version!.content).toEqual(Buffer.from([1]));
    expect(community!.content.toString()).toBe('probe-secret');
    expect(pduName(pdu!.tag)).toBe('GetRequest');
    const varbinds = children(children(pdu!.content)[3]!.content).map((vb) => children(vb.content)[0]!);
    expect(varbinds.map((o) => Buffer.concat([Buffer.from([o.tag, o.content.length]), o.content]))).toEqual(PROBE_OIDS.map(oid));
  });

  it('encodes each version and community apart (an inventory may give every row its own)', async () => {
    const a = await peer(() => true);
    const b = await peer(() => true);
    open.push(a, b);
    const { p, until } = prober();
    const other = { version: '1', community: 'row-7' } as const;
    p.probe({ address: '127.0.0.1', port: a.port }, credentials, 'a');
    p.probe({ address: '127.0.0.1', port: b.port }, other, 'b');
    p.probe({ address: '127.0.0.1', port: a.port }, { ...credentials }, 'a-again');
    await until(3);
    const fields = (msg: Buffer) => children(readTlv(msg, 0).content).slice(0, 2).map((t) => t.content.toString('latin1'));
    expect(fields(b.received[0]!)).toEqual(['\u0000', 'row-7']);
    for (const msg of a.received) expect(fields(msg)).toEqual(['\u0001', 'probe-secret']);
  });

  it('tries again after the timeout, and ends silent after retries + 1 datagrams', async () => {
    const quiet = await peer();
    const late = await peer((n) => n === 2);
    open.push(quiet, late);
    const { p, ended, until } = prober({ timeoutMs: 50, retries: 1 });
    const started = performance.now();
    p.probe({ address: '127.0.0.1', port: quiet.port }, credentials, 'silent');
    p.probe({ address: '127.0.0.1', port: late.port }, credentials, 'second-try');
    await until(2);
    const byTag = Object.fromEntries(ended.map((e) => [e.tag, e]));
    expect(byTag['second-try']).toEqual({ tag: 'second-try', sent: 2 });
    expect(byTag.silent!.sent).toBe(2);
    expect(byTag.silent!.error).toBeInstanceOf(SnmpRequestError);
    expect(byTag.silent!.error!.kind).toBe('timeout');
    expect(byTag.silent!.error!.message).toBe('no answer after 50 ms × 2 tries');
    // Silence is only concluded once every try had its full timeout.
    expect(performance.now() - started).toBeGreaterThanOrEqual(2 * 50 - 5);
    expect(quiet.received).toHaveLength(2);
    // The same bytes each time: one encoding per version and community.
    expect(quiet.received[1]).toEqual(quiet.received[0]);
  });

  it('thousands of silent addresses: each ends once, silent, and nothing is left listening', async () => {
    const COUNT = 3000;
    const { p, shared, ended, until } = prober({ timeoutMs: 40, retries: 0 });
    // 127.0.0.1 ports where nothing listens: on an unconnected socket a closed port looks silent.
    for (let i = 0; i < COUNT; i++) p.probe({ address: '127.0.0.1', port: 1 + (i % 50) }, credentials, `u${i}`);
    expect(p.pending).toBe(COUNT);
    await until(COUNT);
    expect(ended).toHaveLength(COUNT);
    expect(new Set(ended.map((e) => e.tag)).size).toBe(COUNT);
    expect(ended.every((e) => e.error?.kind === 'timeout' && e.sent === 1)).toBe(true);
    expect(shared.attached).toBe(0);
  });

  it('once the signal aborts, nothing more is sent: a probe due for another try ends interrupted', async () => {
    const quiet = await peer();
    open.push(quiet);
    const abort = new AbortController();
    const { p, ended, until } = prober({ timeoutMs: 40, retries: 3, signal: abort.signal });
    p.probe({ address: '127.0.0.1', port: quiet.port }, credentials, 'cut');
    await new Promise((r) => setTimeout(r, 10));
    abort.abort();
    await until(1);
    expect(ended[0]!.error?.kind).toBe('interrupted');
    expect(ended[0]!.sent).toBe(1);
    await new Promise((r) => setTimeout(r, 100));
    expect(quiet.received).toHaveLength(1);
  });

  it('close() ends every waiting probe as interrupted, and later probes at once', async () => {
    const quiet = await peer();
    open.push(quiet);
    const { p, ended, until } = prober({ timeoutMs: 10_000 });
    p.probe({ address: '127.0.0.1', port: quiet.port }, credentials, 'a');
    p.probe({ address: '127.0.0.1', port: quiet.port }, credentials, 'b');
    p.close();
    p.probe({ address: '127.0.0.1', port: quiet.port }, credentials, 'after');
    await until(3);
    expect(ended.map((e) => [e.tag, e.error?.kind, e.sent])).toEqual([
      ['a', 'interrupted', 1],
      ['b', 'interrupted', 1],
      ['after', 'interrupted', 0],
    ]);
  });

  it('once interrupted, a new probe sends nothing and ends interrupted, never before probe() returns', async () => {
    const quiet = await peer();
    open.push(quiet);
    const abort = new AbortController();
    abort.abort();
    const { p, ended, until } = prober({ signal: abort.signal });
    p.probe({ address: '127.0.0.1', port: quiet.port }, credentials, 'late');
    expect(ended).toEqual([]);
    await until(1);
    expect(ended.map((e) => [e.tag, e.error?.kind, e.sent])).toEqual([['late', 'interrupted', 0]]);
    await new Promise((r) => setTimeout(r, 20));
    expect(quiet.received).toHaveLength(0);
  });

  it('waits for the pace (--rate) before every datagram, retries included', async () => {
    const quiet = await peer();
    open.push(quiet);
    let paced = 0;
    const { p, ended, until } = prober({ timeoutMs: 20, retries: 2, pace: async () => void paced++ });
    p.probe({ address: '127.0.0.1', port: quiet.port }, credentials, 'paced');
    await until(1);
    expect(ended[0]!.sent).toBe(3);
    expect(paced).toBe(3);
    expect(quiet.received).toHaveLength(3);
  });

  it('a send the kernel refuses ends the probe with the error, in words, without waiting', async () => {
    const { p, ended, until } = prober({ timeoutMs: 10_000 });
    // Broadcast without SO_BROADCAST: refused at send time (EACCES; ENETUNREACH where there is no route at all).
    p.probe({ address: '255.255.255.255', port: 161 }, credentials, 'refused');
    await until(1);
    expect(ended[0]!.error).toBeInstanceOf(SnmpRequestError);
    expect(ended[0]!.error!.kind).toBe('socket');
    expect(ended[0]!.error!.message).toMatch(/^(socket error EACCES|host unreachable \(ENETUNREACH)/);
    expect(ended[0]!.sent).toBe(1);
  });
});
