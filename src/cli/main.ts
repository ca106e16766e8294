import yargs from 'yargs';
import { ConfigError } from '../credentials/config-file.js';
import { CredentialError } from '../credentials/resolve.js';
import { EXIT } from '../exit-codes.js';
import type { PollDeps } from '../poll/poll-unit.js';
import { forTerminal } from '../report/sanitize.js';
import { advisoriesOptions, runAdvisories } from './commands/advisories.js';
import { checkOptions, runCheck } from './commands/check.js';
import { processIo, UsageError, type Io } from './io.js';
import { scanOptions, validate } from './options.js';
import { runScan, toolVersion } from './commands/scan.js';

const EPILOG = `Exit codes: 0 all clear; 3 at-risk units found; 4 some targets could not be assessed;
2 bad invocation or input; 1 internal error.
Read-only: only SNMP GET/GETNEXT/GETBULK are ever sent.`;

/** Runs the command line; returns the exit code instead of exiting, so it can run in-process. */
export async function main(rawArgv: readonly string[], io: Io = processIo(), deps?: PollDeps): Promise<number> {
  const argv = scanAsDefault(stdinAsInventory(rawArgv));
  let code: number = EXIT.clear;
  const parser = yargs([...argv])
    .scriptName('ats-audit')
    .usage('$0 [scan] [targets..] [options]\n\nAudit APC Rack ATS units (AP77xx) against the firmware-upgrade safety bulletin.')
    .command(['scan [targets..]', '$0'], 'Poll each unit and report its verdict', scanOptions, async (a) => {
      code = await runScan(validate(a as Record<string, unknown>), io, deps);
    })
    .command('check [hosts..]', 'Pre-upgrade gate: may a listed package be flashed on these units now?', checkOptions, async (a) => {
      code = await runCheck(a as Record<string, unknown>, io, { poll: deps });
    })
    .command('advisories', 'List the bulletins the units are judged against', advisoriesOptions, async (a) => {
      code = await runAdvisories(a as Record<string, unknown>, io);
    })
    .example('$0 10.20.0.0/22', 'audit a block with the default community')
    .example('$0 -i fleet.csv -f csv -o report.csv', 'audit an inventory, write CSV')
    .epilog(EPILOG)
    .strict()
    .version(toolVersion())
    .help()
    .alias('h', 'help')
    .wrap(Math.min(110, io.stdout.columns ?? 100))
    .exitProcess(false)
    // yargs goes on to run the command after a validation failure unless fail() throws.
    .fail((msg, err) => {
      if (err && err.name !== 'YError') throw err;
      throw new UsageError((msg || err?.message || 'invalid arguments').replace(/\n\s*/g, ' '));
    });
  try {
    let helpText = '';
    await parser.parseAsync([...argv], {}, (_err, _argv, output) => {
      helpText = output;
    });
    if (helpText) io.stdout.write(`${helpText}\n`);
    return code;
  } catch (e) {
    if (e instanceof ConfigError) {
      for (const p of e.problems) io.stderr.write(`ats-audit: ${forTerminal(p, 400)}\n`);
      return EXIT.usage;
    }
    if (e instanceof UsageError || e instanceof CredentialError) {
      io.stderr.write(`ats-audit: ${forTerminal(e.message, 400)}\nRun "ats-audit${argv[0] === 'check' ? ' check' : ''} --help" for usage.\n`);
      return EXIT.usage;
    }
    throw e;
  }
}

/**
 * `ats-audit scan ...` as `ats-audit ...`: scan is the default command, and yargs renders the
 * whole help text up front (~30 ms of string widths) for a command named on the line, not for
 * the default one. Left as given when another word could then be read as a command, or help
 * or the version is asked for (their text names the command).
 */
function scanAsDefault(argv: string[]): string[] {
  if (argv[0] !== 'scan') return argv;
  const rest = argv.slice(1);
  const risky = (a: string) => a === 'scan' || a === 'check' || a === 'advisories' || a === 'help' || a === '--help' || a === '--version' || /^-[^-]*h/.test(a);
  return rest.some(risky) ? argv : rest;
}

/** yargs drops a lone "-": after -o it is standard output, else "read targets from stdin" (`--inventory=-`). */
function stdinAsInventory(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (const a of argv) {
    if (a !== '-') {
      out.push(a);
      continue;
    }
    const prev = out.at(-1);
    if (prev === '-o' || prev === '--output') {
      out.push(`${out.pop()!}=-`);
      continue;
    }
    if (prev === '-i' || prev === '--inventory') out.pop();
    out.push('--inventory=-');
  }
  return out;
}
