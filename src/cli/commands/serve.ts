import type { Argv } from 'yargs';
import { EXIT } from '../../exit-codes.js';
import type { PollDeps } from '../../poll/poll-unit.js';
import { forTerminal } from '../../report/sanitize.js';
import { parseAllowList } from '../../serve/allow.js';
import { parseListen } from '../../serve/probe-request.js';
import { redact } from '../../snmp/session.js';
import { parseDuration } from '../duration.js';
import { UsageError, type Io } from '../io.js';
import { connectionOptions, validate } from '../options.js';
import { loadRunConfig, planRunCredentials } from '../run-credentials.js';
import { loadAdvisorySet } from './advisories.js';
import { toolVersion } from './scan.js';

// `ats-audit serve`: the Prometheus exporter (serve/exporter.ts) from the command line.
// Credentials exactly as scan takes them (config file profiles, --community-file, --community,
// $ATS_AUDIT_COMMUNITY), all resolved before listening; a probe may only name a profile.

export const SERVE_DEFAULTS = {
  listen: '127.0.0.1:9777',
  minInterval: '60s',
  concurrency: 16,
} as const;

export function serveOptions<T>(y: Argv<T>) {
  return connectionOptions(y)
    .option('listen', {
      alias: 'l',
      describe: `Address and port to serve on: ADDRESS:PORT, [IPv6]:PORT or :PORT for every interface (default ${SERVE_DEFAULTS.listen})`,
      type: 'string',
      requiresArg: true,
    })
    .option('min-interval', {
      describe: `Poll each unit at most once per this interval (e.g. 60s, 5m); probes in between get the last result (default ${SERVE_DEFAULTS.minInterval})`,
      type: 'string',
      requiresArg: true,
    })
    .option('concurrency', {
      alias: 'j',
      describe: `Units polled at once, over all probes (default ${SERVE_DEFAULTS.concurrency})`,
      type: 'number',
      requiresArg: true,
    })
    .option('allow', {
      describe: 'Only these CIDR blocks or addresses may be probed (a probe of anything else: HTTP 403); host names are resolved and checked',
      type: 'string',
      array: true,
      requiresArg: true,
    })
    .option('verbose', { describe: 'Log one line per probe on stderr (never secrets)', type: 'boolean', default: false });
}

export interface ServeArgs {
  readonly listen: { readonly host: string | undefined; readonly port: number };
  readonly minIntervalMs: number;
  readonly concurrency: number;
  readonly allow: readonly string[];
  readonly verbose: boolean;
}

export function validateServe(a: Record<string, unknown>): ServeArgs {
  const listen = parseListen(String(a.listen ?? SERVE_DEFAULTS.listen));
  if (!listen.ok) throw new UsageError(listen.error);
  const minIntervalMs = parseDuration(a.minInterval ?? SERVE_DEFAULTS.minInterval, 'min-interval', { bare: 's', examples: '60s or 5m' });
  const concurrency = a.concurrency === undefined ? SERVE_DEFAULTS.concurrency : Number(a.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 1024) {
    throw new UsageError(`--concurrency ${String(a.concurrency)}: expected a whole number 1-1024`);
  }
  const allow = Array.isArray(a.allow) ? a.allow.map(String) : [];
  return { listen: { host: listen.host, port: listen.port }, minIntervalMs, concurrency, allow, verbose: a.verbose === true };
}

export async function runServe(a: Record<string, unknown>, io: Io, deps?: PollDeps): Promise<number> {
  // The connection options are scan's: validated by scan's own rules (a target is not needed).
  const conn = validate({ ...a, verbose: false });
  const args = validateServe(a);
  const allow = args.allow.length === 0 ? undefined : parseAllowList(args.allow);
  if (allow && !allow.ok) throw new UsageError(allow.error);

  const config = loadRunConfig(conn, io);
  const profiles = [...config.profiles.keys()];
  // Every profile resolved now: its problems said at start, its secrets known for redaction.
  const plan = planRunCredentials(conn, io, config, profiles.map((name) => ({ origin: `profile ${JSON.stringify(name)}`, profile: name })));
  const secrets = () => plan.secrets.filter((x) => x !== 'public');
  const say = (line: string) => io.stderr.write(`ats-audit: ${forTerminal(redact(line, secrets()), 400)}\n`);
  for (const p of plan.problems) say(`${p.message} (probes naming this profile will be refused)`);

  const version = toolVersion();
  // Loaded here, not with the command line: node:http and the exporter are for `serve` only.
  const { createExporter } = await import('../../serve/exporter.js');
  const exporter = createExporter(
    {
      advisories: loadAdvisorySet(conn.advisory).map((x) => x.advisory),
      version,
      defaultPort: conn.port,
      timeoutMs: conn.timeout,
      retries: conn.retries,
      minIntervalMs: args.minIntervalMs,
      concurrency: args.concurrency,
      ...(allow?.ok ? { allow: allow.list } : {}),
      credentialsFor: (profile) => plan.credentialsFor({ origin: 'probe', ...(profile ? { profile } : {}) }),
      profiles,
      secrets,
      log: say,
      verbose: args.verbose,
    },
    deps,
  );

  const where = `${args.listen.host === undefined ? '' : args.listen.host.includes(':') ? `[${args.listen.host}]` : args.listen.host}:${args.listen.port}`;
  let bound;
  try {
    bound = await exporter.listen(args.listen.host, args.listen.port);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'EADDRINUSE'
        ? 'address already in use (another exporter, or another program, is listening there; stop it or choose another --listen)'
        : code === 'EACCES'
          ? 'permission denied (ports below 1024 need privileges; choose a higher port)'
          : code === 'EADDRNOTAVAIL'
            ? 'no such address on this host'
            : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
              ? 'the address does not resolve'
              : (code ?? (e as Error).message);
    io.stderr.write(`ats-audit: cannot listen on ${forTerminal(where, 200)}: ${why}\n`);
    await exporter.close();
    return EXIT.usage;
  }
  const shown = bound.family === 'IPv6' ? `[${bound.address}]:${bound.port}` : `${bound.address}:${bound.port}`;
  say(
    `serving on http://${shown}/ (probe: /probe?target=HOST[:PORT]); credentials: ${plan.defaultSource}; ` +
      `each unit polled at most once per ${args.minIntervalMs / 1000} s; ${args.concurrency} poll(s) at once; ` +
      `${allow?.ok ? `allowed: ${allow.list.text.join(' ')}` : 'any target may be probed (no --allow)'}`,
  );

  await new Promise<void>((resolve) => {
    const unsubscribe = io.onInterrupt?.((signal) => {
      say(`${signal}: stopping: no new connections; ${exporter.busy} request(s) in flight are finished first (again to stop at once)`);
      void exporter.close().then(() => {
        unsubscribe?.();
        resolve();
      });
    });
  });
  say('stopped');
  return EXIT.clear;
}
