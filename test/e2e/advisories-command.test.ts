import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yargs from 'yargs';
import { beforeAll, describe, expect, it } from 'vitest';
import { advisoriesOptions, loadAdvisorySet, runAdvisories } from '../../src/cli/commands/advisories.js';
import { UsageError, type Io } from '../../src/cli/io.js';
import { captureIo } from '../helpers/capture-io.js';

// The advisories command in-process, through a yargs parser built the way main.ts registers it.

async function run(argv: string[]) {
  const cap = captureIo();
  let code = -1;
  await yargs(argv)
    .command('advisories', 'List the bulletins', advisoriesOptions, async (a) => {
      code = await runAdvisories(a as Record<string, unknown>, cap.io as Io);
    })
    .strict()
    .exitProcess(false)
    .fail((msg, err) => {
      throw err ?? new UsageError(msg);
    })
    .parseAsync();
  return { code, stdout: cap.stdout(), stderr: cap.stderr() };
}

const extra = {
  id: 'FA999999',
  title: 'Test bulletin',
  source: 'a test',
  hazard: 'none, it is a test',
  models: ['AP7799'],
  packages: ['apc_hw02_aos999_g2ats999.exe'],
  procedures: { 'isolate-secondary': 'pull B', 'remove-load': 'unplug' },
};

let dir: string;
const file = (name: string, content: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ats-advisories-'));
});

