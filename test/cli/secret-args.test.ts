import { describe, expect, it } from 'vitest';
import { hideSecretArgs, MASK } from '../../src/cli/secret-args.js';

// The process title is rewritten without secrets: every spelling the option parser accepts
// (and the abbreviations it refuses, since the process lives until it says so) is masked.

const S = 'S3cret-c0mmunity';

describe('hideSecretArgs', () => {
  const cases: Array<[argv: string[], shown: string[]]> = [
    [['10.0.0.1', '--community', S], ['10.0.0.1', '--community', MASK]],
    [['--community=' + S, '10.0.0.1'], ['--community=' + MASK, '10.0.0.1']],
    [['-c', S, '-q'], ['-c', MASK, '-q']],
    [['-c=' + S], ['-c=' + MASK]],
    [['-c' + S], ['-c' + MASK]],
    [['-qc', S, 'h'], ['-qc', MASK, 'h']],
    [['-qc=' + S], ['-qc=' + MASK]],
    [['-qvc', S], ['-qvc', MASK]],
    [['--comm', S], ['--comm', MASK]],
    [['--commun=' + S], ['--commun=' + MASK]],
    [['--Community', S], ['--Community', MASK]],
    [['-c', S, '--community', S + '2', 'h'], ['-c', MASK, '--community', MASK, 'h']],
    [['check', 'h1', '-c', S, '--package', 'x.exe'], ['check', 'h1', '-c', MASK, '--package', 'x.exe']],
  ];
  for (const [argv, shown] of cases) {
    it(`${argv.join(' ')}`, () => {
      const out = hideSecretArgs(argv);
      expect(out).toEqual(shown);
      expect(out!.join(' ')).not.toContain(S);
    });
  }

  it('leaves a command line without secrets alone (undefined: no rewrite needed)', () => {
    expect(hideSecretArgs(['10.0.0.0/24', '-i', 'fleet.csv', '--community-file', '/etc/c', '-q', '--config', 'x.json'])).toBeUndefined();
    expect(hideSecretArgs([])).toBeUndefined();
  });

  it('stops at -- (what follows is not an option)', () => {
    expect(hideSecretArgs(['--', '-c', 'x'])).toBeUndefined();
  });

  it('a dangling -c at the end hides nothing and does not fail', () => {
    expect(hideSecretArgs(['h', '-c'])).toBeUndefined();
  });
});
