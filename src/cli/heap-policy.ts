import v8 from 'node:v8';

// How much the process lets its heap grow, for the runs that need it. A large scan keeps every
// result (and the inventory it read) until the report is written, while tens of thousands of
// units in flight come and go: most of what it allocates lives a few seconds, long enough to
// reach V8's old generation, and then dies there. V8 by default lets the old generation grow to
// up to four times what survived its last full collection before collecting again. Growing by
// 30 % at a time means more frequent (short) full collections and a lower peak.
//
// Only a run that reads or writes a workbook sets it. exceljs allocates the most by far: a
// 65,536-target sweep written as .xlsx peaked at 212 MB of resident memory without the flag
// (169 MB with it), while every text format stayed under 185 MB without it. And the flag is not
// free: changing any V8 flag changes the hash V8 checks code caches against, so Node's own
// modules loaded afterwards are compiled afresh: about 25 ms more start-up, 2 % of a
// 2,000-unit scan's CPU. (The tool's bundle is compiled before this runs, under the flags of
// v8-tuning.ts, so its own cache still matches.)
//
// Contract: called once, by the entry point (bin.ts), before the rest of the tool is loaded,
// and never again. V8 flags are not meant to change while the process works (other threads
// read them; a version that reset the flag mid-run crashed), so this is never called later,
// nor from a library or test process that loads the tool's modules.

/** The old generation's growth between full collections, in percent. */
export const HEAP_GROWTH_PERCENT = 30;

/**
 * Whether the command line names a workbook: the xlsx format (`-f xlsx`, `-fxlsx`, `--format=xlsx`) or a
 * file ending in .xlsx (a report, an inventory). Read before the arguments are parsed, so it is
 * deliberately loose: a word that merely looks like one only costs the start-up above.
 */
export function namesWorkbook(argv: readonly string[]): boolean {
  return argv.some((a) => /^(?:-f=?|--format=)?xlsx$|\.xlsx$/i.test(a));
}

/** Sets the heap policy for this run; true when the flag was set. */
export function heapForStartUp(argv: readonly string[]): boolean {
  if (!namesWorkbook(argv)) return false;
  v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWTH_PERCENT}`);
  return true;
}
