import { Writable } from 'node:stream';
import type { AuditResult } from '../src/audit/audit-result.js';
import { VERDICTS } from '../src/audit/finding.js';
import { writeXlsx } from '../src/report/xlsx.js';

// Memory of the xlsx report for a large fleet (issue 11: bounded at 65,536 units):
//   npm run build && npm run build:tools && node --max-old-space-size=96 dist/bench/xlsx-memory.js 65536
// Builds N synthetic results, then streams the workbook into a sink that counts bytes and drops
// them. Prints the heap before and the highest heap and Buffer memory seen while writing
// (sampled every 50 ms), the process's peak RSS, and how often writing paused for the zip's
// compressor. Without a heap limit V8 collects lazily and the Buffer figure counts garbage;
// with one, it shows what is really held.

const n = Number(process.argv[2] ?? 65_536);
const results: AuditResult[] = [];
for (let i = 0; i < n; i++) {
  results.push({
    target: { host: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, port: 161, name: `ats-${i}`, site: `DC${i % 40}`, origin: `fleet.csv:${i + 2}` },
    identity: {
      model: 'AP7721',
      serial: `5A${String(i).padStart(10, '0')}`,
      hardwareRev: 'v2',
      aosVersion: 'v3.7.4',
      aosFile: 'apc_hw02_aos_374.bin',
      appVersion: 'v3.7.1',
      appFile: 'apc_hw02_g2ats_371.bin',
      controllerFirmware: '3.0.5',
      sysName: `ats-${i}`,
      sysLocation: `DC${i % 40} row ${i % 17} rack ${i % 41}`,
    },
    finding: {
      verdict: VERDICTS[i % VERDICTS.length]!,
      reason: `Unit ${i}: AP7721 is on the bulletin, both inputs are live and 4.2 A of load is attached.`,
      action: 'Disconnect input B (the secondary) and run from input A only, or remove all loads, before upgrading.',
      advisoryId: 'FA156178',
      facts: { primarySource: 'A', selectedSource: 'A', sourceA: 'ok', sourceB: 'ok', voltageA: 230, voltageB: 229, secondaryLive: 'yes', loadAttached: 'yes', loadAmps: 4.2 },
    },
    requests: 1,
  });
}

const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
const heapBefore = process.memoryUsage().heapUsed;
let heapPeak = heapBefore;
let externalPeak = 0;
const sample = () => {
  const m = process.memoryUsage();
  heapPeak = Math.max(heapPeak, m.heapUsed);
  externalPeak = Math.max(externalPeak, m.external + m.arrayBuffers);
};
const sampler = setInterval(sample, 50);
let bytes = 0;
const sink = new Writable({
  write(chunk: Buffer, _enc, done) {
    bytes += chunk.length;
    done();
  },
});
const finished = new Promise<void>((resolve) => sink.on('finish', resolve));
const started = Date.now();
const stats = await writeXlsx(results, { version: 'bench', generatedAt: new Date(), advisories: [] }, sink);
await finished;
clearInterval(sampler);
sample();
process.stdout.write(
  `${n} units: workbook ${mib(bytes)} in ${((Date.now() - started) / 1000).toFixed(1)} s; ` +
    `heap with the results ${mib(heapBefore)}, highest heap while writing ${mib(heapPeak)}, highest buffers ${mib(externalPeak)}; ` +
    `peak RSS ${mib(process.resourceUsage().maxRSS * 1024)}; ${stats.pauses} pause(s) for the compressor\n`,
);
