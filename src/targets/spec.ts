// One target spec as typed on the command line or written on an inventory line, parsed into a
// value that knows how many hosts it names and can list them lazily. Pure: no DNS, no I/O.
//
// Grammar (a spec may end in `:PORT`; an IPv6 literal needs brackets to carry one):
//   ats-r12.dc1.example          hostname (RFC 1123 labels; lower-cased, one trailing dot dropped)
//   10.20.0.5   10.20.0.5:1161   IPv4 address
//   2001:db8::5   [2001:db8::5]:1161
//                                IPv6 address (written back in RFC 5952 form; an IPv4-mapped
//                                address such as ::ffff:10.0.0.5 becomes 10.0.0.5)
//   10.20.0.0/22   2001:db8::/120
//                                CIDR block
//   10.20.0.10-40   10.20.0.10-10.20.1.40
//                                IPv4 range, last octet only or full; both ends included
//
// Without `allowLarge`, a block or range may name at most 65,536 addresses (an IPv4 /16, an
// IPv6 /112): a typo such as /8 for /28 should not start sixteen million polls.

import ipaddr from 'ipaddr.js';

export type Family = 'ipv4' | 'ipv6';

interface SpecBase {
  /** The spec as written, trimmed: for messages. */
  readonly text: string;
  readonly port: number;
  /** How many hosts `expand` yields. A bigint: an IPv6 block can name more than 2^53. */
  readonly size: bigint;
}

/** One host: a hostname or an IP literal, already normalised (see the grammar above). */
export interface HostSpec extends SpecBase {
  readonly kind: 'host';
  readonly host: string;
  readonly hostKind: Family | 'hostname';
}

/**
 * A CIDR block. For IPv4 blocks /0 to /30 the network and broadcast addresses are not hosts and
 * are skipped (`first`/`last` are the usable ends); a /31 (RFC 3021 point-to-point) and a /32
 * keep every address. IPv6 has no broadcast address: every address of the block is kept.
 */
export interface BlockSpec extends SpecBase {
  readonly kind: 'cidr';
  readonly family: Family;
  /** Network address with host bits cleared, e.g. "10.0.0.0" for "10.0.0.5/24". */
  readonly network: string;
  readonly prefix: number;
  /** First and last host yielded. */
  readonly first: string;
  readonly last: string;
}

/** An IPv4 range, both ends included, nothing skipped: the user named every address. */
export interface RangeSpec extends SpecBase {
  readonly kind: 'range';
  readonly family: 'ipv4';
  readonly first: string;
  readonly last: string;
}

export type TargetSpec = HostSpec | BlockSpec | RangeSpec;

export interface SpecOptions {
  /** Port used when the spec does not name one. */
  readonly port: number;
  /** Accept blocks and ranges of more than 65,536 addresses (the CLI's `--allow-large`). */
  readonly allowLarge?: boolean;
}

/**
 * `note` is set when the spec was accepted but not exactly as written: "10.0.0.5/24" is taken as
 * the block 10.0.0.0/24, as most tools do, and the caller should say so.
 */
export type SpecResult =
  | { readonly ok: true; readonly spec: TargetSpec; readonly note?: string }
  | { readonly ok: false; readonly error: string };

/** Most addresses a block or range may name without `allowLarge`. */
export const LARGE_LIMIT = 65_536n;

const ANY_TARGET = 'expected a hostname, IP address, CIDR block or range';

/** Parses a port written as decimal digits, 1-65535. */
export function parsePort(text: string): { ok: true; port: number } | { ok: false; error: string } {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (port >= 1 && port <= 65_535) return { ok: true, port };
  return { ok: false, error: `bad port ${quote(text)}: expected 1-65535` };
}

