import v8 from 'node:v8';

// How much the process lets its heap grow. A large scan keeps every result (and the inventory it
// read) until the report is written, while tens of thousands of units in flight come and go:
// most of what it allocates lives a few seconds, long enough to reach V8's old generation, and
// then dies there. V8 by default lets the old generation grow to up to four times what survived
// its last full collection before collecting again, so a 65,536-target sweep passed 200 MB of
// resident memory on garbage alone. Growing by 30 % at a time keeps it under that, for more
// frequent (short) full collections.
//
// Contract: called once, by the entry point (bin.ts), before any other module of the tool is
// loaded, and never again. V8 reads `--heap-growing-percent` each time it sets its next limit,
// so it applies from the first collection; but V8 flags are not meant to change while the
// process works (other threads read them), so this is never called later, nor from a library
// or test process that loads the tool's modules.

/** The old generation's growth between full collections, in percent. */
export const HEAP_GROWTH_PERCENT = 30;

export function heapForStartUp(): void {
  v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWTH_PERCENT}`);
}
