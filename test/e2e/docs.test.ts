import { execFile } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COLUMN_NAMES } from '../../src/report/columns.js';
import { demoFleet } from '../../tools/simulator/fleet.js';
import { startFleet, type RunningFleet } from '../../tools/simulator/server.js';
import { BIN, BIN_NOTE, HAVE_BIN } from '../helpers/built-bin.js';

// The documentation runs. Every shell example in README.md and docs/*.md is run as written
// (with the few substitutions below), so the docs cannot drift from the tool.
//
// EXTRACTION RULE — for anyone writing docs:
//   1. A fenced block whose info string is `sh`, `bash` or `shell` is run; any other fence
//      (```cron, ```csv, ```ini, ```json, a bare ```) is not. Show output in a bare fence.
//   2. The block runs as one `sh` script (so `export` carries to the next line), in a scratch
//      directory of its own; each command line's exit status is recorded. A line ending in `\`
//      continues on the next. `#` starts a comment, as in sh.
//   3. A block is skipped, with the reason shown in the test name, when the nearest non-blank
//      line above its fence is  <!-- docs-test: skip (REASON) -->
//   4. A command must exit with one of the documented codes that mean "it ran": 0, 3, 4, 5 or
//      6 — never 1 (internal error) nor 2 (bad invocation) — and print no "internal error",
//      "Unknown argument" nor "Not enough arguments". A line that is not an ats-audit command
//      (export, cp, jq...) must exit 0.
//   5. A command that sends a CSV report to a file (`--format csv > FILE`, `-f csv > FILE`)
//      must leave FILE a clean CSV: the report's header row first, nothing else around it.
//   6. `npm run demo` (with or without --silent) runs the built demo (dist/tools/demo.js);
//      `npx ats-audit` runs the built tool; every other `npm ...` line builds, links or tests
//      the project, which `npm test` has just done, and is not run (the test name says so).
//
// The scratch directory holds: the files of examples/ (fleet.csv, hosts.txt...), every ```csv
// block of the same page whose first line is `# NAME` (written as NAME, so a page's own
// example inventory is the one its commands read), and a HOME whose
// ~/.config/ats-audit/config.json is examples/ats-audit.config.json with its secret files
// (mode 0600) and variables set to dummy values. Substitutions, in the commands and in those
// files, so that nothing leaves loopback:
//   10.20.x.y, 10.30.x.y... -> 127.20.x.y, 127.30.x.y...   (documentation networks)
//   NAME.example             -> localhost
//   2001:db8::N              -> ::1
//   /etc/ats-audit, /var/lib, /run -> the same paths under the scratch directory
// `ats-audit` is the built bundle (dist/bin/ats-audit.js), first on PATH. The demo fleet of the
// simulator (its units that answer) is on 127.20.0.1-18, port 161 (16161 where port 161 cannot be bound), so
// 10.20.0.0/22 or fleet.csv's 10.20.0.11 reach real (simulated) units; the rest of a
// documentation network does not answer (port unreachable, at once).
// Each block is bounded: 60 s, then it fails; blocks run concurrently (vitest's default of 5). A block that needs jq skips when jq is not
// installed (and fails under CI, which installs it).
//
// SAMPLES: a bare fenced block preceded by  <!-- docs-test: sample of FILE -->  must be an
// excerpt of FILE: its lines appear there in the same order, a line `…` standing for lines
// left out. examples/reports/report.txt itself is compared with a fresh `npm run
// sample-reports` against the simulator, so such a sample is real output.

