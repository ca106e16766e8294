import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import pLimit from 'p-limit';
import type { Advisory } from '../audit/advisory.js';
import type { AuditResult } from '../audit/audit-result.js';
import type { CredentialResult } from '../credentials/resolve.js';
import { defaultDeps, type PollDeps } from '../poll/poll-unit.js';
import { auditOne } from '../scan/scan.js';
import { redact } from '../snmp/session.js';
import { targetKey } from '../targets/target.js';
import type { AllowList } from './allow.js';
import { CONTENT_TYPE, newCounters, probeSucceeded, renderOwnMetrics, renderProbe, type ProbeAnswer } from './exposition.js';
import { PAGE_CSP, renderPage } from './page.js';
import { parseProbeQuery, type ProbeRequest } from './probe-request.js';
import { SingleFlightCache } from './single-flight.js';

// The multi-target exporter (the pattern of blackbox_exporter and snmp_exporter): Prometheus
// names the unit in each scrape (`/probe?target=...`), the exporter audits it and answers with
// its series. Routing, the allow-list, the per-target cache with single flight and a global
// limit on polls in flight live here; the CLI (cli/commands/serve.ts) reads options and
// credentials, and stops it on SIGTERM.
//
// Secrets: credentials come from the plan built at start (config file, environment, the
// command line as scan takes them); no response or log line carries them (all text the exporter
// writes that could quote one goes through redact()).

export interface ExporterOptions {
  readonly advisories: readonly Advisory[];
  readonly version: string;
  /** SNMP port when the target names none. */
  readonly defaultPort: number;
  readonly timeoutMs: number;
  readonly retries: number;
  /** A unit is polled at most once per this many ms; probes in between get the last result. */
  readonly minIntervalMs: number;
  /** Polls in flight at most, over all targets. */
  readonly concurrency: number;
  /** Absent: every target may be probed. */
  readonly allow?: AllowList;
  /** Credentials for a probe (the scan's plan); `profile` as the URL named it. */
  readonly credentialsFor: (profile: string | undefined) => CredentialResult;
  /** Profile names offered on the page. */
  readonly profiles: readonly string[];
  /** Every secret in use, for redaction. */
  readonly secrets: () => readonly string[];
  /** One log line (already free of secrets); per-probe lines only when verbose. */
  readonly log: (line: string) => void;
  readonly verbose?: boolean;
  /** The clock of the cache, in ms (tests); default performance.now. */
  readonly now?: () => number;
}

export interface Exporter {
  /** Listens; rejects with the listen error (EADDRINUSE...) as Node gives it. */
  listen(host: string | undefined, port: number): Promise<AddressInfo>;
  /**
   * Graceful stop: no new connections; requests being answered (probes in flight) are
   * finished, then every connection is closed. Resolves when all is closed.
   */
  close(): Promise<void>;
  /** Requests being answered now. */
  readonly busy: number;
}

class HttpError extends Error {
  constructor(
    readonly status: 400 | 403 | 404 | 405,
    message: string,
  ) {
    super(message);
  }
}

