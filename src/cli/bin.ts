#!/usr/bin/env node
import { spawn } from 'node:child_process';
import { main } from './main.js';
import { RelaunchNeeded } from './run-credentials.js';

// A community given on the command line is visible to every user in `ps`: overwrite the
// process title (and with it /proc/PID/cmdline on Linux) as early as possible.
if (process.argv.some((a) => a === '-c' || a.startsWith('--community'))) process.title = 'ats-audit';

main(process.argv.slice(2)).then(
  (code) => exitOnceFlushed(code),
  (e: unknown) => {
    if (e instanceof RelaunchNeeded) return relaunch(e);
    // Only the message: a stack could quote a value that came from a device or a file.
    process.stderr.write(`ats-audit: internal error: ${(e as Error)?.message ?? String(e)}\n`);
    process.exitCode = 1;
  },
);

/**
 * Exits as soon as what was written to stdout and stderr has gone out (writes to a pipe are
 * asynchronous), rather than when the event loop drains: after a large scan that means closing
 * up to a thousand idle UDP sockets one by one, ~20–30 ms for nothing (the kernel closes them).
 */
function exitOnceFlushed(code: number): void {
  process.exitCode = code;
  let pending = 2;
  const flushed = () => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write('', flushed);
  process.stderr.write('', flushed);
}

/** SNMPv3 DES needs OpenSSL's legacy provider, which can only be loaded at start: run again with it. */
function relaunch(r: RelaunchNeeded): void {
  const child = spawn(r.command, r.args, { stdio: 'inherit' });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? (signal ? 128 + 15 : 1);
  });
}