/** Parses one target spec. Errors start with the spec in quotes: `"10.0.0.0/33": prefix length must be 0-32`. */
export function parseTargetSpec(text: string, options: SpecOptions): SpecResult {
  const spec = text.trim();
  if (spec === '') return { ok: false, error: `empty target: ${ANY_TARGET}` };
  const fail = (why: string): SpecResult => ({ ok: false, error: `${quote(spec)}: ${why}` });

  let body: string;
  let portText: string | undefined;
  let ipv6Only = false;
  if (spec.startsWith('[')) {
    const m = /^\[([^\]]*)\](.*)$/.exec(spec);
    if (!m) return fail('missing "]" after the IPv6 address');
    body = m[1] ?? '';
    const rest = m[2] ?? '';
    if (rest !== '' && !rest.startsWith(':')) return fail('expected ":PORT" or nothing after "]"');
    if (rest !== '') portText = rest.slice(1);
    ipv6Only = true;
  } else {
    const colons = spec.split(':').length - 1;
    if (colons === 1) {
      const at = spec.indexOf(':');
      body = spec.slice(0, at);
      portText = spec.slice(at + 1);
    } else {
      // No colon, or an unbracketed IPv6 literal/block (which cannot carry a port).
      body = spec;
    }
  }

  let port = options.port;
  if (portText !== undefined) {
    const parsed = parsePort(portText);
    if (!parsed.ok) return fail(parsed.error);
    port = parsed.port;
  }
  if (body === '') return fail(ipv6Only ? 'empty address inside "[]"' : `empty host: ${ANY_TARGET}`);

  const why = (result: Parsed): SpecResult => (typeof result === 'string' ? fail(result) : { ok: true, ...result });
  if (body.includes('/')) {
    if (ipv6Only && !body.includes(':')) return fail('brackets are for IPv6 addresses only');
    return why(parseBlock(spec, body, port, options.allowLarge === true));
  }
  if (ipv6Only || body.includes(':')) return why(parseIPv6Host(spec, body, port));
  const range = /^([\d.]+)-([\d.]+)$/.exec(body);
  if (range) return why(parseRange(spec, range[1] ?? '', range[2] ?? '', port, options.allowLarge === true));
  if (/^[\d.]+$/.test(body)) return why(parseIPv4Host(spec, body, port));
  return why(parseHostname(spec, body, port));
}

/**
 * The hosts a spec names, one at a time. A generator: a /16 is never held in memory, and a caller
 * that stops early (or is interrupted) never pays for the rest.
 */
export function* expand(spec: TargetSpec): Generator<{ host: string; port: number }, void, undefined> {
  if (spec.kind === 'host') {
    yield { host: spec.host, port: spec.port };
    return;
  }
  const { first, last } = addressBounds(spec);
  for (let n = first; n <= last; n++) yield { host: addressText(n, spec.family), port: spec.port };
}

/** A block's or range's addresses as integers, both ends included (for de-duplication without a set of hosts). */
export function addressBounds(spec: BlockSpec | RangeSpec): { first: bigint; last: bigint } {
  return { first: toBigInt(ipaddr.parse(spec.first)), last: toBigInt(ipaddr.parse(spec.last)) };
}

/** An IP host spec's address as an integer. */
export function addressOf(spec: HostSpec): bigint | undefined {
  return spec.hostKind === 'hostname' ? undefined : toBigInt(ipaddr.parse(spec.host));
}

/** The address `n` of a family, written as expand writes it. */
export function addressText(n: bigint, family: Family): string {
  if (family === 'ipv4') {
    const v = Number(n);
    return `${Math.floor(v / 16_777_216)}.${Math.floor(v / 65_536) % 256}.${Math.floor(v / 256) % 256}.${v % 256}`;
  }
  return fromBigInt(n, family);
}

type Parsed = string | { spec: TargetSpec; note?: string };

/**
 * A dotted quad already in the form ipaddr.js writes (four decimal octets 0-255, no leading
 * zero): taken as it is, which spares a parse and a print per line of a large inventory. Any
 * other text goes through ipaddr.js. A test holds the two to the same answers.
 */
export const CANONICAL_IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

function parseIPv4Host(text: string, body: string, port: number): Parsed {
  if (CANONICAL_IPV4.test(body)) return { spec: { kind: 'host', text, host: body, hostKind: 'ipv4', port, size: 1n } };
  if (!ipaddr.IPv4.isValidFourPartDecimal(body)) return 'not an IPv4 address or hostname';
  const host = ipaddr.IPv4.parse(body).toString();
  return { spec: { kind: 'host', text, host, hostKind: 'ipv4', port, size: 1n } };
}

function parseIPv6Host(text: string, body: string, port: number): Parsed {
  if (!ipaddr.IPv6.isValid(body)) return 'not an IPv6 address';
  const address = ipaddr.IPv6.parse(body);
  if (address.isIPv4MappedAddress() && address.zoneId === undefined) {
    const host = address.toIPv4Address().toString();
    return { spec: { kind: 'host', text, host, hostKind: 'ipv4', port, size: 1n } };
  }
  return { spec: { kind: 'host', text, host: address.toRFC5952String(), hostKind: 'ipv6', port, size: 1n } };
}

