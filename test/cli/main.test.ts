import { describe, expect, it } from 'vitest';
import { parseDuration as parseCheckDuration } from '../../src/cli/commands/check-options.js';
import { main } from '../../src/cli/main.js';
import { durationMs, formatDurationMs } from '../../src/cli/duration.js';
import { suggestCommand } from '../../src/cli/suggest-command.js';
import type { PollDeps } from '../../src/poll/poll-unit.js';
import type { SessionOptions } from '../../src/snmp/session.js';
import { captureIo } from '../helpers/capture-io.js';

// The command line as a new user meets it: mistyped commands, durations, --help, completion.
// The poller is replaced by a recorder: "nothing sent" means no name was resolved and no
// session opened.

function recorder() {
  const resolved: string[] = [];
  const opened: SessionOptions[] = [];
  const deps: PollDeps = {
    resolve: (host) => {
      resolved.push(host);
      return { address: '127.0.0.1', family: 4 };
    },
    open: (o) => {
      opened.push(o);
      throw new Error('recorder: no network in this test');
    },
  };
  return { deps, resolved, opened };
}

async function run(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const cap = captureIo({ env });
  const rec = recorder();
  const code = await main(argv, cap.io, rec.deps);
  return { code, out: cap.stdout(), err: cap.stderr(), ...rec };
}

describe('a mistyped command', () => {
  for (const [typed, meant] of [
    ['chek', 'check'],
    ['advisory', 'advisories'],
    ['scna', 'scan'],
    ['completon', 'completion'],
  ] as const) {
    it(`refuses "${typed}" with "did you mean ${meant}?", exit 2, before anything is sent`, async () => {
      const r = await run([typed, '127.0.0.1', '-f', 'csv']);
      expect(r.code).toBe(2);
      expect(r.err).toContain(`unknown command "${typed}": did you mean ${meant}?`);
      expect(r.err).toContain(`ats-audit scan ${typed}`);
      expect(r.out).toBe('');
      expect(r.resolved).toEqual([]);
      expect(r.opened).toEqual([]);
    });
  }

  it('still scans a host of that name when scan is named', async () => {
    const r = await run(['scan', 'chek', '-f', 'csv', '-q']);
    expect(r.resolved).toEqual(['chek']);
    expect(r.code).toBe(4);
  });

  it('never takes an address, a dotted name or a word far from every command for a typo', () => {
    const commands = ['scan', 'check', 'advisories', 'completion'];
    for (const host of ['scanner01', 'ats-r12.dc1.example', '10.0.0.1', 'checkpoint', 'db', 'ups', 'ats', 'scan.example', 'advise']) {
      expect(suggestCommand(host, commands), host).toBeUndefined();
    }
    expect(suggestCommand('chekc', commands)).toBe('check');
    expect(suggestCommand('SCAN', ['scan'])).toBeUndefined();
  });
});

