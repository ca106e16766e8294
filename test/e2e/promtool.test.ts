import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PROMETHEUS_METRICS, UNIT_LABELS } from '../../src/report/prometheus.js';
import { debianProgram } from '../helpers/debian-program.js';

// The shipped Prometheus pieces through Prometheus's own tool: every sample report passes
// `promtool check metrics`, the alerting rules in examples/prometheus pass `promtool check
// rules` and their unit tests (`promtool test rules`). Skipped where promtool is not installed,
// except in CI.

const promtool = debianProgram('promtool', 'prometheus');
const root = fileURLToPath(new URL('../../', import.meta.url));
const rulesDir = join(root, 'examples', 'prometheus');
const reportsDir = join(root, 'examples', 'reports');
const files = (dir: string, re: RegExp) => readdirSync(dir).filter((f) => re.test(f)).map((f) => join(dir, f));

function run(args: string[], opts: { cwd?: string; input?: string } = {}) {
  const r = spawnSync(promtool.require(), args, { encoding: 'utf8', timeout: 60_000, ...opts });
  expect(r.error).toBeUndefined();
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('examples/prometheus rules, read as text', () => {
  const rules = files(rulesDir, /\.rules\.yml$/);

  it('has rule files, each with a unit-test file beside it', () => {
    expect(rules.length).toBeGreaterThan(0);
    for (const f of rules) expect(files(rulesDir, /\.rules\.test\.yml$/)).toContain(f.replace(/\.rules\.yml$/, '.rules.test.yml'));
  });

  it('uses only metrics the report writes, and matches units on their identity labels only', () => {
    const known = new Set<string>(PROMETHEUS_METRICS.map(([n]) => n));
    for (const f of rules) {
      const text = readFileSync(f, 'utf8');
      for (const name of text.match(/\bats_audit_[a-z_]+/g) ?? []) expect(known, `${f}: ${name}`).toContain(name);
      for (const m of text.matchAll(/\bon \(([^)]*)\)/g)) {
        expect(
          m[1]!.split(',').map((l) => l.trim()),
          f,
        ).toEqual([...UNIT_LABELS]);
      }
    }
  });
});

describe.skipIf(promtool.skip)('promtool on the shipped Prometheus files', () => {
  it('passes `promtool check metrics` on every sample report', () => {
    const reports = files(reportsDir, /\.prom$/);
    expect(reports.length).toBeGreaterThan(0);
    for (const f of reports) {
      const r = run(['check', 'metrics'], { input: readFileSync(f, 'utf8') });
      expect(r.output, f).toBe('');
      expect(r.status, f).toBe(0);
    }
  });

  it('passes `promtool check rules` on the alerting rules', () => {
    const r = run(['check', 'rules', ...files(rulesDir, /\.rules\.yml$/)]);
    expect(r.output).toContain('SUCCESS');
    expect(r.status, r.output).toBe(0);
  });

  it('passes `promtool test rules` on their unit tests', () => {
    const tests = files(rulesDir, /\.rules\.test\.yml$/);
    const r = run(['test', 'rules', ...tests], { cwd: rulesDir });
    expect(r.output).toContain('SUCCESS');
    expect(r.output).not.toContain('FAILED');
    expect(r.status, r.output).toBe(0);
  });
});
