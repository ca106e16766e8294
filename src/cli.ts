#!/usr/bin/env node
import { spawn } from 'node:child_process';
import { main } from './cli/main.js';
import { RelaunchNeeded } from './cli/run-credentials.js';

// A community given on the command line is visible to every user in `ps`: overwrite the
// process title (and with it /proc/PID/cmdline on Linux) as early as possible.
if (process.argv.some((a) => a === '-c' || a.startsWith('--community'))) process.title = 'ats-audit';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof RelaunchNeeded) return relaunch(e);
    // Only the message: a stack could quote a value that came from a device or a file.
    process.stderr.write(`ats-audit: internal error: ${(e as Error)?.message ?? String(e)}\n`);
    process.exitCode = 1;
  },
);

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