describe('ats-audit advisories', () => {
  it('lists the bundled bulletin: id, title, models and packages', async () => {
    const r = await run(['advisories']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^FA156178  Upgrading Rack ATS Firmware \(AP77XX\) - potential to permanently damage ATS during download\n/);
    expect(r.stdout).toContain('  from:       bundled with ats-audit\n');
    expect(r.stdout).toContain(
      '  models:     AP7721, AP7722A, AP7723, AP7724, AP7730, AP7731, AP7732, AP7750A, AP7752, AP7752J, AP7753 (exact: suffixes matter)\n',
    );
    expect(r.stdout).toContain(
      '  packages:   apc_hw02_aos357_g2ats357.exe, apc_hw02_aos374_g2ats370.exe, apc_hw02_aos374_g2ats371.exe, apc_hw02_aos390_g2ats390.exe, apc_hw02_aos390_g2ats392.exe\n',
    );
    // Model lists, not regular expressions.
    expect(r.stdout).toContain('  not listed: AP7722, AP7750: first-generation unit');
    expect(r.stdout).toContain('  not listed: AP44* (* = any model starting so): newer ATS line');
    expect(r.stdout).not.toMatch(/[$^]/);
    expect(r.stdout).toMatch(/\n1 bulletin: FA156178\n$/);
  });

  it('adds and validates --advisory files, naming where each came from', async () => {
    const path = file('extra.json', extra);
    const r = await run(['advisories', '--advisory', path]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`FA999999  Test bulletin\n  from:       ${path}\n`);
    expect(r.stdout).toMatch(/\n2 bulletins: FA156178, FA999999\n$/);
  });

  it('prints JSON on request', async () => {
    const path = file('extra-json.json', extra);
    const r = await run(['advisories', '--json', '--advisory', path]);
    expect(r.code).toBe(0);
    const parsed = JSON.parse(r.stdout) as { advisories: Array<Record<string, unknown>> };
    expect(parsed.advisories.map((a) => [a.id, a.origin])).toEqual([
      ['FA156178', 'bundled'],
      ['FA999999', path],
    ]);
    expect(parsed.advisories[0]).toMatchObject({ models: expect.arrayContaining(['AP7722A']), packages: expect.arrayContaining(['apc_hw02_aos390_g2ats392.exe']) });
    expect(parsed.advisories[0]!.lookalikes).toEqual([
      { models: ['AP7722', 'AP7750'], pattern: '^AP7722$|^AP7750$', note: expect.stringMatching(/first-generation/) },
      { models: ['AP44*'], pattern: '^AP44', note: expect.stringMatching(/newer ATS line/) },
    ]);
  });

  it('shows the firmware and serial scope of each bulletin (issue 10: acted on, so shown)', async () => {
    const path = file('scoped.json', { ...extra, id: 'TEST-SCOPE', firmware: [{ from: 'v3.5.7', to: 'v3.7.1' }], serials: [{ from: '5A15' }] });
    const r = await run(['advisories', '--advisory', path]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('  firmware:   all; serials: all');
    expect(r.stdout).toContain('  firmware:   v3.5.7 to v3.7.1; serials: 5A15 and later');
    const json = await run(['advisories', '--advisory', path, '--json']);
    const listed = (JSON.parse(json.stdout) as { advisories: Array<{ id: string; firmware: unknown; serials: unknown }> }).advisories;
    expect(listed.find((a) => a.id === 'TEST-SCOPE')).toMatchObject({ firmware: [{ from: 'v3.5.7', to: 'v3.7.1' }], serials: [{ from: '5A15' }] });
  });

  it('rejects an invalid bulletin with every problem and the file name (exit 2, nothing on stdout)', async () => {
    const path = file('broken.json', { id: 'X', title: '', models: [], packages: ['a.exe'] });
    const r = await run(['advisories', '--advisory', path]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`ats-audit: ${path}: invalid advisory:`);
    expect(r.stderr).toContain('"title" must be a non-empty string');
    expect(r.stderr).toContain('"models" must be a non-empty array of model numbers');
    expect(r.stderr).toContain('"procedures.isolate-secondary" must be a string');
  });

  it('rejects unreadable, non-JSON and duplicate bulletins', async () => {
    const missing = await run(['advisories', '--advisory', join(dir, 'nope.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--advisory .*nope\.json: no such file/);

    const notJson = await run(['advisories', '--advisory', file('text.json', 'models: AP7721')]);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toMatch(/text\.json: not valid JSON/);
    // Issue 9: an --advisory error never quotes the file (it may be a secret given by mistake).
    expect(notJson.stderr).not.toContain('AP7721');

    const dup = file('dup.json', { ...extra, id: 'FA156178' });
    const twice = await run(['advisories', '--advisory', dup]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toBe(`ats-audit: advisory FA156178 is given twice (bundled with ats-audit and ${dup})\n`);
  });

  it('shows bulletin text escaped: a file cannot drive the terminal', async () => {
    const path = file('evil.json', { ...extra, id: 'EVIL-1', title: 'Title\u001b]0;pwned\u0007\u001b[2J', models: ['AP7799\u202e'] });
    const r = await run(['advisories', '--advisory', path]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/[\u001b\u0007\u202e]/);
    expect(r.stdout).toContain('EVIL-1  Title\\x1b]0;pwned\\x07\\x1b[2J');
    const json = await run(['advisories', '--json', '--advisory', path]);
    expect(json.stdout).not.toMatch(/[\u0007\u001b\u202e]/);
    expect((JSON.parse(json.stdout) as { advisories: Array<{ title: string }> }).advisories[1]!.title).toBe('Title\u001b]0;pwned\u0007\u001b[2J');
  });

  it('loadAdvisorySet keeps the order: bundled first, then the files as given', () => {
    const a = file('a.json', { ...extra, id: 'A-1' });
    const b = file('b.json', { ...extra, id: 'B-1' });
    expect(loadAdvisorySet([b, a]).map((x) => x.advisory.id)).toEqual(['FA156178', 'B-1', 'A-1']);
    expect(() => loadAdvisorySet([file('c.json', '[]')])).toThrow(UsageError);
  });
});

describe('look-alike patterns as model names', () => {
  it('reads anchored literals as models and prefixes as MODEL*, and shows anything else as written', async () => {
    const { modelsOf } = await import('../../src/cli/commands/advisories.js');
    expect(modelsOf('^AP7722$|^AP7750$')).toEqual(['AP7722', 'AP7750']);
    expect(modelsOf('^AP44')).toEqual(['AP44*']);
    expect(modelsOf('^AP77[0-9]{2}B$|^SURT')).toEqual(['/^AP77[0-9]{2}B$/', 'SURT*']);
  });
});

describe('advisories at the width of the terminal', () => {
  it('wraps each line under its label to $COLUMNS when piped, and keeps one line each without it', async () => {
    const { main } = await import('../../src/cli/main.js');
    const { captureIo } = await import('../helpers/capture-io.js');
    const narrow = captureIo({ env: { COLUMNS: '80' } });
    expect(await main(['advisories'], narrow.io)).toBe(0);
    for (const line of narrow.stdout().split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
    expect(narrow.stdout()).toMatch(/\n {14}AP7752, AP7752J, AP7753 \(exact: suffixes matter\)\n/);
    const wide = captureIo();
    await main(['advisories'], wide.io);
    expect(wide.stdout()).toContain('AP7750A, AP7752, AP7752J, AP7753 (exact: suffixes matter)\n');
  });
});
