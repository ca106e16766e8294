#!/usr/bin/env node
import { main } from './cli/main.js';

// A community given on the command line is visible to every user in `ps`: overwrite the
// process title (and with it /proc/PID/cmdline on Linux) as early as possible.
if (process.argv.some((a) => a === '-c' || a.startsWith('--community') )) process.title = 'ats-audit';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`ats-audit: internal error: ${(e as Error)?.message ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
