import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Code runs from src/ under the test runner and from dist/src/ when built; data files
// (advisories/, mibs/) sit at the package root in both cases.
let cached: string | undefined;

export function packageRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'advisories'))) return (cached = dir);
    dir = dirname(dir);
  }
  throw new Error('ats-audit: cannot find the package root (advisories/ missing from the installation)');
}
