// Runs a simulated fleet until SIGINT/SIGTERM:
//   node dist/tools/simulator/main.js [--port N] [--scale N] [--silent F] [--closed F] [--latency MS] [--warm-up N]
// Prints one line per unit (address, what it is, the verdict the audit should reach), never
// a community.

import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { DEFAULT_PORT, demoFleet, scaleFleet, type SimUnit } from './fleet.js';
import { startFleet } from './server.js';
import { warmUp } from './warm-up.js';

function parseArgs(argv: string[]) {
  return yargs(argv)
    .scriptName('ats-sim')
    .usage('$0 [options]: serve simulated APC units on 127.0.0.0/8 until interrupted')
    .option('port', { type: 'number', default: DEFAULT_PORT, describe: 'UDP port every unit listens on' })
    .option('scale', { type: 'number', describe: 'serve N generated units from 127.1.0.1 instead of the demo fleet' })
    .option('silent', { type: 'number', default: 0, describe: 'with --scale: share of units that never answer (0..1)' })
    .option('closed', { type: 'number', default: 0, describe: 'with --scale: share of units with no socket (0..1)' })
    .option('latency', { type: 'number', default: 0, describe: 'answer delay per request, in ms' })
    .option('warm-up', {
      type: 'number',
      default: 0,
      describe: 'before reporting ready, GET every answering unit N times from inside (then zero the counters)',
    })
    .strict()
    .parseSync();
}

function line(u: SimUnit): string {
  return `${`${u.host}:${u.port}`.padEnd(22)} ${u.summary}  => ${u.expect.verdict}`;
}

async function main(): Promise<void> {
  const args = parseArgs(hideBin(process.argv));
  const common = { port: args.port, latencyMs: args.latency };
  const units =
    args.scale === undefined
      ? demoFleet(common)
      : scaleFleet(args.scale, { ...common, silentFraction: args.silent, closedFraction: args.closed });
  const started = performance.now();
  const fleet = await startFleet(units);
  const ms = performance.now() - started;
  if (args.warmUp > 0) {
    const warmStarted = performance.now();
    const w = await warmUp(fleet, args.warmUp);
    process.stderr.write(`warmed up: ${w.requests} requests (${w.failed} unanswered) in ${(performance.now() - warmStarted).toFixed(0)} ms\n`);
  }
  for (const u of units) process.stdout.write(`${line(u)}\n`);
  process.stderr.write(`${units.length} units up in ${ms.toFixed(0)} ms; Ctrl-C to stop\n`);

  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await fleet.stop();
  const t = fleet.totals();
  process.stderr.write(`stopped; ${t.requests} requests received (${t.byType.SetRequest} SET)\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
