import { parseTargetSpec } from '../targets/spec.js';

// GET /probe?target=HOST[:PORT][&profile=NAME] read into what to probe. Pure. Credentials never
// come from the URL: a query naming one is refused, and its value is never echoed.

export interface ProbeRequest {
  readonly host: string;
  readonly hostKind: 'ipv4' | 'ipv6' | 'hostname';
  readonly port: number;
  /** A profile of the config file; absent: the exporter's default credentials. */
  readonly profile?: string;
}

export type ProbeRequestResult = { readonly ok: true; readonly request: ProbeRequest } | { readonly ok: false; readonly error: string };

const KNOWN = new Set(['target', 'profile']);
const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function parseProbeQuery(query: URLSearchParams, defaultPort: number): ProbeRequestResult {
  for (const key of new Set(query.keys())) {
    if (KNOWN.has(key)) continue;
    const name = JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…` : key);
    return {
      ok: false,
      error: /community|password|secret|key|auth|priv|user/i.test(key)
        ? `parameter ${name} refused: credentials are never taken from the URL; name a profile of the config file with profile=NAME`
        : `unknown parameter ${name}: expected target=HOST[:PORT] and optionally profile=NAME`,
    };
  }
  const targets = query.getAll('target');
  if (targets.length !== 1 || targets[0] === '') {
    return { ok: false, error: targets.length > 1 ? 'one target per probe: give target= once' : 'missing target=HOST[:PORT]' };
  }
  const spec = parseTargetSpec(targets[0]!, { port: defaultPort });
  if (!spec.ok) return { ok: false, error: `target ${spec.error}` };
  if (spec.spec.kind !== 'host') return { ok: false, error: `target ${JSON.stringify(spec.spec.text)}: one unit per probe (a host or address, not a block or range)` };
  const profiles = query.getAll('profile');
  if (profiles.length > 1) return { ok: false, error: 'give profile= at most once' };
  // An empty profile (the page's "default" choice) means none.
  const profile = profiles[0] || undefined;
  if (profile !== undefined && !PROFILE_NAME.test(profile)) {
    return { ok: false, error: 'profile: expected the name of a profile of the config file (letters, digits, ".", "_", "-")' };
  }
  return {
    ok: true,
    request: { host: spec.spec.host, hostKind: spec.spec.hostKind, port: spec.spec.port, ...(profile ? { profile } : {}) },
  };
}

/** --listen ADDR:PORT, [IPv6]:PORT or :PORT (every interface). */
export function parseListen(text: string): { ok: true; host: string | undefined; port: number } | { ok: false; error: string } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || !(port >= 0 && port <= 65535)) return { ok: false, error: `--listen ${JSON.stringify(text)}: expected ADDRESS:PORT, [IPv6]:PORT or :PORT` };
  const host = m[1] ?? m[2];
  return { ok: true, host: host === '' ? undefined : host, port };
}
