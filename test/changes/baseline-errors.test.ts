import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { BaselineError, parseBaseline } from '../../src/changes/baseline.js';
import { captureIo } from '../helpers/capture-io.js';

// A file given as --baseline by mistake may be an inventory with communities in it: errors
// name the file, the line and what was expected, and never quote what the file holds.

const S = 'S3CRET-in-the-file';

const files: Array<[name: string, text: string, message: RegExp]> = [
  ['inventory.csv', `host,community\n10.0.0.1,${S}\n`, /inventory\.csv: not an ats-audit report: the first line has no "port", "verdict" columns/],
  ['header-is-secret.csv', `${S},${S}\n1,2\n`, /the first line has no "host", "port", "verdict" columns/],
  ['json-token.json', `{"tool": "ats-audit", ${S}}`, /json-token\.json: not valid JSON(?: at line 1)?; expected/],
  ['json-line3.json', `{"tool": "ats-audit",\n"units": [\n${S}]}`, /json-line3\.json: not valid JSON(?: at line 3)?; expected/],
  ['verdict.csv', `host,port,verdict\n10.0.0.1,161,${S}\n`, /verdict\.csv:2: "verdict" is not one of/],
  ['port.csv', `host,port,verdict\n10.0.0.1,${S},at-risk\n`, /port\.csv:2: "port" is not a port number/],
  ['json-verdict.json', JSON.stringify({ tool: 'ats-audit', units: [{ host: 'h', port: 161, verdict: S }] }), /units\[0\]: "verdict" is not one of/],
  ['json-port.json', JSON.stringify({ tool: 'ats-audit', units: [{ host: 'h', port: S, verdict: 'at-risk' }] }), /units\[0\]: "port" is not a port number/],
  ['ragged.csv', `host,port,verdict\n10.0.0.1,161,at-risk,${S}\n`, /ragged\.csv:2: not a readable CSV \(a row with a different number of cells/],
  ['unclosed.csv', `host,port,verdict\n"${S},161,at-risk\n`, /unclosed\.csv(:\d+)?: not a readable CSV \(a quote that is never closed\)/],
  ['after-quote.csv', `host,port,verdict\n"10.0.0.1"${S},161,at-risk\n`, /after-quote\.csv(:\d+)?: not a readable CSV \(text after a closing quote\)/],
];

describe('--baseline errors never quote the file', () => {
  for (const [name, text, message] of files) {
    it(name, () => {
      let error: unknown;
      try {
        parseBaseline(text, name);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(BaselineError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain(S);
      expect((error as Error).message).not.toContain('S3CRET');
    });
  }

  it('through the command: exit 2, stderr names the file and holds nothing of it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ats-audit-baseline-'));
    for (const [name, text] of files) {
      const file = join(dir, name);
      writeFileSync(file, text);
      const cap = captureIo();
      expect(await main(['127.0.0.1:9', '--baseline', file, '--timeout', '100', '--retries', '0'], cap.io)).toBe(2);
      expect(cap.stderr()).toContain(file);
      expect(cap.stderr() + cap.stdout()).not.toContain('S3CRET');
    }
  });
});
