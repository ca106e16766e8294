import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cacheFileOf } from '../../src/cli/code-cache.js';

// The launcher's half of the code cache (src/cli/code-cache.ts): the bundle runs as a CommonJS
// module whether or not there is a cache, V8 takes a cache made from the same text, and a cache
// that does not match is refused, never run. (The build's half: test/cli/build.test.ts.)
//
// Caches are taken and used in fresh node processes, one compile each, as the tool does: within
// one process V8 keeps what it compiled and may not even look at a cache given later.

const BUILT = join(process.cwd(), 'dist', 'src', 'cli', 'code-cache.js');
const BUILT_NOTE = existsSync(BUILT) ? '' : ' (skipped: dist/src not built; run npm run build)';

let made = 0;
/** A bundle file of its own text (a comment makes it unique to this process). */
function bundleIn(source: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'ats-code-cache-')), 'b.cjs');
  writeFileSync(file, `${source}\n// ${process.pid}.${++made}\n`);
  return file;
}

const RECORDS = `globalThis.__ranWith = { filename: __filename, dirname: __dirname, sep: require('node:path').sep, isModule: typeof module.exports };
function add(a, b) { return a + b; }
globalThis.__ranWith.sum = add(2, 3);`;

interface Seen {
  accepted: boolean;
  ran: { sum: number } | null;
  other: unknown;
}

/** In a fresh node: compile `file` (writing its cache after the run when `write`), run it; what it saw. */
function inFreshNode(file: string, write = false): Seen {
  const out = execFileSync(process.execPath, [
    '--input-type=module',
    '-e',
    `import { writeFileSync } from 'node:fs';
     import { cacheFileOf, compileBundle } from ${JSON.stringify(pathToFileURL(BUILT).href)};
     const c = compileBundle(${JSON.stringify(file)});
     c.run();
     if (${write}) writeFileSync(cacheFileOf(${JSON.stringify(file)}), c.script.createCachedData());
     process.stdout.write(JSON.stringify({ accepted: c.cacheAccepted, ran: globalThis.__ranWith ?? null, other: globalThis.__other ?? null }));`,
  ]);
  return JSON.parse(out.toString()) as Seen;
}

describe('compileBundle', () => {
  // Every case in a fresh node: compileBundle sets a V8 flag, which a test process must not.
  it.skipIf(BUILT_NOTE !== '')(`runs a bundle with no cache as CommonJS: its own require, __filename and __dirname${BUILT_NOTE}`, () => {
    const file = bundleIn(RECORDS);
    expect(inFreshNode(file)).toEqual({
      accepted: false,
      ran: { filename: file, dirname: join(file, '..'), sep: '/', isModule: 'object', sum: 5 },
      other: null,
    });
  });

  it.skipIf(BUILT_NOTE !== '')(`takes a cache made from the same text, and refuses one from other text or garbage${BUILT_NOTE}`, () => {
    const file = bundleIn(RECORDS);
    expect(inFreshNode(file, true)).toMatchObject({ accepted: false, ran: { sum: 5 }, other: null });
    expect(inFreshNode(file)).toMatchObject({ accepted: true, ran: { sum: 5 }, other: null });

    // The bundle rebuilt under the same cache: the new text runs, the old code does not.
    const cache = readFileSync(cacheFileOf(file));
    const rebuilt = bundleIn(`${RECORDS}\nglobalThis.__other = 1;`);
    writeFileSync(cacheFileOf(rebuilt), cache);
    expect(inFreshNode(rebuilt)).toMatchObject({ accepted: false, ran: { sum: 5 }, other: 1 });

    writeFileSync(cacheFileOf(file), 'not a code cache at all');
    expect(inFreshNode(file)).toMatchObject({ accepted: false, ran: { sum: 5 }, other: null });
    expect(readFileSync(cacheFileOf(file), 'utf8')).toBe('not a code cache at all'); // a run never writes it
  });
});
