import { main } from '../src/cli/main.js';
import { processIo } from '../src/cli/io.js';
import { demoFleet } from './simulator/fleet.js';
import { startFleet } from './simulator/server.js';

// `npm run demo`: a simulated fleet on loopback, audited by the real command, no hardware.
// Any extra arguments go to the scan (e.g. `npm run demo -- --format csv`).

const fleet = await startFleet(demoFleet());
const targets = fleet.units.map((u) => `${u.host}:${u.port}`);
process.stderr.write(
  `ats-audit demo: ${fleet.units.length} simulated units on ${fleet.units[0]?.host}…${fleet.units.at(-1)?.host}, port ${fleet.units[0]?.port}\n` +
    `running: ats-audit ${targets[0]} … ${targets.at(-1)} --timeout 1000 --retries 0\n\n`,
);
let code = 0;
try {
  const extra = process.argv.slice(2);
  const format = extra.some((a) => a === '-f' || a.startsWith('--format')) ? [] : ['--format', 'table'];
  code = await main([...targets, '--timeout', '1000', '--retries', '0', ...format, ...extra], processIo());
} finally {
  await fleet.stop();
}
process.stderr.write(
  `\nexit code would be ${code} (0 clear, 3 at-risk found, 4 incomplete, 2 bad input); the demo itself exits 0.\n` +
    'Try: npm run demo -- --format csv    or    npm run demo -- --format json\n',
);