describe('durations', () => {
  it('reads 2s, 1500ms, 1m30s, 2s500ms; a bare number only where the option allows it', () => {
    expect(durationMs('2s', 'ms')).toBe(2000);
    expect(durationMs('1500ms', 'ms')).toBe(1500);
    expect(durationMs('1500', 'ms')).toBe(1500);
    expect(durationMs('1m30s')).toBe(90_000);
    expect(durationMs('2s500ms')).toBe(2500);
    expect(durationMs('1.5s')).toBeUndefined();
    expect(durationMs('10')).toBeUndefined();
    expect(durationMs('30s1m')).toBeUndefined();
    expect(durationMs('2 s')).toBeUndefined();
    expect(durationMs('')).toBeUndefined();
    expect(formatDurationMs(2000)).toBe('2s');
    expect(formatDurationMs(1500)).toBe('1500ms');
    expect(formatDurationMs(90_000)).toBe('1m30s');
  });

  for (const [given, ms] of [
    ['2s', 2000],
    ['1500ms', 1500],
    ['1500', 1500],
  ] as const) {
    it(`--timeout ${given} waits ${ms} ms per answer`, async () => {
      const r = await run(['127.0.0.1', '--timeout', given, '--retries', '0', '-f', 'csv', '-q']);
      expect(r.opened.map((o) => o.timeoutMs)).toEqual([ms]);
    });
  }

  for (const [argv, quoted] of [
    [['--timeout', '2x'], '--timeout "2x"'],
    [['--timeout=fast'], '--timeout "fast"'],
    [['-t', '5'], '--timeout "5"'],
    [['--port', 'abc'], '--port "abc"'],
    [['-p', 'snmp'], '--port "snmp"'],
    [['--retries', 'two'], '--retries "two"'],
    [['-j', 'lots'], '--concurrency "lots"'],
    [['--rate', 'fast'], '--rate "fast"'],
  ] as const) {
    it(`quotes a bad value back as typed, never NaN: ${argv.join(' ')}`, async () => {
      const r = await run(['127.0.0.1', ...argv, '-f', 'csv']);
      expect(r.code).toBe(2);
      expect(r.err).toContain(quoted);
      expect(r.err).not.toContain('NaN');
      expect(r.opened).toEqual([]);
    });
  }

  it('check quotes a bad number as typed too', async () => {
    for (const [argv, quoted] of [
      [['--port', 'abc'], '--port "abc"'],
      [['-r', 'two'], '--retries "two"'],
      [['--timeout', '2x'], '--timeout "2x"'],
    ] as const) {
      const r = await run(['check', '127.0.0.1', ...argv]);
      expect(r.code).toBe(2);
      expect(r.err).toContain(quoted);
      expect(r.err).not.toContain('NaN');
    }
  });

  it('check --interval takes 10s and 1500ms; a bare number asks for a unit', async () => {
    const ok = await run(['check', '127.0.0.1', '--confirm', '1', '--interval', '10s', '--timeout', '1500ms', '--retries', '0']);
    expect(ok.err).not.toContain('--interval');
    expect(ok.opened[0]?.timeoutMs).toBe(1500);
    expect(parseCheckDuration('10s', 'interval')).toBe(10_000);
    expect(parseCheckDuration('1500ms', 'interval')).toBe(1500);
    expect(parseCheckDuration('1m30s', 'wait')).toBe(90_000);
    const bare = await run(['check', '127.0.0.1', '--wait', '1m', '--interval', '10']);
    expect(bare.code).toBe(2);
    expect(bare.err).toContain('--interval "10": expected a duration such as 90s, 10m, 1h or 1m30s (add a unit: 10s or 10m)');
    expect(bare.opened).toEqual([]);
  });
});

