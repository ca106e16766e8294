import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

// Tests that run a Debian program (libreoffice, promtool...) skip with a message where it is
// not installed, except in CI (process.env.CI set), where its absence must fail the test.

/** Absolute path of an executable on PATH, or undefined. */
export function findProgram(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

export interface Program {
  /** The program's path; undefined only where the tests are skipped. */
  readonly path: string | undefined;
  /** True where the tests must be skipped: absent, and not in CI. */
  readonly skip: boolean;
  /** The path, or a failing assertion error in CI. */
  readonly require: () => string;
}

export function debianProgram(name: string, debianPackage: string): Program {
  const path = findProgram(name);
  const skip = path === undefined && !process.env.CI;
  if (skip) process.stderr.write(`skipping tests that need ${name}: not installed (apt-get install ${debianPackage})\n`);
  return {
    path,
    skip,
    require: () => {
      if (path === undefined) throw new Error(`${name} is required in CI: apt-get install ${debianPackage}`);
      return path;
    },
  };
}
