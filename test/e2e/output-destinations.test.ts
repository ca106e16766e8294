import { execFileSync, spawn } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import {
  chmodSync,
  chownSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { captureIo } from '../helpers/capture-io.js';

// Every kind of --output destination, checked before the first packet and never destroyed;
// the file system is looked at afterwards. Targets are loopback UDP sockets of this test: a
// counting "agent" that never answers (so a refusal is seen to send nothing), and closed ports,
// which answer at once with ICMP port unreachable.

const bin = join(process.cwd(), 'dist', 'bin', 'ats-audit.js');
const FAST = ['--retries', '0', '-q'];

let agent: Socket;
let agentPort = 0;
let datagrams = 0;
let dir: string;
let inventory: string;

beforeAll(async () => {
  agent = createSocket('udp4');
  agent.on('message', () => datagrams++);
  await new Promise<void>((r) => agent.bind(0, '127.0.0.1', r));
  agentPort = agent.address().port;
});
afterAll(() => agent?.close());
beforeEach(() => {
  datagrams = 0;
  dir = mkdtempSync(join(tmpdir(), 'ats-audit-out-'));
  inventory = join(dir, 'fleet.txt');
  writeFileSync(inventory, `127.0.0.1:${agentPort}\n`);
});

async function run(args: string[], env: NodeJS.ProcessEnv = {}, timeout = 200) {
  const cap = captureIo({ env });
  const code = await main(['-i', inventory, ...FAST, '--timeout', String(timeout), ...args], cap.io);
  return { code, stdout: cap.stdout(), stderr: cap.stderr() };
}

/** A refusal: exit 2, the user's path named (not a temporary file), nothing sent. */
async function expectRefused(output: string, why: RegExp, extra: string[] = []) {
  const r = await run(['-o', output, ...extra]);
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toContain(`--output ${output}: `);
  expect(r.stderr).toMatch(why);
  expect(r.stderr).not.toMatch(/\.tmp\b/);
  expect(r.stdout).toBe('');
  expect(datagrams).toBe(0);
  return r;
}

describe('--output destinations that are refused before anything is sent (exit 2)', () => {
  it('a missing directory: nothing created', async () => {
    await expectRefused(join(dir, 'no', 'such', 'report.csv'), /directory .*no\/such does not exist/);
    expect(existsSync(join(dir, 'no'))).toBe(false);
  });

  it('a directory: left as it was', async () => {
    mkdirSync(join(dir, 'reports'));
    writeFileSync(join(dir, 'reports', 'keep.txt'), 'keep');
    await expectRefused(join(dir, 'reports'), /is a directory/);
    expect(statSync(join(dir, 'reports')).isDirectory()).toBe(true);
    expect(readdirSync(join(dir, 'reports'))).toEqual(['keep.txt']);
  });

  it('a path whose parent is a file', async () => {
    await expectRefused(join(inventory, 'report.csv'), /is not a directory/);
    expect(readFileSync(inventory, 'utf8')).toBe(`127.0.0.1:${agentPort}\n`);
  });

  it('a FIFO: still a FIFO, nothing written into it', async () => {
    const fifo = join(dir, 'pipe');
    try {
      execFileSync('mkfifo', [fifo]);
    } catch {
      console.warn('(skipped FIFO case: mkfifo not available)');
      return;
    }
    await expectRefused(fifo, /is a FIFO/);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  });

  it('a socket: still a socket', async () => {
    const path = join(dir, 'sock');
    const server: Server = createServer();
    await new Promise<void>((r) => server.listen(path, r));
    try {
      await expectRefused(path, /is a socket/);
      expect(lstatSync(path).isSocket()).toBe(true);
    } finally {
      server.close();
    }
  });

  it('/dev/null and /dev/full: devices are never replaced', async () => {
    for (const dev of ['/dev/null', '/dev/full']) {
      await expectRefused(dev, /is a device, not a regular file/);
      expect(lstatSync(dev).isCharacterDevice()).toBe(true);
    }
  });

  it('/dev/stderr (a pipe or a terminal here) is not a file either', async () => {
    await expectRefused('/dev/stderr', /is a (FIFO|device|socket)/);
  });

  const root = process.getuid?.() === 0;
  it('a device node made for the test (mknod; needs root and the right to create devices)', async (ctx) => {
    const node = join(dir, 'null-copy');
    try {
      execFileSync('mknod', [node, 'c', '1', '3'], { stdio: 'ignore' });
    } catch {
      ctx.skip(`mknod not permitted here (${root ? 'root without CAP_MKNOD' : 'not root'})`);
    }
    await expectRefused(node, /is a device/);
    expect(lstatSync(node).isCharacterDevice()).toBe(true);
  });

  it('a link to a device is refused too, and stays a link', async () => {
    const link = join(dir, 'report.csv');
    symlinkSync('/dev/null', link);
    await expectRefused(link, /is a device \(a link to \/dev\/null\)/);
    expect(readlinkSync(link)).toBe('/dev/null');
    expect(lstatSync('/dev/null').isCharacterDevice()).toBe(true);
  });

  it('the inventory itself, by its name, through a link or a hard link: the inventory is untouched', async () => {
    const before = readFileSync(inventory, 'utf8');
    await expectRefused(inventory, /is also an input \(--inventory .*fleet\.txt\): writing the report there would destroy it/);
    symlinkSync(inventory, join(dir, 'alias.csv'));
    await expectRefused(join(dir, 'alias.csv'), /is also an input \(--inventory/);
    linkSync(inventory, join(dir, 'hard.csv'));
    await expectRefused(join(dir, 'hard.csv'), /is also an input \(--inventory/);
    expect(readFileSync(inventory, 'utf8')).toBe(before);
  });

  it('any other input: --baseline, --advisory, --config, --community-file, $ATS_AUDIT_CONFIG', async () => {
    const baseline = join(dir, 'yesterday.csv');
    writeFileSync(baseline, 'host,port,verdict\n127.0.0.1,161,unknown\n');
    await expectRefused(baseline, /is also an input \(--baseline /, ['--baseline', baseline]);
    const advisory = join(process.cwd(), 'advisories', 'FA156178.json');
    const copy = join(dir, 'next.json');
    writeFileSync(copy, readFileSync(advisory, 'utf8').replace(/"id":\s*"[^"]+"/, '"id": "NEXT-1"'));
    await expectRefused(copy, /is also an input \(--advisory /, ['--advisory', copy]);
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ profiles: { a: { version: '2c', communityEnv: 'X' } } }));
    chmodSync(config, 0o600);
    await expectRefused(config, /is also an input \(--config /, ['--config', config]);
    const community = join(dir, 'community');
    writeFileSync(community, 'private\n');
    await expectRefused(community, /is also an input \(--community-file /, ['--community-file', community]);
    const r = await run(['-o', config], { ATS_AUDIT_CONFIG: config });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is also an input \(\$ATS_AUDIT_CONFIG /);
    expect(datagrams).toBe(0);
  });

  it.skipIf(process.getuid?.() === 0)('a directory that is not writable (not testable as root)', async () => {
    const ro = join(dir, 'ro');
    mkdirSync(ro);
    chmodSync(ro, 0o555);
    await expectRefused(join(ro, 'r.csv'), /is not writable/);
    expect(readdirSync(ro)).toEqual([]);
  });
});

describe('--output destinations that are written', () => {
  const closed = '127.0.0.1:9';

  it('a link is written through, atomically in its target\'s directory: the link stays, the target keeps its mode', async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'ats-audit-target-'));
    const target = join(elsewhere, 'real.csv');
    writeFileSync(target, 'OLD');
    chmodSync(target, 0o640);
    const link = join(dir, 'report.csv');
    symlinkSync(target, link);
    const r = await run([closed, '-o', link]);
    expect(r.code).toBe(4);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe(target);
    expect(readFileSync(target, 'utf8')).toMatch(/^"host","port",/);
    expect(statSync(target).mode & 0o777).toBe(0o640);
    // No temporary file left in either directory.
    expect(readdirSync(elsewhere)).toEqual(['real.csv']);
    expect(readdirSync(dir).sort()).toEqual(['fleet.txt', 'report.csv']);
  });

  it('a dangling link (relative) creates its target', async () => {
    mkdirSync(join(dir, 'out'));
    const link = join(dir, 'latest.json');
    symlinkSync('out/report.json', link);
    expect((await run([closed, '-o', link])).code).toBe(4);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'out', 'report.json'), 'utf8')).tool).toBe('ats-audit');
  });

  it('a replaced file keeps its mode', async () => {
    for (const mode of [0o600, 0o644, 0o660]) {
      const file = join(dir, `r${mode.toString(8)}.csv`);
      writeFileSync(file, 'OLD');
      chmodSync(file, mode);
      expect((await run([closed, '-o', file])).code).toBe(4);
      expect(readFileSync(file, 'utf8')).toMatch(/^"host","port",/);
      expect(statSync(file).mode & 0o777).toBe(mode);
    }
  });

  it.skipIf(process.getuid?.() !== 0)('as root, a replaced file keeps its owner and group too', async () => {
    const file = join(dir, 'owned.csv');
    writeFileSync(file, 'OLD');
    chownSync(file, 4321, 4322);
    chmodSync(file, 0o640);
    expect((await run([closed, '-o', file])).code).toBe(4);
    expect(readFileSync(file, 'utf8')).toMatch(/^"host","port",/);
    expect(statSync(file)).toMatchObject({ uid: 4321, gid: 4322 });
    expect(statSync(file).mode & 0o777).toBe(0o640);
  });

  it('when neither the destination nor the temporary directory can be written, the report goes to stdout (exit 1)', async () => {
    const sub = join(dir, 'gone');
    mkdirSync(sub);
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = join(dir, 'no-such-tmp');
    try {
      const running = run(['-o', join(sub, 'r.csv')], {}, 1500);
      for (let i = 0; i < 100 && datagrams === 0; i++) await new Promise((r) => setTimeout(r, 20));
      rmSync(sub, { recursive: true });
      const r = await running;
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/cannot write .*gone\/r\.csv \(ENOENT\), nor a copy in the temporary directory \(ENOENT\): the report follows on standard output/);
      expect(r.stdout).toMatch(new RegExp(`^"host","port",.*\\n"127\\.0\\.0\\.1",${agentPort},`, 's'));
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
  });

  it('-o - and -o /dev/stdout mean standard output (no file named "-")', async () => {
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      for (const o of ['-', '/dev/stdout']) {
        const r = await run([closed, '-o', o, '-f', 'csv']);
        expect(r.code).toBe(4);
        expect(r.stdout).toMatch(/^"host","port",.*\n"127\.0\.0\.1",9,/s);
      }
      expect(existsSync(join(dir, '-'))).toBe(false);
    } finally {
      process.chdir(cwd);
    }
  });

  it('a write that fails at the end (the directory went away mid-run): the report is saved in the temp dir, path said, exit 1', async () => {
    const sub = join(dir, 'gone');
    mkdirSync(sub);
    const out = join(sub, 'report.csv');
    // The agent never answers: the scan waits for its timeout, and the directory goes meanwhile.
    const running = run(['-o', out], {}, 1500);
    // Once the first request is on the wire (the destination was checked before it).
    for (let i = 0; i < 100 && datagrams === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(datagrams).toBeGreaterThan(0);
    rmSync(sub, { recursive: true });
    const r = await running;
    expect(r.code).toBe(1);
    const saved = /the report was saved to (\S+) instead/.exec(r.stderr)?.[1];
    expect(r.stderr).toContain(`cannot write ${out} (ENOENT)`);
    expect(saved, r.stderr).toBeDefined();
    expect(saved!.startsWith(tmpdir())).toBe(true);
    expect(readFileSync(saved!, 'utf8')).toMatch(new RegExp(`^"host","port",.*\\n"127\\.0\\.0\\.1",${agentPort},`, 's'));
    expect(statSync(saved!).mode & 0o777).toBe(0o600);
    rmSync(dirname(saved!), { recursive: true });
  });
});

