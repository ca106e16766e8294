import ipaddr from 'ipaddr.js';

// --allow CIDR...: which addresses the exporter may probe. Pure. An IPv4-mapped IPv6 address
// (::ffff:10.0.0.5) is judged as the IPv4 address it carries.

export interface AllowList {
  /** The blocks as written back (normalised), for the page and messages. */
  readonly text: readonly string[];
  allows(address: string): boolean;
}

export type AllowResult = { readonly ok: true; readonly list: AllowList } | { readonly ok: false; readonly error: string };

function normal(address: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  if (!ipaddr.isValid(address)) return undefined;
  const a = ipaddr.parse(address);
  return a.kind() === 'ipv6' && (a as ipaddr.IPv6).isIPv4MappedAddress() ? (a as ipaddr.IPv6).toIPv4Address() : a;
}

/** Parses the blocks; a bare address is a /32 (IPv4) or /128 (IPv6). */
export function parseAllowList(blocks: readonly string[]): AllowResult {
  const ranges: Array<[ipaddr.IPv4 | ipaddr.IPv6, number]> = [];
  for (const raw of blocks.flatMap((b) => b.split(',')).map((b) => b.trim()).filter(Boolean)) {
    let range: [ipaddr.IPv4 | ipaddr.IPv6, number];
    try {
      if (raw.includes('/')) {
        range = ipaddr.parseCIDR(raw);
      } else {
        const a = ipaddr.parse(raw);
        range = [a, a.kind() === 'ipv4' ? 32 : 128];
      }
    } catch {
      return { ok: false, error: `--allow ${JSON.stringify(raw)}: expected a CIDR block such as 10.20.0.0/16 or 2001:db8::/48, or an address` };
    }
    ranges.push(range);
  }
  const text = ranges.map(([a, p]) => `${a.toString()}/${p}`);
  return {
    ok: true,
    list: {
      text,
      allows(address) {
        const a = normal(address);
        return a !== undefined && ranges.some(([net, prefix]) => net.kind() === a.kind() && a.match(net, prefix));
      },
    },
  };
}
