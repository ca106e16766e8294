import { readFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Script } from 'node:vm';
import { tuneForShortRuns } from './v8-tuning.js';

// The shipped tool is one CommonJS file (dist/bin/ats-audit.cjs), run through V8's code cache:
// V8 then takes the bundle's compiled code from a file instead of parsing and compiling ~700 KB
// of JavaScript at every start. Node 20 offers no code cache for ES modules, hence CommonJS and
// node:vm's public `cachedData`.
//
// Contract:
// - The cache sits beside the bundle (`cacheFileOf`). It is written by the build only
//   (tools/code-cache.mjs, right after the bundle), never by a run: a run only reads it.
// - V8 checks a cache against its own version, its flags and the source before using any of
//   it, and compiles afresh when it does not match (an upgraded Node, a run that sets a V8 flag
//   before loading the bundle). A missing or rejected cache costs start-up time, nothing else.
// - The build and the launcher compile the very same text under the very same V8 flags
//   (`compileBundle` sets them: v8-tuning.ts), or V8 would reject the cache every time.
// - V8 matches a cache to its source by length, not content. So the cache is written right
//   after the bundle it belongs to, into the directory the bundler has just emptied, and nothing
//   else writes either file.

/** Where the code cache of `bundle` is kept. */
export function cacheFileOf(bundle: string): string {
  return `${bundle}.cache`;
}

export interface CompiledBundle {
  readonly script: Script;
  /** A cache was read and V8 used it (false when there was none, or V8 rejected it). */
  readonly cacheAccepted: boolean;
  /** Runs the bundle as the CommonJS module `bundle` (its require, __filename, __dirname). */
  run(): void;
}

/**
 * Sets the tool's V8 flags (v8-tuning.ts), then compiles the CommonJS bundle at `bundle`, with
 * its code cache when there is a usable one. For the launcher and the build's warm-up only.
 */
export function compileBundle(bundle: string): CompiledBundle {
  tuneForShortRuns();
  const source = Module.wrap(readFileSync(bundle, 'utf8'));
  const cachedData = readCache(cacheFileOf(bundle));
  // The bundle has no import(): exceljs and node:http are required lazily (see
  // src/xlsx-library.ts), so no callback for dynamic import is needed.
  const script = new Script(source, { filename: bundle, ...(cachedData ? { cachedData } : {}) });
  return {
    script,
    cacheAccepted: cachedData !== undefined && !script.cachedDataRejected,
    run() {
      const module = { exports: {} };
      const body = script.runInThisContext() as (
        exports: unknown,
        require: NodeJS.Require,
        module: unknown,
        filename: string,
        dirname: string,
      ) => void;
      body.call(module.exports, module.exports, createRequire(bundle), module, bundle, dirname(bundle));
    },
  };
}

function readCache(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined; // no cache (a build that could not write one): compile as Node would
  }
}
