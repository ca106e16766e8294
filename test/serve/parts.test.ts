import { describe, expect, it } from 'vitest';
import { parseAllowList } from '../../src/serve/allow.js';
import { renderPage } from '../../src/serve/page.js';
import { parseListen, parseProbeQuery } from '../../src/serve/probe-request.js';
import { SingleFlightCache } from '../../src/serve/single-flight.js';

describe('--allow', () => {
  const list = (...blocks: string[]) => {
    const r = parseAllowList(blocks);
    if (!r.ok) throw new Error(r.error);
    return r.list;
  };

  it('allows addresses inside the blocks, IPv4 and IPv6, and nothing else', () => {
    const l = list('10.20.0.0/16', '2001:db8::/48', '192.0.2.7');
    expect(l.allows('10.20.255.254')).toBe(true);
    expect(l.allows('10.21.0.1')).toBe(false);
    expect(l.allows('2001:db8:0:1::5')).toBe(true);
    expect(l.allows('2001:db9::5')).toBe(false);
    expect(l.allows('192.0.2.7')).toBe(true);
    expect(l.allows('192.0.2.8')).toBe(false);
    // An IPv4-mapped IPv6 address is judged as its IPv4 address.
    expect(l.allows('::ffff:10.20.1.1')).toBe(true);
    expect(l.allows('not-an-address')).toBe(false);
    expect(l.text).toEqual(['10.20.0.0/16', '2001:db8::/48', '192.0.2.7/32']);
  });

  it('takes comma-separated blocks and refuses a malformed one by name', () => {
    expect(list('10.0.0.0/8,127.0.0.0/8').text).toEqual(['10.0.0.0/8', '127.0.0.0/8']);
    expect(parseAllowList(['10.0.0.0/33'])).toEqual({ ok: false, error: expect.stringContaining('--allow "10.0.0.0/33"') });
    expect(parseAllowList(['dc1.example'])).toMatchObject({ ok: false });
  });
});

describe('the probe query', () => {
  const q = (s: string) => parseProbeQuery(new URLSearchParams(s), 161);

  it('reads a host, a port and a profile', () => {
    expect(q('target=10.0.0.5')).toEqual({ ok: true, request: { host: '10.0.0.5', hostKind: 'ipv4', port: 161 } });
    expect(q('target=[2001:db8::5]:1161&profile=dc-1')).toEqual({
      ok: true,
      request: { host: '2001:db8::5', hostKind: 'ipv6', port: 1161, profile: 'dc-1' },
    });
    expect(q('target=ATS-R1.dc1.example.&profile=')).toEqual({ ok: true, request: { host: 'ats-r1.dc1.example', hostKind: 'hostname', port: 161 } });
  });

  it('refuses credentials in the URL without echoing them', () => {
    for (const key of ['community', 'authKey', 'privkey', 'password', 'user']) {
      const r = q(`target=10.0.0.5&${key}=hunter2-secret`);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error).toMatch(/never taken from the URL/);
        expect(r.error).not.toContain('hunter2');
      }
    }
  });

  it('refuses what is not one unit', () => {
    expect(q('')).toEqual({ ok: false, error: 'missing target=HOST[:PORT]' });
    expect(q('target=a&target=b')).toMatchObject({ ok: false, error: expect.stringMatching(/once/) });
    expect(q('target=10.0.0.0/24')).toMatchObject({ ok: false, error: expect.stringMatching(/one unit per probe/) });
    expect(q('target=10.0.0.5:70000')).toMatchObject({ ok: false, error: expect.stringMatching(/bad port/) });
    expect(q('target=10.0.0.5&profile=../x')).toMatchObject({ ok: false });
    expect(q('target=10.0.0.5&module=x')).toMatchObject({ ok: false, error: expect.stringMatching(/unknown parameter "module"/) });
  });
});

describe('--listen', () => {
  it('reads ADDRESS:PORT, [IPv6]:PORT and :PORT', () => {
    expect(parseListen('127.0.0.1:9777')).toEqual({ ok: true, host: '127.0.0.1', port: 9777 });
    expect(parseListen('[::1]:9777')).toEqual({ ok: true, host: '::1', port: 9777 });
    expect(parseListen(':9777')).toEqual({ ok: true, host: undefined, port: 9777 });
    expect(parseListen('9777')).toMatchObject({ ok: false });
    expect(parseListen('localhost:99999')).toMatchObject({ ok: false });
  });
});

describe('the per-target cache', () => {
  it('runs once for concurrent and repeated gets within the interval, again after it, and never keeps a failure', async () => {
    let now = 0;
    const cache = new SingleFlightCache<number>(60_000, () => now);
    let runs = 0;
    let release: (() => void) | undefined;
    const run = () =>
      new Promise<number>((resolve) => {
        runs++;
        release = () => resolve(runs);
      });
    const concurrent = Array.from({ length: 20 }, () => cache.get('u1', run));
    expect(cache.inFlight).toBe(1);
    release?.();
    const first = await Promise.all(concurrent);
    expect(runs).toBe(1);
    expect(first.map((c) => c.value)).toEqual(Array(20).fill(1));
    expect(first.filter((c) => !c.shared)).toHaveLength(1);
    now = 59_999;
    expect(await cache.get('u1', run)).toEqual({ value: 1, shared: true });
    expect(runs).toBe(1);
    // Another target has its own entry.
    const other = cache.get('u2', run);
    release?.();
    expect((await other).shared).toBe(false);
    now = 60_000;
    const again = cache.get('u1', run);
    release?.();
    expect(await again).toEqual({ value: 3, shared: false });
    await expect(cache.get('u3', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect((await cache.get('u3', async () => 7)).value).toBe(7);
  });
});

describe('the page', () => {
  it('escapes every piece of text it did not write itself', () => {
    const page = renderPage({ version: '1.0"><script>x()</script>', allow: ['10.0.0.0/8'], minIntervalSeconds: 60, profiles: ['dc1', '"><img src=x onerror=alert(1)>'] });
    expect(page).not.toMatch(/<script>|<img/);
    expect(page).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(page).toContain('<form action="/probe" method="get">');
    expect(page).toContain('<option value="dc1">dc1</option>');
  });
});