const PAGES = ['README.md', ...readdirSync(join(process.cwd(), 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const RUN_FENCES = new Set(['sh', 'bash', 'shell']);
const SKIP = /^<!--\s*docs-test:\s*skip\s*\((.+)\)\s*-->$/;
const SAMPLE = /^<!--\s*docs-test:\s*sample of (\S+)\s*-->$/;
const HAVE_JQ = ['/usr/bin/jq', '/usr/local/bin/jq', '/bin/jq'].some((p) => existsSync(p));
const OK_AUDIT_EXITS = new Set([0, 3, 4, 5, 6]);
const BLOCK_TIMEOUT_MS = 60_000;

interface Block {
  readonly page: string;
  readonly line: number;
  readonly fence: string;
  readonly body: string[];
  readonly skip?: string;
  /** A file this block is a sample of. */
  readonly sampleOf?: string;
}

/** The fenced blocks of a page, with the skip annotation above each. */
export function fencedBlocks(page: string, text: string): Block[] {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    let end = i + 1;
    while (end < lines.length && !/^```\s*$/.test(lines[end]!)) end++;
    let above = i - 1;
    while (above >= 0 && lines[above]!.trim() === '') above--;
    const skip = above >= 0 ? SKIP.exec(lines[above]!.trim())?.[1] : undefined;
    const sampleOf = above >= 0 ? SAMPLE.exec(lines[above]!.trim())?.[1] : undefined;
    blocks.push({ page, line: i + 1, fence: open[1] ?? '', body: lines.slice(i + 1, end), ...(skip && { skip }), ...(sampleOf && { sampleOf }) });
    i = end;
  }
  return blocks;
}

/** Command lines of a block: continuations joined, blank and comment-only lines dropped. */
export function commandLines(body: readonly string[]): string[] {
  const out: string[] = [];
  let pending = '';
  for (const raw of body) {
    const line = pending + raw;
    if (/\\$/.test(line)) {
      pending = `${line.slice(0, -1)} `;
      continue;
    }
    pending = '';
    if (line.trim() !== '' && !line.trim().startsWith('#')) out.push(line);
  }
  return out;
}

function localise(text: string, scratch: string): string {
  return text
    .replace(/(^|[\s;&|(])npx ats-audit\b/g, '$1ats-audit')
    .replace(/\b10\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\b/g, '127.$1.$2.$3')
    .replace(/\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.example\b/g, 'localhost')
    .replace(/\b2001:db8::[0-9a-f]*/g, '::1')
    .replace(/(^|[\s=:"'])\/(etc\/ats-audit|var\/lib|run)\b/g, `$1${scratch}/$2`);
}

/** `npm run demo` runs the built demo; other npm lines are not run (undefined). */
function npmLine(line: string): string | undefined | null {
  const m = /^\s*npm\s+(.*)$/.exec(line);
  if (!m) return null;
  const demo = /^run\s+(?:--silent\s+|-s\s+)?demo\b(?:\s+--)?(.*)$/.exec(m[1]!.replace(/\s+#.*$/, ''));
  return demo ? `node ${join(process.cwd(), 'dist', 'tools', 'demo.js')}${demo[1]}` : undefined;
}

/** A scratch directory laid out as the rule above says. */
function scratchFor(page: string, pageText: string): { dir: string; env: NodeJS.ProcessEnv } {
  const dir = mkdtempSync(join(tmpdir(), 'ats-docs-'));
  const examples = join(process.cwd(), 'examples');
  for (const f of ['fleet.csv', 'hosts.txt']) writeFileSync(join(dir, f), localise(readFileSync(join(examples, f), 'utf8'), dir));
  for (const b of fencedBlocks(page, pageText).filter((x) => x.fence === 'csv')) {
    const name = /^#\s*(\S+\.csv)\s*$/.exec(b.body[0] ?? '')?.[1];
    if (name) writeFileSync(join(dir, name), localise(`${b.body.join('\n')}\n`, dir));
  }
  const conf = join(dir, 'home', '.config', 'ats-audit');
  mkdirSync(join(conf, 'secrets'), { recursive: true });
  writeFileSync(join(conf, 'config.json'), localise(readFileSync(join(examples, 'ats-audit.config.json'), 'utf8'), dir));
  for (const d of ['etc/ats-audit/secrets', 'var/lib/ats-audit', 'var/lib/node_exporter/textfile', 'var/lib/prometheus/node-exporter', 'run/lock']) {
    mkdirSync(join(dir, d), { recursive: true });
  }
  for (const secret of [join(conf, 'secrets', 'dc2.community'), join(conf, 'secrets', 'v3.priv'), join(dir, 'etc/ats-audit/secrets/legacy.community'), join(dir, 'etc/ats-audit/community')]) {
    writeFileSync(secret, 'docs-test-secret-1\n');
    chmodSync(secret, 0o600);
  }
  const shim = join(dir, 'bin');
  mkdirSync(shim);
  writeFileSync(join(shim, 'ats-audit'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  chmodSync(join(shim, 'ats-audit'), 0o755);
  const env = {
    PATH: `${shim}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    HOME: join(dir, 'home'),
    DC1_COMMUNITY: 'public',
    ATS_V3_AUTH: 'docs-test-auth-key',
    ATS_LAB_AUTH: 'docs-test-auth-key',
    NO_COLOR: '1',
  };
  return { dir, env };
}

interface LineResult {
  readonly line: string;
  readonly code: number;
}

/** Runs a block as one sh script; the exit status of each command line is reported on fd 3 (a file). */
async function runBlock(lines: readonly string[], dir: string, env: NodeJS.ProcessEnv) {
  const statusFile = join(dir, '.docs-test-status');
  const script = lines.map((l, i) => `${l}\necho "${i} $?" >> "${statusFile}"`).join('\n');
  const { stdout, stderr, code } = await new Promise<{ stdout: string; stderr: string; code: number }>((resolve) => {
    execFile('sh', ['-c', script], { cwd: dir, env, timeout: BLOCK_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 }, (error, out, err) =>
      resolve({ stdout: out, stderr: err, code: error ? ((error as { code?: number }).code ?? 1) : 0 }),
    );
  });
  const statuses = existsSync(statusFile)
    ? readFileSync(statusFile, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(' ').map(Number) as [number, number])
    : [];
  const results: LineResult[] = statuses.map(([i, c]) => ({ line: lines[i]!, code: c }));
  return { stdout, stderr, code, results };
}

let demoQueue: Promise<unknown> = Promise.resolve();
function oneDemoAtATime<T>(work: () => Promise<T>): Promise<T> {
  const next = demoQueue.then(work, work);
  demoQueue = next.catch(() => undefined);
  return next;
}

const blocks = PAGES.flatMap((page) => fencedBlocks(page, readFileSync(join(process.cwd(), page), 'utf8'))).filter((b) => RUN_FENCES.has(b.fence));

describe('the extraction rule', () => {
  it('finds fenced blocks, their skip annotations and their command lines', () => {
    const page = ['<!-- docs-test: skip (waits 15 minutes) -->', '', '```sh', 'ats-audit a \\', '  b   # note', '# only a comment', '', '```', '```csv', '# fleet.csv', '```'].join('\n');
    const found = fencedBlocks('x.md', page);
    expect(found.map((b) => [b.fence, b.skip])).toEqual([
      ['sh', 'waits 15 minutes'],
      ['csv', undefined],
    ]);
    expect(commandLines(found[0]!.body)).toEqual(['ats-audit a    b   # note']);
  });

  it('keeps documentation addresses and paths on this machine', () => {
    const out = localise('ats-audit 10.20.0.0/22 ats-r12.dc1.example [2001:db8::5]:1161 -o /var/lib/x.csv --community-file /etc/ats-audit/c', '/S');
    expect(out).toBe('ats-audit 127.20.0.0/22 localhost [::1]:1161 -o /S/var/lib/x.csv --community-file /S/etc/ats-audit/c');
  });

  it('finds enough runnable examples that the proof is not vacuous', () => {
    const runnable = blocks.filter((b) => !b.skip).flatMap((b) => commandLines(b.body)).filter((l) => npmLine(l) !== undefined);
    expect(runnable.length).toBeGreaterThanOrEqual(20);
  });
});

// Blocks are independent (a scratch directory each; the fleet only answers): run side by side.
describe.skipIf(!HAVE_BIN)(`shell examples in README.md and docs/*.md${BIN_NOTE}`, { concurrent: true }, () => {
  let fleet: RunningFleet;
  beforeAll(async () => {
    // On SNMP's own port, so the documentation's addresses reach it as written; a user who may
    // not bind port 161 gets the fleet on 16161, where the docs' commands find nothing.
    // Without the units that never answer (they would cost every example timeout × tries).
    const answering = (port?: number) => demoFleet({ baseAddress: '127.20.0.1', ...(port && { port }) }).filter((u) => u.expect.verdict !== 'unreachable');
    fleet = await startFleet(answering(161)).catch(() => startFleet(answering()));
  });
  afterAll(async () => fleet?.stop());

  for (const block of blocks) {
    const lines = commandLines(block.body);
    const title = `${block.page}:${block.line}: ${lines.map((l) => l.replace(/\s+#.*$/, '').trim()).join(' ; ')}`;
    if (block.skip) {
      it.skip(`${title} (skipped: ${block.skip})`, () => undefined);
      continue;
    }
    if (lines.some((l) => /(^|[|;&]\s*)jq\s/.test(l)) && !HAVE_JQ) {
      if (process.env.CI) it(`${title}: jq is required under CI`, () => expect(HAVE_JQ, 'jq is not installed (apt-get install jq)').toBe(true));
      else it.skip(`${title} (skipped: jq is not installed: apt-get install jq)`, () => undefined);
      continue;
    }
    const notRun = lines.filter((l) => npmLine(l) === undefined);
    const run = lines.filter((l) => npmLine(l) !== undefined).map((l) => npmLine(l) ?? l);
    if (run.length === 0) {
      it.skip(`${title} (skipped: npm builds or tests the project, which npm test has just done)`, () => undefined);
      continue;
    }
    const note = notRun.length ? ` (not run: ${notRun.map((l) => l.trim().split(/\s+#/)[0]).join(', ')}: npm builds or tests the project)` : '';
    it(`${title}${note}`, { timeout: BLOCK_TIMEOUT_MS + 10_000 }, async () => {
      const text = readFileSync(join(process.cwd(), block.page), 'utf8');
      const { dir, env } = scratchFor(block.page, text);
      const local = run.map((l) => localise(l, dir));
      for (const l of local) for (const m of l.matchAll(new RegExp(`${dir}/\\S+`, 'g'))) mkdirSync(dirname(m[0]), { recursive: true });
      // The demo serves its own fleet on fixed addresses: one demo at a time.
      const usesDemo = local.some((l) => l.includes('dist/tools/demo.js'));
      const r = usesDemo ? await oneDemoAtATime(() => runBlock(local, dir, env)) : await runBlock(local, dir, env);
      expect(r.results.map((x) => x.line), `every line ran\n${r.stderr}`).toEqual(local);
      for (const { line, code } of r.results) {
        const audit = /(^|[|;&(]\s*|=\S+\s+)ats-audit\b|dist\/tools\/demo\.js/.test(line);
        if (audit) expect(OK_AUDIT_EXITS.has(code), `${line}\nexit ${code}\n${r.stderr}`).toBe(true);
        else expect(code, `${line}\n${r.stderr}`).toBe(0);
      }
      expect(r.stderr).not.toMatch(/internal error|Unknown argument|Not enough arguments/);
      for (const line of local) {
        const file = /(?:--format|-f)\s+csv\b.*>\s*(\S+)/.exec(line)?.[1];
        if (!file) continue;
        const text = readFileSync(join(dir, file), 'utf8');
        // Every text cell is quoted (a spreadsheet import then keeps it text), the header's too.
        expect(text.split('\r\n')[0], `${line}: ${file} starts with the header row`).toBe(COLUMN_NAMES.map((n) => `"${n}"`).join(','));
        expect(() => parse(text, { columns: true }), `${line}: ${file} is a CSV`).not.toThrow();
      }
    });
  }
});

/** Whether `sample` is an excerpt of `whole`: its lines in order, `…` for lines left out. */
export function isExcerpt(sample: readonly string[], whole: readonly string[]): { ok: true } | { ok: false; line: string } {
  let at = 0;
  let gap = true;
  for (const line of sample) {
    if (line === '…') {
      gap = true;
      continue;
    }
    const found = gap ? whole.indexOf(line, at) : whole[at] === line ? at : -1;
    if (found < 0) return { ok: false, line };
    at = found + 1;
    gap = false;
  }
  return { ok: true };
}

describe('samples of real output in the docs', () => {
  const samples = PAGES.flatMap((page) => fencedBlocks(page, readFileSync(join(process.cwd(), page), 'utf8'))).filter((b) => b.sampleOf);

  it('the excerpt check itself: order matters, … stands for left-out lines', () => {
    expect(isExcerpt(['a', '…', 'c'], ['a', 'b', 'c'])).toEqual({ ok: true });
    expect(isExcerpt(['a', 'c'], ['a', 'b', 'c'])).toEqual({ ok: false, line: 'c' });
    expect(isExcerpt(['c', '…', 'a'], ['a', 'b', 'c'])).toEqual({ ok: false, line: 'a' });
  });

  it('finds the table sample in docs/formats.md', () => {
    expect(samples.map((b) => `${b.page} ${b.sampleOf}`)).toContain('docs/formats.md examples/reports/report.txt');
  });

  for (const b of samples) {
    it(`${b.page}:${b.line} is an excerpt of ${b.sampleOf}`, () => {
      const whole = readFileSync(join(process.cwd(), b.sampleOf!), 'utf8').split('\n');
      expect(isExcerpt(b.body, whole)).toEqual({ ok: true });
    });
  }

  it.skipIf(!HAVE_BIN)(`examples/reports/report.txt is what npm run sample-reports writes today${BIN_NOTE}`, { timeout: BLOCK_TIMEOUT_MS }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ats-docs-samples-'));
    // The tool writes into ./examples/reports of its working directory.
    await new Promise<void>((resolve, reject) =>
      execFile(process.execPath, [join(process.cwd(), 'dist', 'tools', 'sample-reports.js')], { cwd: dir, timeout: BLOCK_TIMEOUT_MS }, (e) => (e ? reject(e) : resolve())),
    );
    expect(readFileSync(join(dir, 'examples', 'reports', 'report.txt'), 'utf8')).toBe(readFileSync(join(process.cwd(), 'examples', 'reports', 'report.txt'), 'utf8'));
  });
});

describe("README's option list", () => {
  it('names exactly the options `ats-audit --help` has', async () => {
    const { main } = await import('../../src/cli/main.js');
    const { captureIo } = await import('../helpers/capture-io.js');
    const readme = readFileSync(join(process.cwd(), 'README.md'), 'utf8');
    const at = readme.indexOf('### Options');
    const block = fencedBlocks('README.md', readme.slice(at)).find((b) => b.fence === '')!;
    const documented = new Set(block.body.flatMap((l) => [...l.matchAll(/^\s*(?:-\w, )?(--[a-z][a-z-]*)/g)].map((m) => m[1]!)));
    const cap = captureIo();
    await main(['--help'], cap.io);
    const offered = new Set([...cap.stdout().matchAll(/^\s+(?:-\w, )?(--[a-z][a-z-]*)/gm)].map((m) => m[1]!));
    offered.delete('--help');
    offered.delete('--version');
    expect([...documented].sort()).toEqual([...offered].sort());
  });
});
