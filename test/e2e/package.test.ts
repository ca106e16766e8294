import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// What `npm pack` (and so `npm publish` and `npm install` from a tarball) ships: the bundled CLI and
// its data, never the simulator, the demo, the benchmark, the tests or tsc's unbundled output.

const run = promisify(execFile);

describe('the shipped package', () => {
  it('holds the product only', async () => {
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { maxBuffer: 8 << 20 });
    const files = (JSON.parse(stdout) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((f) => f.path);
    expect(files).toContain('dist/bin/ats-audit.js');
    expect(files).toContain('advisories/FA156178.json');
    expect(files).toContain('schema/ats-audit-report.schema.json');
    const foreign = files.filter((f) => /^(tools|test|bench|scripts|examples)\/|^dist\/(src|tools|bench)\/|simulator|demo|\.test\./.test(f));
    expect(foreign, 'tools, tests and tsc output must stay out of the package').toEqual([]);
  });
});
