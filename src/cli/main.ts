import yargs from 'yargs';
import { ConfigError } from '../credentials/config-file.js';
import { CredentialError } from '../credentials/resolve.js';
import { EXIT } from '../exit-codes.js';
import type { PollDeps } from '../poll/poll-unit.js';
import { forTerminal } from '../report/sanitize.js';
import { advisoriesOptions, runAdvisories } from './commands/advisories.js';
import { checkOptions, runCheck } from './commands/check.js';
import { mergeOptions, runMerge, validateMerge } from './commands/merge.js';
import { runServe, serveOptions } from './commands/serve.js';
import { processIo, UsageError, type Io } from './io.js';
import { examplesText, exitCodesText, SCAN_EXIT_MEANINGS } from './help-text.js';
import { helpWidth, RAW_ARGV, scanOptions, validate } from './options.js';
import { runScan, toolVersion } from './commands/scan.js';
import { suggestCommand } from './suggest-command.js';

const EPILOG = [
  examplesText([
    { command: '$0 10.20.0.0/22', says: 'audit a block with the default community' },
    { command: '$0 -i fleet.csv -f csv -o report.csv', says: 'audit an inventory, write CSV' },
    { command: '$0 -i fleet.csv --list-targets', says: 'what would be scanned, with the credential source; nothing sent' },
    { command: '$0 completion >> ~/.bashrc', says: 'tab completion for bash (or zsh)' },
  ]),
  exitCodesText(SCAN_EXIT_MEANINGS),
  'Read-only: only SNMP GET/GETNEXT/GETBULK are ever sent.',
].join('\n\n');

/** The word that prints the shell completion script (yargs' own). */
const COMPLETION_COMMAND = 'completion';

/** Runs the command line; returns the exit code instead of exiting, so it can run in-process. */
export async function main(rawArgv: readonly string[], io: Io = processIo(), deps?: PollDeps): Promise<number> {
  const given = helpAsOption(stdinAsInventory(rawArgv));
  let code: number = EXIT.clear;
  const parser = yargs()
    .scriptName('ats-audit')
    .usage('$0 [scan] [targets..] [options]\n\nAudit APC Rack ATS units (AP77xx) against the firmware-upgrade safety bulletin.')
    .command(['scan [targets..]', '$0'], 'Poll each unit and report its verdict', scanOptions, async (a) => {
      // yargs takes `completion` for the default command's target (its own printing is lost
      // with a default command): print the script from here, into the parse output.
      if (given[0] === COMPLETION_COMMAND) {
        parser.showCompletionScript();
        return;
      }
      code = await runScan(validate(a as Record<string, unknown>, given), io, deps);
    })
    .command('check [hosts..]', 'Pre-upgrade gate: may a listed package be flashed on these units now?', checkOptions, async (a) => {
      code = await runCheck({ ...(a as Record<string, unknown>), [RAW_ARGV]: given }, io, { poll: deps });
    })
    .command('advisories', 'List the bulletins the units are judged against', advisoriesOptions, async (a) => {
      code = await runAdvisories(a as Record<string, unknown>, io);
    })
    .command('serve', 'Prometheus exporter: GET /probe?target=HOST[:PORT] audits one unit', serveOptions, async (a) => {
      code = await runServe(a as Record<string, unknown>, io, deps);
    })
    .command('merge <reports..>', 'Join JSON/NDJSON reports of several sites or runs into one report', mergeOptions, async (a) => {
      code = await runMerge(validateMerge(a as Record<string, unknown>), io);
    })
    .completion(COMPLETION_COMMAND, 'Print a bash/zsh completion script (add it to ~/.bashrc or ~/.zshrc)')
    .epilog(EPILOG.replaceAll('$0', 'ats-audit'))
    .strict()
    .version(toolVersion())
    .help()
    .alias('h', 'help')
    .wrap(helpWidth(io))
    .exitProcess(false)
    // yargs goes on to run the command after a validation failure unless fail() throws.
    .fail((msg, err) => {
      if (err && err.name !== 'YError') throw err;
      throw new UsageError((msg || err?.message || 'invalid arguments').replace(/\n\s*/g, ' '));
    });
  try {
    const commands = [...registeredCommands(parser), COMPLETION_COMMAND];
    refuseMistypedCommand(given, commands);
    const argv = scanAsDefault(given, commands);
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
      io.stderr.write(`ats-audit: ${forTerminal(e.message, 400)}\nRun "ats-audit${given[0] === 'check' ? ' check' : ''} --help" for usage.\n`);
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
function scanAsDefault(argv: string[], commands: readonly string[]): string[] {
  if (argv[0] !== 'scan') return argv;
  const rest = argv.slice(1);
  const risky = (a: string) => commands.includes(a) || a === 'help' || a === '--help' || a === '--version' || /^-[^-]*h/.test(a);
  return rest.some(risky) ? argv : rest;
}

/** The commands (and aliases) registered with yargs, so a command added later is known here too. */
function registeredCommands(parser: ReturnType<typeof yargs>): string[] {
  const internal = (parser as unknown as { getInternalMethods(): { getCommandInstance(): { getCommands(): string[] } } }).getInternalMethods();
  return internal.getCommandInstance().getCommands().filter((c) => c !== '$0');
}

/**
 * `ats-audit chek HOST`: the first word is no command but close to one. Refused before
 * anything is read or sent; `ats-audit scan chek` still scans a host of that name.
 */
function refuseMistypedCommand(argv: readonly string[], commands: readonly string[]): void {
  const first = argv.find((a) => !a.startsWith('-'));
  // Only the first word on the line can be a command (an option's value is never one).
  if (first === undefined || first !== argv[0]) return;
  const command = suggestCommand(first, commands);
  if (command) {
    throw new UsageError(
      `unknown command ${JSON.stringify(first)}: did you mean ${command}? (to scan a host of that name: ats-audit scan ${first})`,
    );
  }
}

/** `ats-audit help [COMMAND]` as `--help`: else "help" would be scanned as a host name. */
function helpAsOption(argv: string[]): string[] {
  if (argv[0] !== 'help') return argv;
  return argv[1] && !argv[1].startsWith('-') ? [argv[1], '--help'] : ['--help'];
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