describe('docs never write a report over their own inventory', () => {
  it('no example in README.md or docs/ has --output equal to --inventory', () => {
    const files = ['README.md', ...readdirSync('docs').filter((f) => f.endsWith('.md')).map((f) => join('docs', f))];
    let examples = 0;
    for (const f of files) {
      for (const line of readFileSync(f, 'utf8').split('\n')) {
        const output = /(?:--output|-o)[ =](\S+)/.exec(line)?.[1];
        const inputs = [...line.matchAll(/(?:--inventory|-i|--baseline|--advisory|--config|--community-file)[ =](\S+)/g)].map((m) => m[1]);
        if (!output || inputs.length === 0) continue;
        examples++;
        expect(inputs, `${f}: ${line}`).not.toContain(output);
      }
    }
    expect(examples).toBeGreaterThan(3);
  });
});

describe.skipIf(!existsSync(bin))('standard output that fails (the built program)', () => {
  /** Runs the program with stdout going to `stdout`, in bash so `| head` is a real pipe. */
  function shell(script: string, targets: string) {
    return new Promise<{ code: number | null; stderr: string; stdout: string }>((resolve) => {
      const child = spawn('bash', ['-c', script], { env: { ...process.env, B: bin, T: targets }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      let stdout = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.on('exit', (code) => resolve({ code, stderr, stdout }));
    });
  }
  let many: string;
  beforeAll(() => {
    // 1,000 closed ports: a report far larger than a pipe's buffer (64 KiB) in every format.
    many = join(mkdtempSync(join(tmpdir(), 'ats-audit-many-')), 'many.txt');
    writeFileSync(many, Array.from({ length: 1000 }, (_, i) => `127.0.${Math.floor(i / 250) + 1}.${(i % 250) + 1}:9`).join('\n'));
  });

  it('a reader that goes away (| head) ends the run quietly with exit 141, for streamed and whole reports', async () => {
    for (const format of ['ndjson', 'json', 'csv']) {
      const r = await shell(`node "$B" -i "$T" -f ${format} --timeout 200 --retries 0 | head -c 1 >/dev/null; echo "exit=\${PIPESTATUS[0]}"`, many);
      expect(r.stdout.trim(), `${format}: ${r.stderr}`).toBe('exit=141');
      expect(r.stderr, format).toBe('');
    }
  });

  it('> /dev/full: said on stderr, exit 1, never a verdict exit code', async () => {
    for (const format of ['json', 'ndjson']) {
      const r = await shell(`node "$B" -i "$T" -f ${format} --timeout 200 --retries 0 >/dev/full; echo "exit=$?"`, many);
      expect(r.stdout.trim(), r.stderr).toBe('exit=1');
      expect(r.stderr).toMatch(/^ats-audit: cannot write to standard output \(ENOSPC\): the report was not delivered\n$/);
    }
  });

  it('the README lists exit code 141', () => {
    expect(readFileSync('README.md', 'utf8')).toMatch(/\| 141 \| .*standard output/);
  });

  it('the program refuses a bad destination before sending anything (exit 2)', async () => {
    const r = await shell(`node "$B" 127.0.0.1:${agentPort} -o /dev/null --timeout 200 --retries 0; echo "exit=$?"`, many);
    expect(r.stdout.trim()).toBe('exit=2');
    expect(r.stderr).toMatch(/--output \/dev\/null: is a device/);
    expect(datagrams).toBe(0);
  });
});
