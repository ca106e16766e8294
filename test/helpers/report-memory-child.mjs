// Writes one report of 65,536 units to a file through the CLI's write path, in a process of
// its own: `node report-memory-child.mjs ROOT FORMAT FILE`, ROOT being a built checkout (its
// dist/src). Most units are unreachable, as in a scan of an empty address block; every 64th
// answered, with identity and facts. Prints one JSON line: the units, the report's size, the
// heap in use before writing (after a collection when --expose-gc is given) and the most
// heap in use seen between chunks. Used by test/report/memory.test.ts, and to measure peak
// RSS under /usr/bin/time (a checkout whose formats have no `chunks` renders one string, as
// the CLI did before reports were written in chunks).
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [root, formatName, file] = process.argv.slice(2);
const load = (path) => import(pathToFileURL(join(root, 'dist', 'src', path)).href);
const { reportFormat } = await load('report/formats.js');
const { inReportOrder } = await load('report/order.js');
const { checkOutputFile } = await load('cli/output/destination.js');
const { writeReportFile } = await load('cli/output/write-report.js');

const UNITS = 65_536;
const action = 'Check the unit is powered and networked, SNMP is enabled on its card, and the community/version match.';
function result(i) {
  const target = { host: `127.1.${i >> 8}.${i & 255}`, port: 161, origin: 'argument' };
  if (i % 64 !== 0) {
    return { target, finding: { verdict: 'unreachable', reason: 'no answer after 10 ms × 1 try (host down, no SNMP agent, or wrong community)', action }, requests: 1 };
  }
  return {
    target: { ...target, name: `ats-${i}`, site: `dc${i % 5}` },
    identity: { model: 'AP7721', serial: `5A${i}E01234`, aosVersion: 'v3.7.4', appVersion: 'v3.7.1', hardwareRev: 'B2', sysName: `ats-${i}`, sysLocation: 'row 12' },
    finding: {
      verdict: 'at-risk',
      reason: 'AP7721 is on the bulletin, both inputs are live and 4.2 A of load is attached.',
      action: 'Before upgrading, disconnect input B (the secondary) and run from input A only, or remove all loads.',
      advisoryId: 'FA156178',
      facts: { primarySource: 'A', sourceA: 'ok', sourceB: 'ok', secondaryLive: 'yes', loadAttached: 'yes', loadAmps: 4.2 },
    },
    requests: 3,
  };
}
const results = inReportOrder(Array.from({ length: UNITS }, (_, i) => result(i)));
const ctx = { advisories: [], version: '0.1.0', generatedAt: new Date('2025-01-02T03:04:05Z'), color: false, excel: false };
const format = reportFormat(formatName);

globalThis.gc?.();
const before = process.memoryUsage().heapUsed;
let peak = before;
const sample = () => {
  peak = Math.max(peak, process.memoryUsage().heapUsed);
};
let data;
if (format.chunks) {
  const { endingInNewline } = await load('cli/output/report-stream.js');
  const chunks = endingInNewline(format.chunks(results, ctx));
  data = {
    *[Symbol.iterator]() {
      for (const c of chunks) {
        sample();
        yield c;
      }
    },
  };
} else if (format.render) {
  data = format.render(results, ctx);
  data = data === '' || data.endsWith('\n') ? data : `${data}\n`;
} else {
  data = await format.bytes(results, ctx);
}
sample();
const outcome = writeReportFile(checkOutputFile(file, []), data);
sample();
if (!outcome.ok) throw new Error(outcome.message);
const { statSync } = await import('node:fs');
console.log(JSON.stringify({ units: UNITS, reportBytes: statSync(file).size, heapBefore: before, heapPeak: peak }));
