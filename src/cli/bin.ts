import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { guardStdout, stdoutFailed } from './output/stdout-guard.js';
import { hideSecretArgs } from './secret-args.js';
import { heapForStartUp } from './heap-policy.js';

// The program, as the shipped bundle starts it (launch.ts runs it through V8's code cache).
// Before the rest of the tool loads: take secrets off the process title (and with it
// /proc/PID/cmdline), and watch standard output for a reader that goes away.

/** Where a relaunched child (see relaunch) finds its real arguments. */
const ARGV_ENV = 'ATS_AUDIT_RELAUNCH_ARGV';
const LEGACY_FLAG = '--openssl-legacy-provider';

const argv = relaunchedArgv() ?? process.argv.slice(2);
const shown = hideSecretArgs(argv);
if (shown) process.title = ['ats-audit', ...shown].join(' ');
guardStdout();
// Before the rest of the tool is loaded (see heap-policy.ts: once, here only).
heapForStartUp(argv);

// No top-level await: the bundle is CommonJS (see code-cache.ts).
void Promise.all([import('./main.js'), import('./run-credentials.js')]).then(([{ main }, { RelaunchNeeded }]) =>
  main(argv).then(
    (code) => exitOnceFlushed(code),
    (e: unknown) => {
      if (e instanceof RelaunchNeeded) return relaunch(e.command, e.args);
      // Only the message: a stack could quote a value that came from a device or a file.
      process.stderr.write(`ats-audit: internal error: ${(e as Error)?.message ?? String(e)}\n`);
      process.exitCode = 1;
    },
  ),
);

/**
 * Exits as soon as what was written to stdout and stderr has gone out (writes to a pipe are
 * asynchronous), rather than when the event loop drains: after a large scan that means closing
 * up to a thousand idle UDP sockets one by one, for nothing (the kernel closes them).
 * A report that did not reach stdout never exits with the verdict's code.
 */
function exitOnceFlushed(code: number): void {
  process.exitCode = code;
  let pending = 2;
  const flushed = () => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write('', (e) => (e ? stdoutFailed(e) : flushed()));
  process.stderr.write('', flushed);
}

/** The real arguments of a child started by relaunch (its command line shows them masked). */
function relaunchedArgv(): string[] | undefined {
  const passed = process.env[ARGV_ENV];
  delete process.env[ARGV_ENV];
  if (passed === undefined || !process.execArgv.includes(LEGACY_FLAG)) return undefined;
  const parsed: unknown = JSON.parse(passed);
  return Array.isArray(parsed) ? parsed.map(String) : undefined;
}

/**
 * SNMPv3 DES needs OpenSSL's legacy provider, which can only be loaded at start: run again with
 * it. The child's command line shows the arguments with secrets masked; the real ones go in its
 * environment (readable by its own user only, as $ATS_AUDIT_COMMUNITY). Signals are forwarded —
 * the child treats one delivered twice (by us and by a process-group kill) as one — and this
 * process exits with the child's code.
 */
function relaunch(command: string, args: readonly string[]): void {
  // args: node options, this script, then the user's arguments.
  const head = args.slice(0, args.length - argv.length);
  const env = shown ? { ...process.env, [ARGV_ENV]: JSON.stringify(argv) } : process.env;
  const child = spawn(command, [...head, ...(shown ?? argv)], { stdio: 'inherit', env });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  process.on('SIGHUP', forward);
  child.on('error', (e) => {
    process.stderr.write(`ats-audit: cannot restart with ${LEGACY_FLAG} (${e.message})\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    process.exit(code ?? (signal ? 128 + (constants.signals[signal] ?? 15) : 1));
  });
}
