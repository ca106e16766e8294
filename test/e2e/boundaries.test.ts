import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

// The boundary lint (.dependency-cruiser.cjs, `npm run lint`) run on a small tree that breaks each
// rule once, so a rule that silently stopped matching (a renamed room, a parser that no longer
// reads TypeScript) fails here instead of passing everything.

const ROOT = process.cwd();
const DEPCRUISE = join(ROOT, 'node_modules', '.bin', 'depcruise');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');
const run = promisify(execFile);

async function cruise(cwd: string, ...paths: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(DEPCRUISE, ['--config', CONFIG, ...paths], { cwd, maxBuffer: 4 << 20 });
    return { code: 0, out: stdout + stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: err.code ?? -1, out: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'ats-lint-'));
  dirs.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

describe('boundary lint', () => {
  it('passes on this repository', async () => {
    const r = await cruise(ROOT, 'src', 'tools', 'bench', 'dist/src');
    expect(r.out).toContain('no dependency violations found');
    expect(r.code).toBe(0);
  });

  it('fails, naming the rule and the files, when a rule is broken', async () => {
    const dir = tree({
      // audit/ reaching into snmp/, and a cycle between two rooms
      'src/audit/judge.ts': "import { send } from '../snmp/wire.js';\nimport { b } from '../changes/b.js';\nexport const a = () => send() + b;\n",
      'src/snmp/wire.ts': "export const send = () => 1;\n",
      'src/changes/b.ts': "import { a } from '../audit/judge.js';\nexport const b = 2;\nexport const c = a;\n",
      // net-snmp outside snmp/
      'src/poll/direct.ts': "import snmp from 'net-snmp';\nexport const s = snmp;\n",
      // the product importing a tool
      'src/cli/uses-tool.ts': "import { sim } from '../../tools/sim.js';\nexport const x = sim;\n",
      'tools/sim.ts': 'export const sim = 1;\n',
      // tsc output: report/ importing a value from audit/
      'dist/src/report/render.js': "import { judge } from '../audit/judge.js';\nexport const r = judge;\n",
      'dist/src/audit/judge.js': 'export const judge = 1;\n',
      'dist/src/report/ok.js': "import { VERDICTS } from '../audit/finding.js';\nexport const v = VERDICTS;\n",
      'dist/src/audit/finding.js': "export const VERDICTS = ['at-risk'];\n",
    });
    const r = await cruise(dir, 'src', 'tools', 'dist/src');
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/audit-is-pure: src\/audit\/judge\.ts → src\/snmp\/wire\.ts/);
    expect(r.out).toMatch(/no-cycles: src\/audit\/judge\.ts/);
    expect(r.out).toMatch(/only-snmp-imports-net-snmp: src\/poll\/direct\.ts → net-snmp/);
    expect(r.out).toMatch(/product-stands-alone: src\/cli\/uses-tool\.ts → tools\/sim\.ts/);
    expect(r.out).toMatch(/report-takes-types: dist\/src\/report\/render\.js → dist\/src\/audit\/judge\.js/);
    // the verdict vocabulary is the one value report/ may take from audit/
    expect(r.out).not.toMatch(/dist\/src\/report\/ok\.js/);
  });
});