function parseBlock(text: string, body: string, port: number, allowLarge: boolean): Parsed {
  const slash = body.lastIndexOf('/');
  const addressText = body.slice(0, slash);
  const prefixText = body.slice(slash + 1);
  const family: Family = addressText.includes(':') ? 'ipv6' : 'ipv4';
  const bits = family === 'ipv4' ? 32 : 128;
  const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!(prefix >= 0 && prefix <= bits)) return `prefix length must be 0-${bits}`;
  const valid =
    family === 'ipv4'
      ? ipaddr.IPv4.isValidFourPartDecimal(addressText)
      : ipaddr.IPv6.isValid(addressText) && !addressText.includes('%');
  if (!valid) return `${quote(addressText)} is not an ${family === 'ipv4' ? 'IPv4' : 'IPv6'} network address`;

  const cidr = `${addressText}/${prefix}`;
  const Kind = family === 'ipv4' ? ipaddr.IPv4 : ipaddr.IPv6;
  const network = Kind.networkAddressFromCIDR(cidr);
  const broadcast = Kind.broadcastAddressFromCIDR(cidr);
  const blockSize = 1n << BigInt(bits - prefix);
  if (!allowLarge && blockSize > LARGE_LIMIT) {
    const smallest = family === 'ipv4' ? 16 : 112;
    return `${formatCount(blockSize)} addresses, more than ${formatCount(LARGE_LIMIT)} (a /${smallest}): pass --allow-large to audit it`;
  }

  let first = toBigInt(network);
  let last = toBigInt(broadcast);
  if (family === 'ipv4' && prefix <= 30) {
    first += 1n;
    last -= 1n;
  }
  const networkText = show(network);
  const spec: BlockSpec = {
    kind: 'cidr',
    text,
    family,
    network: networkText,
    prefix,
    port,
    first: fromBigInt(first, family),
    last: fromBigInt(last, family),
    size: last - first + 1n,
  };
  if (toBigInt(Kind.parse(addressText)) !== toBigInt(network)) {
    return { spec, note: `${quote(text)}: host bits set; auditing the block ${networkText}/${prefix}` };
  }
  return { spec };
}

function parseRange(text: string, startText: string, endText: string, port: number, allowLarge: boolean): Parsed {
  if (!ipaddr.IPv4.isValidFourPartDecimal(startText)) return `range start ${quote(startText)} is not an IPv4 address`;
  const start = ipaddr.IPv4.parse(startText);
  let end: ipaddr.IPv4;
  if (endText.includes('.')) {
    if (!ipaddr.IPv4.isValidFourPartDecimal(endText)) return `range end ${quote(endText)} is not an IPv4 address`;
    end = ipaddr.IPv4.parse(endText);
  } else {
    if (!/^(0|[1-9]\d*)$/.test(endText)) return `range end ${quote(endText)} is not a decimal octet`;
    const octet = Number(endText);
    if (octet > 255) return `range end octet ${octet} is more than 255`;
    end = new ipaddr.IPv4([...start.octets.slice(0, 3), octet]);
  }
  const first = toBigInt(start);
  const last = toBigInt(end);
  if (last < first) return `range end ${end.toString()} is before start ${start.toString()}`;
  const size = last - first + 1n;
  if (!allowLarge && size > LARGE_LIMIT) {
    return `${formatCount(size)} addresses, more than ${formatCount(LARGE_LIMIT)}: pass --allow-large to audit it`;
  }
  return { spec: { kind: 'range', text, family: 'ipv4', first: start.toString(), last: end.toString(), port, size } };
}

/** RFC 1123 host names: dot-separated labels of letters, digits and inner hyphens. */
function parseHostname(text: string, body: string, port: number): Parsed {
  const host = body.toLowerCase().replace(/\.$/, '');
  const bad = /[^a-z0-9.-]/.exec(host);
  if (bad) return `bad character ${quote(bad[0])} in hostname: expected letters, digits, "-" and "."`;
  if (host.length > 253) return 'hostname is longer than 253 characters';
  for (const label of host.split('.')) {
    if (label === '') return 'empty label in hostname';
    if (label.length > 63) return `hostname label ${quote(label)} is longer than 63 characters`;
    if (label.startsWith('-') || label.endsWith('-')) return `hostname label ${quote(label)} must not start or end with "-"`;
  }
  return { spec: { kind: 'host', text, host, hostKind: 'hostname', port, size: 1n } };
}

function toBigInt(address: ipaddr.IPv4 | ipaddr.IPv6): bigint {
  return address.toByteArray().reduce((n, byte) => (n << 8n) | BigInt(byte), 0n);
}

function fromBigInt(n: bigint, family: Family): string {
  const bytes = new Array<number>(family === 'ipv4' ? 4 : 16);
  let rest = n;
  for (let i = bytes.length - 1; i >= 0; i--) {
    bytes[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return show(ipaddr.fromByteArray(bytes));
}

function show(address: ipaddr.IPv4 | ipaddr.IPv6): string {
  return address.kind() === 'ipv6' ? (address as ipaddr.IPv6).toRFC5952String() : address.toString();
}

function formatCount(n: bigint): string {
  return n.toLocaleString('en-US');
}

function quote(text: string): string {
  return JSON.stringify(text);
}
