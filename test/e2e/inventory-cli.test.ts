// Inventories through the command line: refusals that quote nothing, a report row for every
// inventory row, positionals after -i/--advisory, an .xlsx inventory, --list-targets on a
// large block in a small heap, and the descriptor reserve under a low `ulimit -n`.
// Targets are loopback addresses on a port where nothing listens (127.0.0.1:9 in this test's
// network namespace): they are unreachable at once, which is all these tests need.

import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { closeSync, copyFileSync, existsSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { captureIo } from '../helpers/capture-io.js';

const FAST = ['--timeout', '50', '--retries', '0', '-q'];
const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'dist', 'bin', 'ats-audit.js');
const DIALECTS = join(ROOT, 'test', 'fixtures', 'inventory', 'dialects');

type Row = Record<string, string>;
const csvRows = (text: string): Row[] => parse(text, { columns: true, bom: true }) as Row[];

function tempFile(name: string, text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'ats-audit-inv-')), name);
  writeFileSync(file, text);
  return file;
}

async function run(args: string[], stdin?: string) {
  const cap = captureIo(stdin === undefined ? {} : { stdin });
  const code = await main(args, cap.io);
  return { code, stdout: cap.stdout(), stderr: cap.stderr() };
}

describe('secrets: a CSV read as a plain host list is refused, quoting nothing', () => {
  const secret = 'Hush-Str1ng#9';

  it('a CSV with a title line above its header', async () => {
    const file = tempFile('fleet.csv', `Fleet export 2026\nhost,community,site\n127.0.0.1:9,${secret},DC1\n`);
    const r = await run(['-i', file, ...FAST, '-f', 'csv']);
    expect(r.code).toBe(2);
    // Named .csv, so its first line must be the header: refused there, the line not shown.
    expect(r.stderr).toMatch(/fleet\.csv:1: no host column: this first row is not a header row \(not shown/);
    expect(r.stderr).toMatch(/nothing sent/);
    expect(r.stdout).toBe('');
    expect(r.stderr + r.stdout).not.toContain('Hush');
    expect(r.stderr).not.toContain('DC1');
  });

  it('the same CSV with its title line, not named .csv: the first comma names the line', async () => {
    const file = tempFile('fleet.txt', `Fleet export 2026\nhost,community,site\n127.0.0.1:9,${secret},DC1\n`);
    const r = await run(['-i', file, ...FAST, '-f', 'csv']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/fleet\.txt:2: a comma in a list of hosts \(the line is not shown/);
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toMatch(/Hush|DC1|Fleet export/);
  });

  it('refuses before any packet: a target given beside the refused file gets no datagram', async () => {
    const socket = createSocket('udp4');
    let datagrams = 0;
    socket.on('message', () => datagrams++);
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    try {
      const port = socket.address().port;
      const file = tempFile('fleet.txt', `127.0.0.1:${port}\n127.0.0.1:${port},${secret}\n`);
      const r = await run(['-i', file, `127.0.0.1:${port}`, ...FAST, '-f', 'json']);
      expect(r.code).toBe(2);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(datagrams).toBe(0);
      // The same target without the refused file is polled: the listener would have heard it.
      await run([`127.0.0.1:${port}`, ...FAST, '-f', 'json']);
      expect(datagrams).toBeGreaterThan(0);
    } finally {
      socket.close();
    }
  });

  it('a CSV not named .csv whose first line is one host', async () => {
    const file = tempFile('fleet.txt', `127.0.0.1:9\n127.0.0.2:9,${secret}\n`);
    const r = await run(['-i', file, ...FAST, '-f', 'json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/fleet\.txt:2: a comma in a list of hosts/);
    expect(r.stderr + r.stdout).not.toContain('Hush');
  });

  it('a CSV without a header (its first row is data), not named .csv', async () => {
    const file = tempFile('units.lst', `127.0.0.1:9,${secret},Rack 1\n`);
    const r = await run(['-i', file, ...FAST, '-f', 'json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/units\.lst:1: no host column: this first row is not a header row/);
    expect(r.stderr + r.stdout).not.toContain('Hush');
    expect(r.stderr).not.toContain('Rack 1');
  });

  it('the same on stdin, semicolons and tabs too', async () => {
    for (const sep of [',', ';', '\t']) {
      const r = await run(['-', ...FAST, '-f', 'json'], `127.0.0.1:9\n127.0.0.2:9${sep}${secret}\n`);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/<stdin>:2: a (comma|semicolon|tab) in a list of hosts/);
      expect(r.stderr + r.stdout).not.toContain('Hush');
    }
  });

  it('UTF-16 on stdin (read as UTF-8) is refused, not read as garbage', async () => {
    const utf16 = readFileSync(join(DIALECTS, 'fleet-unicode.txt')).toString('utf8');
    const r = await run(['-', ...FAST, '-f', 'json'], utf16);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/<stdin>:1: NUL characters: UTF-16 or binary data read as UTF-8 text/);
    expect(r.stderr.replace(/\0/g, '')).not.toMatch(/Hush/);
  });

  it('a list line with a second word: a row, its host only, the rest never shown', async () => {
    const r = await run(['-', ...FAST, '-f', 'csv'], `127.0.0.1:9 ${secret}\n`);
    expect(r.stderr).toMatch(/<stdin>:1:13: more than one word on the line/);
    const rows = csvRows(r.stdout);
    expect(rows.map((x) => [x.host, x.verdict])).toEqual([['127.0.0.1:9', 'unreachable']]);
    expect(rows[0]?.reason).toMatch(/^invalid target: <stdin>:1:13: more than one word/);
    expect(r.stderr + r.stdout).not.toContain('Hush');
  });
});

describe('every inventory row gets a report row', () => {
  it('rows that fail to parse (quote never closed, too many cells, bad host, bad port) are unreachable, "invalid target: ..."', async () => {
    const file = tempFile(
      'fleet.csv',
      [
        'host,port,community,name,site',
        '127.0.0.1,9,Hush-A,good,DC1',
        '127.0.0.2,9,Hush-B,"Rack 2, row B,DC1', // quote never closed: the rest of the line, and the next, are not trusted
        '127.0.0.3,9,Hush-C,rack 3,row C,DC1', // six cells for five columns
        '127.0.0.300,9,Hush-D,bad host,DC1',
        '127.0.0.5,70000,Hush-E,bad port,DC1',
        '127.0.0.6,9,Hush-F"x,quote inside,DC1',
        '127.0.0.7,9,Hush-G,good,DC1',
      ].join('\n') + '\n',
    );
    for (const format of ['csv', 'json'] as const) {
      const r = await run(['-i', file, ...FAST, '-f', format]);
      expect(r.code).toBe(2);
      expect(r.stderr + r.stdout).not.toContain('Hush');
      if (format === 'json') continue;
      const rows = csvRows(r.stdout);
      const origin = (line: number) => `${file}:${line}`;
      const byHost = new Map(rows.map((x) => [x.host, x]));
      // Seven data rows, seven report rows.
      expect(rows).toHaveLength(7);
      expect(byHost.get('127.0.0.1')?.verdict).toBe('unreachable'); // nothing listens: unreachable, but audited
      expect(byHost.get('127.0.0.1')?.reason).not.toMatch(/invalid target/);
      expect(byHost.get('127.0.0.7')?.reason).not.toMatch(/invalid target/);
      expect(byHost.get(origin(3))?.reason).toMatch(/^invalid target: .*fleet\.csv:3: quote never closed/);
      expect(byHost.get(origin(4))?.reason).toMatch(/^invalid target: .*fleet\.csv:4: row has 6 cells but the header has 5/);
      expect(byHost.get('127.0.0.300')).toMatchObject({ verdict: 'unreachable', name: 'bad host', site: 'DC1' });
      expect(byHost.get('127.0.0.300')?.reason).toMatch(/^invalid target: .*fleet\.csv:5:1: "127\.0\.0\.300": not an IPv4 address/);
      expect(byHost.get('127.0.0.5')?.reason).toMatch(/^invalid target: .*fleet\.csv:6:2: bad port "70000"/);
      expect(byHost.get(origin(7))?.reason).toMatch(/^invalid target: .*fleet\.csv:7: quote inside an unquoted value/);
      for (const row of rows) expect(row.verdict).toBe('unreachable');
    }
  });
});

describe('positionals after options are targets', () => {
  it('-i FILE TARGET: the target is audited, not read as a second inventory', async () => {
    const file = tempFile('hosts.txt', '127.0.0.1:9\n');
    const r = await run(['-i', file, '127.0.0.2:9', ...FAST, '-f', 'csv']);
    expect(r.stderr).not.toMatch(/cannot read/);
    expect(csvRows(r.stdout).map((x) => x.host).sort()).toEqual(['127.0.0.1', '127.0.0.2']);
  });

  it('-i repeated still reads every file', async () => {
    const a = tempFile('a.txt', '127.0.0.1:9\n');
    const b = tempFile('b.txt', '127.0.0.2:9\n');
    const r = await run(['-i', a, '-i', b, '127.0.0.3:9', ...FAST, '-f', 'csv']);
    expect(csvRows(r.stdout).map((x) => x.host).sort()).toEqual(['127.0.0.1', '127.0.0.2', '127.0.0.3']);
  });

  it('--advisory FILE TARGET: the target is audited, not read as a bulletin', async () => {
    const bulletin = JSON.parse(readFileSync(join(ROOT, 'advisories', 'FA156178.json'), 'utf8')) as Record<string, unknown>;
    const file = tempFile('next.json', JSON.stringify({ ...bulletin, id: 'TEST-NEXT' }));
    const r = await run(['--advisory', file, '127.0.0.2:9', ...FAST, '-f', 'csv']);
    expect(r.stderr).not.toMatch(/127\.0\.0\.2:9.*(cannot|not found|ENOENT)/);
    expect(csvRows(r.stdout).map((x) => x.host)).toEqual(['127.0.0.2']);
  });
});

describe('check: a host after --advisory FILE is a host', () => {
  it('check --advisory FILE HOST judges HOST', async () => {
    const bulletin = JSON.parse(readFileSync(join(ROOT, 'advisories', 'FA156178.json'), 'utf8')) as Record<string, unknown>;
    const file = tempFile('next.json', JSON.stringify({ ...bulletin, id: 'TEST-NEXT' }));
    const r = await run(['check', '--advisory', file, '127.0.0.2:9', '--timeout', '50', '--retries', '0']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/127\.0\.0\.2:9 +\[unreachable\]/);
    expect(r.code).toBe(4);
  });
});

describe('an .xlsx inventory through the CLI', () => {
  it('reads the LibreOffice-saved workbook, --sheet picks the sheet, communities never shown', async () => {
    const book = join(DIALECTS, 'fleet-sheets.xlsx');
    const r = await run(['-i', book, '--sheet', 'Fleet', '--list-targets']);
    expect(r.stdout).toMatch(/^10\.30\.0\.1:1161 {2}\(Room 4\) {2}from .*fleet-sheets\.xlsx:2$/m);
    expect(r.stdout).toMatch(/^ats-7\.dc3\.example:161 {2}\(Room 5\)/m);
    expect(r.stderr).toMatch(/fleet-sheets\.xlsx:4:1: "10\.30\.0\.300"/);
    expect(r.stderr + r.stdout).not.toContain('Hush');
    const first = await run(['-i', book, '--list-targets']);
    expect(first.code).toBe(2);
    expect(first.stderr).toMatch(/no host column in the header row: found "Exported from the CMDB"/);
  });

  it('--sheet on a text inventory is refused', async () => {
    const file = tempFile('hosts.txt', '127.0.0.1:9\n');
    const r = await run(['-i', file, '--sheet', 'Fleet', '--list-targets']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--sheet "Fleet" given, but this is not an \.xlsx workbook/);
  });

  it('a workbook that is not named .xlsx is read as one too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ats-audit-inv-'));
    const file = join(dir, 'fleet.export');
    copyFileSync(join(DIALECTS, 'fleet.xlsx'), file);
    const r = await run(['-i', file, '--list-targets']);
    expect(r.code).toBe(0);
    // One line per target, each followed by its credentials line.
    expect(r.stdout.split('\n').filter((l) => /^\S/.test(l))).toHaveLength(3);
  });
});

const built = existsSync(BIN);
describe.skipIf(!built)('the built command in a child process', () => {
  it('--list-targets on a /12 with --allow-large runs in a 40 MB heap (a set of its hosts would not fit)', () => {
    // stdout to a file: a pipe the test reads would buffer in this process, not the child.
    const out = join(mkdtempSync(join(tmpdir(), 'ats-audit-inv-')), 'targets.txt');
    const fd = openSync(out, 'w');
    const r = spawnSync(process.execPath, ['--max-old-space-size=40', BIN, '10.0.0.0/12', '--allow-large', '--list-targets'], {
      encoding: 'utf8',
      stdio: ['ignore', fd, 'pipe'],
    });
    closeSync(fd);
    expect(r.stderr).toContain('1048574 target(s); nothing sent');
    expect(r.status).toBe(0);
    const text = readFileSync(out, 'utf8');
    const credentials = '    credentials: community "public" (none given; SNMPv2c)\n';
    expect(text.startsWith(`10.0.0.1:161  from argument 1\n${credentials}10.0.0.2:`)).toBe(true);
    expect(text.endsWith(`10.15.255.254:161  from argument 1\n${credentials}`)).toBe(true);
  });

  it('under ulimit -n 64, -j 32 and the default both poll 24 or more units at once (it was 1)', () => {
    const sh = (jobs: string) =>
      spawnSync('sh', ['-c', `ulimit -n 64 && exec "$0" "$@"`, process.execPath, BIN, '127.0.0.1:9', '--verbose', ...jobs.split(' ').filter(Boolean), '--timeout', '50', '--retries', '0', '-f', 'json'], {
        encoding: 'utf8',
      });
    // Node itself holds ~20 descriptors; a quarter of the rest is kept spare. Here 32 fit; the
    // bounds leave room for a Node that opens a few more.
    for (const jobs of ['-j 32', '']) {
      const r = sh(jobs);
      const n = Number(/scanning 1 target\(s\): concurrency (\d+),/.exec(r.stderr)?.[1]);
      expect(n, r.stderr).toBeGreaterThanOrEqual(24);
      expect(n).toBeLessThanOrEqual(jobs === '' ? 40 : 32); // never more than was asked, nor than 64 allows
    }
  });
});
if (!built) console.warn(`skipped child-process tests: ${BIN} not built (npm run build)`);
