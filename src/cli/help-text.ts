// Pieces of the --help texts that yargs would lay out badly: examples (yargs splits a long
// command line in the middle of a value at 80 columns) and the exit codes. Pure.

import { EXIT } from '../exit-codes.js';

export interface HelpExample {
  readonly command: string;
  readonly says: string;
}

/** Each example's command on a line of its own, never split; its description indented below. */
export function examplesText(examples: readonly HelpExample[]): string {
  return ['Examples:', ...examples.flatMap((e) => [`  ${e.command}`, `      ${e.says}`])].join('\n');
}

/** Every exit code the tool uses, one per line, in the order a script checks them. */
export function exitCodesText(meanings: Readonly<Record<keyof typeof EXIT, string>>): string {
  const order: ReadonlyArray<keyof typeof EXIT> = ['clear', 'internalError', 'usage', 'atRisk', 'incomplete', 'wrongPackage', 'changed', 'interrupted'];
  return ['Exit codes:', ...order.map((k) => `  ${String(EXIT[k]).padStart(3)}  ${meanings[k]}`)].join('\n');
}

/** The exit codes as `scan` (and so `ats-audit` without a command) uses them. */
export const SCAN_EXIT_MEANINGS: Readonly<Record<keyof typeof EXIT, string>> = {
  clear: 'all clear: every target assessed, none at risk',
  internalError: 'internal error',
  usage: 'bad invocation or input (for options: nothing was sent)',
  atRisk: 'at least one unit is at risk (takes precedence)',
  incomplete: 'none at risk, but some targets could not be assessed',
  wrongPackage: 'check --package: the package is the wrong firmware for a unit',
  changed: '--baseline with --fail-on: a change you named happened',
  interrupted: 'interrupted (SIGINT/SIGTERM): unfinished targets are marked',
  stdoutClosed: 'standard output closed by its reader (| head): stopped quietly',
};
