import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildTargets, countTargets, expandSources } from '../../src/targets/list.js';
import ipaddr from 'ipaddr.js';
import { CANONICAL_IPV4, expand, parsePort, parseTargetSpec, type SpecOptions, type TargetSpec } from '../../src/targets/spec.js';

const DEFAULTS: SpecOptions = { port: 161 };
const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'inventory');

function spec(text: string, options: SpecOptions = DEFAULTS): TargetSpec {
  const result = parseTargetSpec(text, options);
  if (!result.ok) throw new Error(`expected ${text} to parse: ${result.error}`);
  return result.spec;
}

function error(text: string, options: SpecOptions = DEFAULTS): string {
  const result = parseTargetSpec(text, options);
  if (result.ok) throw new Error(`expected ${text} to be refused`);
  return result.error;
}

function hosts(s: TargetSpec): string[] {
  return [...expand(s)].map((a) => (a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`));
}

/** The first n items of an iterable, pulled one by one through its iterator. */
function take<T>(iterable: Iterable<T>, n: number): T[] {
  const out: T[] = [];
  const iterator = iterable[Symbol.iterator]();
  while (out.length < n) {
    const next = iterator.next();
    if (next.done) break;
    out.push(next.value);
  }
  return out;
}

describe('parseTargetSpec: single hosts', () => {
  it('reads a hostname, lower-cased, with the default port', () => {
    expect(spec('ats-r12.dc1.example')).toMatchObject({ kind: 'host', host: 'ats-r12.dc1.example', port: 161, size: 1n });
    expect(spec('ATS-R12.Dc1.Example')).toMatchObject({ host: 'ats-r12.dc1.example', hostKind: 'hostname' });
    expect(spec('localhost')).toMatchObject({ host: 'localhost' });
  });

  it('drops one trailing dot of a fully-qualified name and trims spaces', () => {
    expect(spec('  ats1.example.  ')).toMatchObject({ host: 'ats1.example', text: 'ats1.example.' });
  });

  it('reads host:port', () => {
    expect(spec('ats-r12.dc1.example:1161')).toMatchObject({ host: 'ats-r12.dc1.example', port: 1161 });
    expect(spec('10.20.0.5:1161')).toMatchObject({ host: '10.20.0.5', port: 1161, hostKind: 'ipv4' });
  });

  it('reads an IPv4 address', () => {
    expect(spec('10.20.0.5')).toMatchObject({ kind: 'host', host: '10.20.0.5', hostKind: 'ipv4', port: 161 });
    expect(spec('0.0.0.0').kind).toBe('host');
    expect(spec('255.255.255.255').kind).toBe('host');
  });

  it('reads IPv6 addresses in RFC 5952 form, bracketed with a port or bare without', () => {
    expect(spec('2001:db8::5')).toMatchObject({ host: '2001:db8::5', hostKind: 'ipv6', port: 161 });
    expect(spec('2001:0DB8:0:0::5')).toMatchObject({ host: '2001:db8::5' });
    expect(spec('[2001:db8::5]:1161')).toMatchObject({ host: '2001:db8::5', port: 1161 });
    expect(spec('[2001:db8::5]')).toMatchObject({ host: '2001:db8::5', port: 161 });
    expect(spec('::1')).toMatchObject({ host: '::1' });
  });

  it('takes an unbracketed IPv6 ending in digits as an address, not address:port', () => {
    expect(spec('2001:db8::5:1161')).toMatchObject({ host: '2001:db8::5:1161', port: 161 });
  });

  it('turns an IPv4-mapped IPv6 address into IPv4', () => {
    expect(spec('::ffff:10.0.0.5')).toMatchObject({ host: '10.0.0.5', hostKind: 'ipv4' });
  });

  it('uses the default port given', () => {
    expect(spec('10.0.0.1', { port: 16100 }).port).toBe(16100);
  });
});

describe('parseTargetSpec: the fast path for canonical IPv4 addresses', () => {
  it('takes only what ipaddr.js would write back unchanged', () => {
    const samples = ['0.0.0.0', '1.2.3.4', '9.99.199.255', '10.0.0.1', '255.255.255.255', '192.168.100.250', '127.1.0.1'];
    const outside = ['01.2.3.4', '1.2.3.04', '256.1.1.1', '1.2.3', '1.2.3.4.5', '1..2.3', '1.2.3.4 ', '0x7f.0.0.1', '1.2.3.-4', '1.2.3.260', '00.0.0.0'];
    for (const a of samples) {
      expect(CANONICAL_IPV4.test(a), a).toBe(true);
      expect(ipaddr.IPv4.isValidFourPartDecimal(a) && ipaddr.IPv4.parse(a).toString(), a).toBe(a);
    }
    for (const a of outside) expect(CANONICAL_IPV4.test(a), a).toBe(false);
    // Every octet value, and every way of writing one with a leading zero: the regex and ipaddr.js agree.
    for (let n = 0; n < 1000; n++) {
      for (const octet of [String(n), `0${n}`, `00${n}`]) {
        const a = `10.${octet}.0.1`;
        const canonical = ipaddr.IPv4.isValidFourPartDecimal(a) && ipaddr.IPv4.parse(a).toString() === a;
        expect(CANONICAL_IPV4.test(a), a).toBe(canonical);
      }
    }
  });

  it('gives the same target as the slow path', () => {
    expect(parseTargetSpec('10.1.2.3:1161', DEFAULTS)).toEqual({ ok: true, spec: { kind: 'host', text: '10.1.2.3:1161', host: '10.1.2.3', hostKind: 'ipv4', port: 1161, size: 1n } });
    // A leading zero (octal to some tools) is refused, as before the fast path.
    expect(parseTargetSpec('010.1.2.3', DEFAULTS).ok).toBe(false);
  });
});

describe('parseTargetSpec: CIDR blocks', () => {
  it('skips network and broadcast of an IPv4 /24', () => {
    const s = spec('10.20.0.0/24');
    expect(s).toMatchObject({ kind: 'cidr', family: 'ipv4', network: '10.20.0.0', prefix: 24, first: '10.20.0.1', last: '10.20.0.254', size: 254n });
    const all = hosts(s);
    expect(all).toHaveLength(254);
    expect(all[0]).toBe('10.20.0.1:161');
    expect(all.at(-1)).toBe('10.20.0.254:161');
  });

  it('crosses octet boundaries (/22)', () => {
    const s = spec('10.20.0.0/22');
    expect(s.size).toBe(1022n);
    const all = hosts(s);
    expect(all).toContain('10.20.0.255:161');
    expect(all).toContain('10.20.1.0:161');
    expect(all.at(-1)).toBe('10.20.3.254:161');
  });

  it('a /30 gives its two hosts; a /31 and a /32 keep every address', () => {
    expect(hosts(spec('10.0.0.0/30'))).toEqual(['10.0.0.1:161', '10.0.0.2:161']);
    expect(hosts(spec('10.0.0.0/31'))).toEqual(['10.0.0.0:161', '10.0.0.1:161']);
    expect(hosts(spec('10.0.0.7/32'))).toEqual(['10.0.0.7:161']);
    expect(spec('10.0.0.7/32').size).toBe(1n);
  });

  it('accepts host bits set as the enclosing block, with a note', () => {
    const result = parseTargetSpec('10.0.0.5/24', DEFAULTS);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.spec).toMatchObject({ network: '10.0.0.0', prefix: 24, first: '10.0.0.1', size: 254n });
    expect(result.note).toBe('"10.0.0.5/24": host bits set; auditing the block 10.0.0.0/24');
    expect(parseTargetSpec('10.0.0.0/24', DEFAULTS)).not.toHaveProperty('note');
  });

  it('carries a port written after the block', () => {
    expect(hosts(spec('10.0.0.0/30:1161'))).toEqual(['10.0.0.1:1161', '10.0.0.2:1161']);
  });

  it('reads small IPv6 blocks and keeps every address', () => {
    const s = spec('2001:db8::/126');
    expect(s).toMatchObject({ kind: 'cidr', family: 'ipv6', network: '2001:db8::', prefix: 126, size: 4n });
    expect(hosts(s)).toEqual(['[2001:db8::]:161', '[2001:db8::1]:161', '[2001:db8::2]:161', '[2001:db8::3]:161']);
    expect(spec('2001:db8::/112').size).toBe(65_536n);
    expect(hosts(spec('[2001:db8::4/127]:1161'))).toEqual(['[2001:db8::4]:1161', '[2001:db8::5]:1161']);
  });

  it('notes host bits in an IPv6 block', () => {
    const result = parseTargetSpec('2001:db8::5/120', DEFAULTS);
    expect(result.ok && result.note).toBe('"2001:db8::5/120": host bits set; auditing the block 2001:db8::/120');
  });

  it('refuses a prefix length out of range', () => {
    expect(error('10.0.0.0/33')).toBe('"10.0.0.0/33": prefix length must be 0-32');
    expect(error('10.0.0.0/')).toBe('"10.0.0.0/": prefix length must be 0-32');
    expect(error('10.0.0.0/x')).toBe('"10.0.0.0/x": prefix length must be 0-32');
    expect(error('10.0.0.0/-1')).toBe('"10.0.0.0/-1": prefix length must be 0-32');
    expect(error('2001:db8::/129')).toBe('"2001:db8::/129": prefix length must be 0-128');
  });

  it('refuses a bad network address', () => {
    expect(error('10.0.0.300/24')).toBe('"10.0.0.300/24": "10.0.0.300" is not an IPv4 network address');
    expect(error('ats.example/24')).toBe('"ats.example/24": "ats.example" is not an IPv4 network address');
    expect(error('2001:db8::g/120')).toBe('"2001:db8::g/120": "2001:db8::g" is not an IPv6 network address');
    expect(error('[10.0.0.0/24]')).toBe('"[10.0.0.0/24]": brackets are for IPv6 addresses only');
  });

  it('refuses blocks larger than a /16 without allowLarge', () => {
    expect(spec('10.20.0.0/16').size).toBe(65_534n);
    expect(error('10.0.0.0/15')).toBe('"10.0.0.0/15": 131,072 addresses, more than 65,536 (a /16): pass --allow-large to audit it');
    expect(error('10.0.0.0/8')).toContain('--allow-large');
    expect(error('2001:db8::/111')).toBe(
      '"2001:db8::/111": 131,072 addresses, more than 65,536 (a /112): pass --allow-large to audit it',
    );
  });

  it('accepts a /8 with allowLarge and knows its size without expanding it', () => {
    const s = spec('10.0.0.0/8', { port: 161, allowLarge: true });
    expect(s.size).toBe(16_777_214n);
    expect(spec('0.0.0.0/0', { port: 161, allowLarge: true }).size).toBe(4_294_967_294n);
    expect(spec('2001:db8::/32', { port: 161, allowLarge: true }).size).toBe(2n ** 96n);
  });
});

describe('expand is lazy', () => {
  it('takes the first 3 hosts of a /16 through the iterator', () => {
    const iterator = expand(spec('10.20.0.0/16'));
    expect(iterator.next().value).toEqual({ host: '10.20.0.1', port: 161 });
    expect(iterator.next().value).toEqual({ host: '10.20.0.2', port: 161 });
    expect(iterator.next().value).toEqual({ host: '10.20.0.3', port: 161 });
  });

  it('takes the first hosts of all of IPv4 and of an IPv6 /32 at once (materialising would never end)', () => {
    const large = { port: 161, allowLarge: true };
    expect(take(expand(spec('0.0.0.0/0', large)), 2)).toEqual([
      { host: '0.0.0.1', port: 161 },
      { host: '0.0.0.2', port: 161 },
    ]);
    expect(take(expand(spec('2001:db8::/32', large)), 2).map((a) => a.host)).toEqual(['2001:db8::', '2001:db8::1']);
  });
});

describe('parseTargetSpec: ranges', () => {
  it('reads a last-octet range, both ends included', () => {
    const s = spec('10.20.0.10-12');
    expect(s).toMatchObject({ kind: 'range', first: '10.20.0.10', last: '10.20.0.12', size: 3n });
    expect(hosts(s)).toEqual(['10.20.0.10:161', '10.20.0.11:161', '10.20.0.12:161']);
  });

  it('reads a full range across octets', () => {
    const s = spec('10.20.0.254-10.20.1.1');
    expect(s.size).toBe(4n);
    expect(hosts(s)).toEqual(['10.20.0.254:161', '10.20.0.255:161', '10.20.1.0:161', '10.20.1.1:161']);
    expect(spec('10.20.0.10-10.20.1.40').size).toBe(287n);
  });

  it('keeps .0 and .255 in a range: the user named them', () => {
    expect(hosts(spec('10.0.0.0-1'))).toEqual(['10.0.0.0:161', '10.0.0.1:161']);
    expect(hosts(spec('10.0.0.255-10.0.1.0'))).toEqual(['10.0.0.255:161', '10.0.1.0:161']);
  });

  it('accepts a one-address range and a port after a range', () => {
    expect(hosts(spec('10.0.0.5-5'))).toEqual(['10.0.0.5:161']);
    expect(hosts(spec('10.0.0.5-6:1161'))).toEqual(['10.0.0.5:1161', '10.0.0.6:1161']);
  });

  it('refuses an end before the start', () => {
    expect(error('10.20.0.40-10')).toBe('"10.20.0.40-10": range end 10.20.0.10 is before start 10.20.0.40');
    expect(error('10.20.1.0-10.20.0.255')).toBe('"10.20.1.0-10.20.0.255": range end 10.20.0.255 is before start 10.20.1.0');
  });

  it('refuses an octet over 255 and malformed ends', () => {
    expect(error('10.20.0.10-300')).toBe('"10.20.0.10-300": range end octet 300 is more than 255');
    expect(error('10.20.0.300-310')).toBe('"10.20.0.300-310": range start "10.20.0.300" is not an IPv4 address');
    expect(error('10.20.0.10-10.20.1.300')).toBe('"10.20.0.10-10.20.1.300": range end "10.20.1.300" is not an IPv4 address');
    expect(error('10.20.0.10-040')).toBe('"10.20.0.10-040": range end "040" is not a decimal octet');
  });

  it('refuses ranges over 65,536 addresses without allowLarge', () => {
    expect(spec('10.0.0.0-10.0.255.255').size).toBe(65_536n);
    expect(error('10.0.0.0-10.1.0.0')).toBe('"10.0.0.0-10.1.0.0": 65,537 addresses, more than 65,536: pass --allow-large to audit it');
    expect(spec('10.0.0.0-10.1.0.0', { port: 161, allowLarge: true }).size).toBe(65_537n);
  });
});

describe('parseTargetSpec: errors', () => {
  it('refuses an empty target and an empty host', () => {
    expect(error('')).toBe('empty target: expected a hostname, IP address, CIDR block or range');
    expect(error('   ')).toBe('empty target: expected a hostname, IP address, CIDR block or range');
    expect(error(':161')).toBe('":161": empty host: expected a hostname, IP address, CIDR block or range');
    expect(error('[]:161')).toBe('"[]:161": empty address inside "[]"');
  });

  it('refuses ports outside 1-65535', () => {
    expect(error('ats1:70000')).toBe('"ats1:70000": bad port "70000": expected 1-65535');
    expect(error('ats1:0')).toBe('"ats1:0": bad port "0": expected 1-65535');
    expect(error('ats1:')).toBe('"ats1:": bad port "": expected 1-65535');
    expect(error('ats1:snmp')).toBe('"ats1:snmp": bad port "snmp": expected 1-65535');
    expect(error('[2001:db8::5]:99999')).toBe('"[2001:db8::5]:99999": bad port "99999": expected 1-65535');
  });

  it('refuses bad IPv4 literals', () => {
    expect(error('10.0.0.300')).toBe('"10.0.0.300": not an IPv4 address or hostname');
    expect(error('10.0.0')).toBe('"10.0.0": not an IPv4 address or hostname');
    expect(error('10.0.0.1.2')).toBe('"10.0.0.1.2": not an IPv4 address or hostname');
    expect(error('010.0.0.1')).toBe('"010.0.0.1": not an IPv4 address or hostname');
  });

  it('refuses bad IPv6 literals and bracket misuse', () => {
    expect(error('2001:db8::g')).toBe('"2001:db8::g": not an IPv6 address');
    expect(error('1:2:3')).toBe('"1:2:3": not an IPv6 address');
    expect(error('[10.0.0.1]:161')).toBe('"[10.0.0.1]:161": not an IPv6 address');
    expect(error('[2001:db8::5')).toBe('"[2001:db8::5": missing "]" after the IPv6 address');
    expect(error('[2001:db8::5]1161')).toBe('"[2001:db8::5]1161": expected ":PORT" or nothing after "]"');
  });

  it('refuses hostnames that break RFC 1123', () => {
    expect(error('ats_r12.example')).toBe('"ats_r12.example": bad character "_" in hostname: expected letters, digits, "-" and "."');
    expect(error('ats r12')).toBe('"ats r12": bad character " " in hostname: expected letters, digits, "-" and "."');
    expect(error('ats..example')).toBe('"ats..example": empty label in hostname');
    expect(error('.example')).toBe('".example": empty label in hostname');
    expect(error('-ats.example')).toBe('"-ats.example": hostname label "-ats" must not start or end with "-"');
    expect(error('ats-.example')).toBe('"ats-.example": hostname label "ats-" must not start or end with "-"');
    expect(error(`${'a'.repeat(64)}.example`)).toBe(`"${'a'.repeat(64)}.example": hostname label "${'a'.repeat(64)}" is longer than 63 characters`);
    const long = Array.from({ length: 5 }, () => 'a'.repeat(60)).join('.');
    expect(error(long)).toBe(`"${long}": hostname is longer than 253 characters`);
    expect(error('ats\u00e9.example')).toContain('bad character "é"');
  });
});

describe('parsePort', () => {
  it('accepts 1-65535 written in digits only', () => {
    expect(parsePort('1')).toEqual({ ok: true, port: 1 });
    expect(parsePort('65535')).toEqual({ ok: true, port: 65535 });
    expect(parsePort('65536')).toEqual({ ok: false, error: 'bad port "65536": expected 1-65535' });
    expect(parsePort('1e3').ok).toBe(false);
    expect(parsePort(' 161').ok).toBe(false);
    expect(parsePort('-1').ok).toBe(false);
  });
});

describe('buildTargets', () => {
  const OPTIONS = { port: 161, allowLarge: false };

  it('expands arguments in order, with their origin', () => {
    const built = buildTargets({ args: ['ats1.example', '10.0.0.0/30', '10.0.1.5-6:1161'], inventories: [] }, OPTIONS);
    expect(built.errors).toEqual([]);
    expect(built.count).toBe(5);
    expect([...built.targets]).toEqual([
      { target: { host: 'ats1.example', port: 161, origin: 'argument 1' } },
      { target: { host: '10.0.0.1', port: 161, origin: 'argument 2' } },
      { target: { host: '10.0.0.2', port: 161, origin: 'argument 2' } },
      { target: { host: '10.0.1.5', port: 1161, origin: 'argument 3' } },
      { target: { host: '10.0.1.6', port: 1161, origin: 'argument 3' } },
    ]);
  });

  it('names the argument in errors and keeps the good ones', () => {
    const built = buildTargets({ args: ['10.0.0.1', 'ats1', '10.0.0.300', '10.0.0.0/8'], inventories: [] }, OPTIONS);
    expect(built.errors.map((e) => e.message)).toEqual([
      'argument 3: "10.0.0.300": not an IPv4 address or hostname',
      'argument 4: "10.0.0.0/8": 16,777,216 addresses, more than 65,536 (a /16): pass --allow-large to audit it',
    ]);
    expect(built.errors[0]?.target).toEqual({ host: '10.0.0.300', port: 161, origin: 'argument 3' });
    expect([...built.targets].map((t) => t.target.host)).toEqual(['10.0.0.1', 'ats1']);
  });

  it('passes on notes for host bits set', () => {
    const built = buildTargets({ args: ['10.0.0.5/30'], inventories: [] }, OPTIONS);
    expect(built.notes).toEqual([{ origin: 'argument 1', message: 'argument 1: "10.0.0.5/30": host bits set; auditing the block 10.0.0.4/30' }]);
  });

  it('accepts a /8 with allowLarge, counts it without expanding, and yields lazily', () => {
    const built = buildTargets({ args: ['10.0.0.0/8', 'ats1'], inventories: [] }, { port: 161, allowLarge: true });
    expect(built.errors).toEqual([]);
    expect(built.count).toBe(16_777_215);
    expect(take(built.targets, 3).map((t) => t.target.host)).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3']);
  });

  it('takes the first 3 of a /16 without producing the rest', () => {
    const built = buildTargets({ args: ['10.20.0.0/16'], inventories: [] }, OPTIONS);
    expect(built.count).toBe(65_534);
    expect(take(built.targets, 3).map((t) => t.target.host)).toEqual(['10.20.0.1', '10.20.0.2', '10.20.0.3']);
  });

  it('de-duplicates by host and port: IPv6 forms, hostname case, overlapping blocks', () => {
    const built = buildTargets(
      {
        args: ['2001:db8::5', '[2001:0db8:0:0::5]:161', 'ATS1.Example', 'ats1.example.', 'ats1.example:1161', '10.0.0.0/30', '10.0.0.2-3'],
        inventories: [],
      },
      OPTIONS,
    );
    expect(built.count).toBe(9);
    expect([...built.targets].map((t) => `${t.target.host}:${t.target.port} ${t.target.origin}`)).toEqual([
      '2001:db8::5:161 argument 1',
      'ats1.example:161 argument 3',
      'ats1.example:1161 argument 5',
      '10.0.0.1:161 argument 6',
      '10.0.0.2:161 argument 6',
      '10.0.0.3:161 argument 7',
    ]);
  });

  it('keeps the first occurrence whole across arguments and files, merging nothing', () => {
    const built = buildTargets(
      {
        args: ['10.0.0.1'],
        inventories: [
          { file: 'a.csv', text: 'host,name,site,community\n10.0.0.1,ats-one,dc1,secret-a\n10.0.0.2,,,\n' },
          { file: 'b.csv', text: 'host,name,site,community,profile\n10.0.0.2,ats-two,dc2,secret-b,lab\n10.0.0.3,ats-three,dc3,secret-c,lab\n' },
          { file: 'c.txt', text: '10.0.0.3\n10.0.0.4\n' },
        ],
      },
      OPTIONS,
    );
    expect(built.count).toBe(7);
    expect([...built.targets]).toEqual([
      { target: { host: '10.0.0.1', port: 161, origin: 'argument 1' } },
      { target: { host: '10.0.0.2', port: 161, origin: 'a.csv:3' } },
      { target: { host: '10.0.0.3', port: 161, name: 'ats-three', site: 'dc3', origin: 'b.csv:3' }, community: 'secret-c', profile: 'lab' },
      { target: { host: '10.0.0.4', port: 161, origin: 'c.txt:2' } },
    ]);
  });

  it('gives every host of a CSV block row the row labels and community', () => {
    const built = buildTargets(
      { args: [], inventories: [{ file: 'f.csv', text: 'host,name,site,community\n10.9.0.0/30,pair,dc9,c0mm\n' }] },
      OPTIONS,
    );
    expect([...built.targets]).toEqual([
      { target: { host: '10.9.0.1', port: 161, name: 'pair', site: 'dc9', origin: 'f.csv:2' }, community: 'c0mm' },
      { target: { host: '10.9.0.2', port: 161, name: 'pair', site: 'dc9', origin: 'f.csv:2' }, community: 'c0mm' },
    ]);
  });

  it('can be iterated twice, each time from the start', () => {
    const built = buildTargets({ args: ['10.0.0.0/30', '10.0.0.1'], inventories: [] }, OPTIONS);
    expect([...built.targets]).toHaveLength(2);
    expect([...built.targets]).toHaveLength(2);
  });

  it('de-duplicates 130,000 targets (a /17 given twice and the /16 around it) in one pass', () => {
    const built = buildTargets({ args: ['10.1.0.0/17', '10.1.0.0/17', '10.1.0.0/16'], inventories: [] }, OPTIONS);
    expect(built.count).toBe(32_766 * 2 + 65_534);
    let n = 0;
    for (const _ of built.targets) n++;
    expect(n).toBe(65_534); // the /17 is inside the /16: the /16's hosts, once each
  });

  it('carries inventory errors with the file and line, and the row as a target without its community', () => {
    const built = buildTargets(
      { args: [], inventories: [{ file: 'fleet.csv', text: 'host,port,name,site,community\nats1,70000,ats-one,dc1,hunter2\n' }] },
      OPTIONS,
    );
    expect(built.errors).toEqual([
      {
        origin: 'fleet.csv:2',
        message: 'fleet.csv:2:2: bad port "70000": expected 1-65535',
        target: { host: 'ats1', port: 161, name: 'ats-one', site: 'dc1', origin: 'fleet.csv:2' },
      },
    ]);
    expect(JSON.stringify(built.errors)).not.toContain('hunter2');
  });

  it('gives every data row of a broken inventory a target or an error with a host, never a cell but the host', () => {
    const text = [
      'host,community,name',
      '10.0.0.1,Hush-1,a',
      ',Hush-2,empty host',
      '10.0.0.3,Hush-3,"unclosed',
      '10.0.0.4,Hush-4,b,extra',
      '10.0.0.5,Hush-5"q,c',
      '10.0.0.300,Hush-6,d',
      '10.0.0.7,Hush-7,e',
    ].join('\n');
    const built = buildTargets({ args: [], inventories: [{ file: 'f.csv', text }] }, OPTIONS);
    expect([...built.targets].map((t) => t.target.origin)).toEqual(['f.csv:2', 'f.csv:8']);
    expect(built.errors.map((e) => e.target.host)).toEqual(['f.csv:3', 'f.csv:4', 'f.csv:5', 'f.csv:6', '10.0.0.300']);
    expect(built.errors.every((e) => e.target.host !== '')).toBe(true);
    expect(JSON.stringify(built.errors)).not.toMatch(/Hush/);
  });

  it('reads the fixture files together with arguments', () => {
    const read = (file: string) => ({ file, text: readFileSync(join(FIXTURES, file), 'utf8') });
    const built = buildTargets({ args: ['10.20.0.5:1161', 'ats-r12.dc1.example'], inventories: [read('fleet.csv'), read('hosts.txt')] }, OPTIONS);
    expect(built.errors).toEqual([]);
    const list = [...built.targets];
    // ats-r12 and 10.20.0.5:1161 are first named by the arguments: fleet.csv's labels are not merged in.
    expect(list[0]).toEqual({ target: { host: '10.20.0.5', port: 1161, origin: 'argument 1' } });
    expect(list[1]).toEqual({ target: { host: 'ats-r12.dc1.example', port: 161, origin: 'argument 2' } });
    expect(list.filter((t) => t.target.host === 'ats-r12.dc1.example')).toHaveLength(1);
    expect(list.find((t) => t.target.host === '2001:db8::5' && t.target.port === 161)?.target.origin).toBe('fleet.csv:6');
    expect(list.find((t) => t.target.host === '2001:db8::5' && t.target.port === 1161)?.target.origin).toBe('hosts.txt:5');
  });
});

describe('countTargets and expandSources', () => {
  it('counts sizes without expanding, duplicates included', () => {
    const sources = ['10.0.0.0/24', '10.0.0.0/24', 'ats1', '2001:db8::/120'].map((text) => ({ spec: spec(text), origin: 'x' }));
    expect(countTargets(sources)).toBe(254 + 254 + 1 + 256);
    expect([...expandSources(sources)]).toHaveLength(254 + 1 + 256);
  });

  it('counts an empty list as 0', () => {
    expect(countTargets([])).toBe(0);
  });
});