describe('--help', () => {
  const help = async (argv: string[]) => (await run(argv, { COLUMNS: '80' })).out;

  it('lists every exit code: 0, 1, 2, 3, 4, 5, 6 and 130', async () => {
    for (const argv of [['--help'], ['check', '--help']]) {
      const text = await help(argv);
      const codes = [...text.slice(text.indexOf('Exit codes:')).matchAll(/^ {2,4}(\d{1,3}) {2}\S/gm)].map((m) => Number(m[1]));
      const expected = argv[0] === 'check' ? [0, 1, 2, 3, 4, 5, 130] : [0, 1, 2, 3, 4, 5, 6, 130];
      expect(codes, argv.join(' ')).toEqual(expected);
    }
  });

  it('fits 80 columns, with every example command whole on one line', async () => {
    for (const argv of [['--help'], ['check', '--help']]) {
      const text = await help(argv);
      for (const line of text.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
      const block = text.slice(text.indexOf('Examples:'), text.indexOf('Exit codes:')).trimEnd().split('\n').slice(1);
      // Pairs: the command, whole, then its description indented below it.
      expect(block.length).toBeGreaterThan(3);
      block.forEach((line, i) => expect(line).toMatch(i % 2 === 0 ? /^ {2}ats-audit \S/ : /^ {6}[a-z]/));
    }
    expect(await help(['check', '--help'])).toContain('  ats-audit check 10.20.1.15 --package apc_hw02_aos390_g2ats392.exe\n');
  });

  it('answers `ats-audit help` and `ats-audit help check` instead of scanning a host named help', async () => {
    const top = await run(['help']);
    expect(top.code).toBe(0);
    expect(top.out).toContain('Exit codes:');
    expect(top.resolved).toEqual([]);
    const check = await run(['help', 'check']);
    expect(check.out).toMatch(/^ats-audit check \[hosts\.\.\]/);
  });

  it('does not show check hosts as [default: []]', async () => {
    const text = await help(['check', '--help']);
    const hosts = text.slice(text.indexOf('Positionals:'), text.indexOf('Options:'));
    expect(hosts).toContain('hosts');
    expect(hosts).not.toContain('[default: []]');
  });
});

describe('completion', () => {
  it('prints a bash/zsh completion script naming the tool, and scans nothing', async () => {
    const r = await run(['completion']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('###-begin-ats-audit-completions-###');
    expect(r.out).toContain('complete -o bashdefault -o default -F _ats-audit_yargs_completions ats-audit');
    expect(r.resolved).toEqual([]);
  });

  it('completes command names', async () => {
    const r = await run(['--get-yargs-completions', 'ats-audit', '']);
    expect(r.out.split('\n')).toEqual(expect.arrayContaining(['scan', 'check', 'advisories']));
    expect(r.resolved).toEqual([]);
  });
});

describe('a file that is not there', () => {
  it('gets one wording whichever option named it: "<option> <path>: no such file", exit 2, nothing sent', async () => {
    const missing = '/nonexistent/ats-audit-test/missing';
    for (const [argv, said] of [
      [['-i', `${missing}.csv`], `--inventory ${missing}.csv: no such file`],
      [['127.0.0.1', '--baseline', `${missing}.csv`], `--baseline ${missing}.csv: no such file`],
      [['127.0.0.1', '--advisory', `${missing}.json`], `--advisory ${missing}.json: no such file`],
      [['127.0.0.1', '--community-file', missing], `--community-file ${missing}: no such file`],
      [['127.0.0.1', '--config', `${missing}.json`], `${missing}.json: no such file (named by --config)`],
      [['advisories', '--advisory', `${missing}.json`], `--advisory ${missing}.json: no such file`],
    ] as const) {
      const r = await run([...argv]);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err, argv.join(' ')).toContain(said);
      expect(r.opened).toEqual([]);
    }
  });
});

describe('the table on stdout and the closing line with -o', () => {
  const neighbours = ['200', '201', '202', '203', '204', '205'].map((n) => `127.1.11.${n}:16161`);

  it('honours COLUMNS when piped: no line wider, no host cut', async () => {
    const r = await run([...neighbours, '-f', 'table', '--retries', '0'], { COLUMNS: '60' });
    const lines = r.out.trimEnd().split('\n');
    for (const l of lines) expect(l.length, l).toBeLessThanOrEqual(60);
    for (const h of neighbours) expect(r.out).toContain(h);
    expect(r.out).not.toContain('…');
  });

  it("uses the terminal's own width on a terminal", async () => {
    const cap = captureIo({ env: { COLUMNS: '200' }, tty: true });
    const wide = { ...cap.io, stdout: { ...cap.io.stdout, columns: 70 } };
    await main([...neighbours, '-f', 'table', '--retries', '0'], wide, recorder().deps);
    for (const l of cap.stdout().split('\n')) expect(l.replace(/\x1b\[[0-9;]*m/g, '').length, l).toBeLessThanOrEqual(70);
  });

  it('with -o, says where the report went and the counts by verdict', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const file = join(mkdtempSync(join(tmpdir(), 'ats-main-')), 'report.csv');
    const r = await run([...neighbours.slice(0, 2), '-o', file, '--retries', '0']);
    expect(r.err).toContain(`ats-audit: wrote ${file} (csv): 2 units: 0 at-risk, 0 unknown, 2 unreachable, 0 safe-to-upgrade, 0 not-affected, 0 not-ats`);
  });
});
