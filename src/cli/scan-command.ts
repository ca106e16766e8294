import { readFileSync } from 'node:fs';
import { loadAdvisoryFile, loadBundledAdvisories, type Advisory } from '../advisory.js';
import { writeFileAtomic } from '../atomic-write.js';
import type { AuditResult } from '../audit-result.js';
import { EXIT, exitCodeFor } from '../exit-codes.js';
import { packageRoot } from '../package-root.js';
import type { PollDeps } from '../poll.js';
import { reportFormat } from '../report/formats.js';
import { forTerminal } from '../report/sanitize.js';
import { compareForTable, shouldUseColor } from '../report/table.js';
import { startProgress } from '../progress.js';
import { invalidTargetResult, scan } from '../scan.js';
import { redact } from '../snmp/session.js';
import { buildTargets } from '../target-list.js';
import type { AuditTarget, Credentials } from '../target.js';
import { UsageError, type Io } from './io.js';
import { resolveFormat, type ScanArgs } from './options.js';

// The scan command from parsed options to exit code: read inputs, audit, report.

export async function runScan(args: ScanArgs, io: Io, deps?: PollDeps): Promise<number> {
  const community = resolveCommunity(args, io.env);
  const secrets = [community];
  const advisories = loadAdvisories(args.advisory);
  const format = resolveFormat(args, io.stdout.isTTY === true);

  const inventories: Array<{ file: string; text: string }> = [];
  for (const file of args.inventory) {
    inventories.push({ file: file === '-' ? '<stdin>' : file, text: file === '-' ? await io.readStdin() : readInput(file) });
  }
  const built = buildTargets({ args: args.targets, inventories }, { port: args.port, allowLarge: args.allowLarge });
  for (const e of built.errors) io.stderr.write(`ats-audit: ${forTerminal(redact(e.message, ...secrets), 400)}\n`);
  if (!args.quiet) for (const n of built.notes) io.stderr.write(`ats-audit: note: ${forTerminal(n.message, 400)}\n`);
  if (built.errors.length > 0 && args.strict) {
    throw new UsageError(`${built.errors.length} invalid target(s) and --strict given: nothing scanned`);
  }
  if (built.count === 0 && built.errors.length === 0) {
    throw new UsageError('no targets: give hosts, CIDR blocks or ranges as arguments, or --inventory FILE (see --help)');
  }

  const audits = (function* (): Iterable<AuditTarget> {
    for (const t of built.targets) {
      const credentials: Credentials = { version: args.snmpVersion, community: t.community ?? community };
      yield { target: t.target, credentials };
    }
  })();
  // A bad target line is still a target the user gave: it gets a row. File-level problems
  // (a CSV header without "host") name no target and are reported on stderr only.
  const results: AuditResult[] = built.errors
    .filter((e) => e.target.host !== '')
    .map((e) => invalidTargetResult(e.target, `invalid target: ${redact(e.message, ...secrets)}`));
  const progress = startProgress(built.count, io.stderr, { quiet: args.quiet });
  try {
    results.push(
      ...(await scan(
        audits,
        {
          concurrency: args.concurrency,
          timeoutMs: args.timeout,
          retries: args.retries,
          advisories,
          onResult: progress.onResult,
        },
        deps,
      )),
    );
  } finally {
    progress.stop();
  }

  // Every format lists units in the same order: worst verdict first, then site and host.
  results.sort(compareForTable);
  const rendered = reportFormat(format).render(results, {
    advisories,
    version: toolVersion(),
    generatedAt: new Date(),
    color: !args.output && shouldUseColor(io.stdout, io.env),
    width: io.stdout.columns,
  });
  const report = rendered.endsWith('\n') ? rendered : `${rendered}\n`;
  if (args.output) {
    writeFileAtomic(args.output, report);
    if (!args.quiet) io.stderr.write(`ats-audit: wrote ${results.length} unit(s) to ${args.output} (${format})\n`);
  } else {
    io.stdout.write(report);
  }
  const code = exitCodeFor(results);
  return code === EXIT.atRisk || built.errors.length === 0 ? code : EXIT.usage;
}

/** Inventory community > --community-file > --community > $ATS_AUDIT_COMMUNITY > "public". */
function resolveCommunity(args: ScanArgs, env: NodeJS.ProcessEnv): string {
  if (args.communityFile) {
    const first = readInput(args.communityFile).split(/\r?\n/)[0]?.trim();
    if (!first) throw new UsageError(`--community-file ${args.communityFile}: the file is empty`);
    return first;
  }
  if (args.community !== undefined) {
    if (args.community === '') throw new UsageError('--community: must not be empty');
    return args.community;
  }
  return env.ATS_AUDIT_COMMUNITY || 'public';
}

function loadAdvisories(extra: readonly string[]): Advisory[] {
  const all = [...loadBundledAdvisories(), ...extra.map((f) => {
    try {
      return loadAdvisoryFile(f);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  })];
  const seen = new Set<string>();
  for (const a of all) {
    if (seen.has(a.id)) throw new UsageError(`advisory ${a.id} is given twice`);
    seen.add(a.id);
  }
  return all;
}

function readInput(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

let version: string | undefined;
export function toolVersion(): string {
  version ??= (JSON.parse(readFileSync(`${packageRoot()}/package.json`, 'utf8')) as { version: string }).version;
  return version;
}