export function createExporter(options: ExporterOptions, deps: PollDeps = defaultDeps): Exporter {
  const counters = newCounters();
  const cache = new SingleFlightCache<ProbeAnswer>(options.minIntervalMs, options.now);
  const limit = pLimit(options.concurrency);
  const clean = (s: string) => redact(s, options.secrets().filter((x) => x !== 'public'));
  let busy = 0;
  let idle: (() => void) | undefined;

  const poll = async (request: ProbeRequest, address: string): Promise<ProbeAnswer> => {
    const credentials = options.credentialsFor(request.profile);
    if (!credentials.ok) throw new HttpError(400, credentials.error);
    return limit(async () => {
      counters.polls++;
      const started = performance.now();
      const polledAt = new Date();
      const result = await auditOne(
        { target: { host: address, port: request.port, origin: 'probe' }, credentials: credentials.credentials },
        { concurrency: 1, timeoutMs: options.timeoutMs, retries: options.retries, advisories: options.advisories, keepRaw: false },
        deps,
      );
      // Polled by address (the one the allow-list checked), labelled as Prometheus named it.
      const labelled: AuditResult = { ...result, target: { ...result.target, host: request.host } };
      return { result: labelled, polledAt, durationSeconds: (performance.now() - started) / 1000 };
    });
  };

  /** The address to poll: the literal, or the name resolved once and checked against --allow. */
  const addressOf = async (request: ProbeRequest): Promise<string> => {
    if (request.hostKind !== 'hostname') {
      if (options.allow && !options.allow.allows(request.host)) {
        throw new HttpError(403, `target ${request.host} is outside the allowed blocks (--allow ${options.allow.text.join(' ')}): not probed`);
      }
      return request.host;
    }
    if (!options.allow) return request.host;
    let address: string;
    try {
      const r = deps.resolve(request.host);
      address = (r instanceof Promise ? await r : r).address;
    } catch (e) {
      throw new HttpError(403, `target ${request.host}: DNS lookup failed (${(e as NodeJS.ErrnoException).code ?? 'error'}), so it cannot be checked against --allow: not probed`);
    }
    if (!options.allow.allows(address)) {
      throw new HttpError(403, `target ${request.host} resolves to ${address}, outside the allowed blocks (--allow ${options.allow.text.join(' ')}): not probed`);
    }
    return address;
  };

  const probe = async (url: URL, res: ServerResponse): Promise<void> => {
    const parsed = parseProbeQuery(url.searchParams, options.defaultPort);
    if (!parsed.ok) throw new HttpError(400, parsed.error);
    const request = parsed.request;
    const address = await addressOf(request);
    const key = `${targetKey({ host: address, port: request.port })} ${request.host} ${request.profile ?? ''}`;
    const { value, shared } = await cache.get(key, () => poll(request, address));
    counters.probes++;
    if (shared) counters.cacheHits++;
    if (!probeSucceeded(value.result)) counters.probeFailures++;
    if (options.verbose) {
      options.log(
        clean(
          `probe ${targetKey(request)}${request.profile ? ` (profile ${request.profile})` : ''}: ${value.result.finding.verdict}` +
            `${shared ? ' (cached)' : ` after ${value.result.requests} SNMP request(s), ${value.durationSeconds.toFixed(3)} s`}`,
        ),
      );
    }
    send(res, 200, CONTENT_TYPE, clean(renderProbe(value, options.version)));
  };

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      throw new HttpError(405, `method ${req.method ?? '?'} not allowed: use GET`);
    }
    const url = new URL(req.url ?? '/', 'http://exporter');
    switch (url.pathname) {
      case '/probe':
        return probe(url, res);
      case '/metrics':
        return send(res, 200, CONTENT_TYPE, renderOwnMetrics(counters, cache.inFlight, options.version));
      case '/':
        res.setHeader('Content-Security-Policy', PAGE_CSP);
        return send(
          res,
          200,
          'text/html; charset=utf-8',
          renderPage({ version: options.version, allow: options.allow?.text ?? [], minIntervalSeconds: options.minIntervalMs / 1000, profiles: options.profiles }),
        );
      default:
        throw new HttpError(404, `not found: the exporter answers /probe?target=HOST[:PORT], /metrics and /`);
    }
  };

  // node:http is required here, not imported: the shipped bundle is one CommonJS file whose
  // imports all load at start (src/cli/code-cache.ts), and only `serve` needs a web server.
  const { createServer } = createRequire(import.meta.url)('node:http') as typeof import('node:http');
  const server: Server = createServer((req, res) => {
    busy++;
    res.setHeader('X-Content-Type-Options', 'nosniff');
    route(req, res)
      .catch((e: unknown) => {
        if (e instanceof HttpError) {
          if (e.status === 400 || e.status === 405) counters.refused.badRequest++;
          else if (e.status === 403) counters.refused.forbidden++;
          else counters.refused.notFound++;
          send(res, e.status, 'text/plain; charset=utf-8', `${clean(e.message)}\n`);
          return;
        }
        counters.errors++;
        options.log(clean(`internal error while answering ${req.url?.split('?')[0] ?? ''}: ${(e as Error)?.message ?? String(e)}`));
        send(res, 500, 'text/plain; charset=utf-8', 'internal error; see the exporter\'s log\n');
      })
      .finally(() => {
        busy--;
        if (busy === 0) idle?.();
      });
  });
  // A slow or silent client cannot hold a connection forever.
  server.headersTimeout = 10_000;
  server.requestTimeout = 60_000;

  return {
    get busy() {
      return busy;
    },
    listen: (host, port) =>
      new Promise<AddressInfo>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host, port, exclusive: true }, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      }),
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (busy > 0) await new Promise<void>((resolve) => (idle = resolve));
      server.closeAllConnections();
      await closed;
    },
  };
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
