import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../src/cli/main.js';
import { processIo } from '../src/cli/io.js';
import { FORMAT_NAMES } from '../src/report/formats.js';
import { demoFleet } from './simulator/fleet.js';
import { startFleet } from './simulator/server.js';

// `npm run sample-reports`: regenerates examples/reports/ — one report per format from the
// simulated demo fleet, so a reader sees real output without running anything.

const EXT: Record<string, string> = { table: 'txt', csv: 'csv', json: 'json', ndjson: 'ndjson', prometheus: 'prom', html: 'html' };
const out = join(process.cwd(), 'examples', 'reports');
mkdirSync(out, { recursive: true });
const fleet = await startFleet(demoFleet());
try {
  // An inventory as an ops team keeps one: a name and a site per unit (site from the unit's location).
  const inventory = join(mkdtempSync(join(tmpdir(), 'ats-audit-samples-')), 'fleet.csv');
  const rows = fleet.units.map((u) => `${u.host},${u.port},${u.name},${u.description.sysLocation.split(' ')[0] ?? ''}`);
  writeFileSync(inventory, `host,port,name,site\n${rows.join('\n')}\n`);
  for (const format of FORMAT_NAMES) {
    const file = join(out, `report.${EXT[format] ?? format}`);
    await main(['-i', inventory, '--timeout', '1000', '--retries', '0', '--format', format, '--output', file, '--quiet'], {
      ...processIo(),
      // 80 columns: the table sample in docs/formats.md is taken from this file, and a test
      // (test/e2e/docs.test.ts) checks both against a fresh run.
      env: { NO_COLOR: '1', COLUMNS: '80' },
    });
    process.stderr.write(`wrote ${file}\n`);
  }
} finally {
  await fleet.stop();
}
