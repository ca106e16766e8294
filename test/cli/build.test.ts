import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { BIN, BIN_NOTE, HAVE_BIN } from '../helpers/built-bin.js';

// The build as a user meets it: quiet when all is well, and a bin that runs (`npx ats-audit`
// failed with "Permission denied" when every build dropped the mode).

const TSC_OUTPUT = join(process.cwd(), 'dist', 'src', 'cli', 'bin.js');

describe('the build', () => {
  it.skipIf(!HAVE_BIN)(`leaves dist/bin/ats-audit.js executable, with its #! line${BIN_NOTE}`, () => {
    expect(statSync(BIN).mode & 0o111).toBe(0o111);
    const r = execFile(BIN, ['--version']);
    return new Promise<void>((resolve, reject) => {
      let out = '';
      r.stdout?.on('data', (d: Buffer) => (out += d.toString()));
      r.on('exit', (code) => {
        try {
          expect(code).toBe(0);
          expect(out.trim()).toMatch(/^\d+\.\d+\.\d+$/);
          resolve();
        } catch (e) {
          reject(e);
        }
      });
    });
  });

  it.skipIf(!existsSync(TSC_OUTPUT))(
    `bundles without printing a line, into an executable file${existsSync(TSC_OUTPUT) ? '' : ' (skipped: dist/src not built; run npm run build)'}`,
    async () => {
      const out = mkdtempSync(join(tmpdir(), 'ats-bundle-'));
      const r = await promisify(execFile)(process.execPath, ['tools/bundle.mjs', '--out', out]);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe('');
      expect(statSync(join(out, 'ats-audit.js')).mode & 0o111).toBe(0o111);
    },
  );
});
