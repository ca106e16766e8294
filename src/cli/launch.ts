#!/usr/bin/env node
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileBundle } from './code-cache.js';

// The shipped entry point, dist/bin/ats-audit.js: runs the program (bin.ts, bundled as
// ats-audit.cjs beside this file) through V8's code cache. Only meaningful bundled: tsc's
// output has no ats-audit.cjs beside it.

compileBundle(join(dirname(fileURLToPath(import.meta.url)), 'ats-audit.cjs')).run();
