import v8 from 'node:v8';

// How much the process lets its heap grow, by the size of the run. A large scan keeps every
// result (and the inventory it read) until the report is written, while tens of thousands of
// units in flight come and go: most of what it allocates lives a few seconds, long enough to
// reach V8's old generation, and then dies there. V8 by default lets the old generation grow
// to up to four times what survived its last full collection before collecting again, so a
// 65,536-target sweep passed 200 MB of resident memory on garbage alone. Growing a third at a
// time keeps it under that, for more frequent (short) full collections.
//
// `--heap-growing-percent` is read each time V8 sets its next limit (after a full collection),
// so it must be in force from the start: the limit set by the first full collection, during
// start-up, would otherwise hold until the sweep is well under way. A run found to be small
// (fewer than LARGE_RUN targets) goes back to V8's own choice: there CPU time matters more.

/** Targets from which a run is large enough to trade collector time for memory. */
export const LARGE_RUN = 10_000;

/** The old generation's growth between full collections while a run may be large, in percent. */
export const HEAP_GROWTH_PERCENT = 30;

/** At start-up, before anything large is read. */
export function heapForStartUp(): void {
  v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWTH_PERCENT}`);
}

/** Once the number of targets is known: a small run gets V8's default growth back. */
export function heapForRun(targets: number): void {
  if (targets < LARGE_RUN) v8.setFlagsFromString('--heap-growing-percent=0');
}
