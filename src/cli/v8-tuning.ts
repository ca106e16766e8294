import v8 from 'node:v8';

// V8 tuned for a process that lives for seconds. V8 hands a function to its optimising compiler
// (TurboFan, on a background thread) once it has run a while ("interrupt budget"); in a scan of
// 2,000 units that meant ~140 functions compiled, and their compilation was paid for within
// the same second, often for no gain before the process ended. With four times V8 11's budget,
// only what stays hot is optimised: a 2,000-unit dense scan (10 alternating runs on one
// pre-encoded responder) took 0.94 s of CPU instead of 1.06 s, and no more wall time (budgets
// of 2× gave 0.98 s, 8× 0.94 s with more wall time, 16× 1.01 s). A long sweep still optimises its
// hot code, a little later.
//
// Contract: set once, before the bundle is compiled (code-cache.ts calls it), by the launcher
// and by the build's warm-up alike: V8 checks a code cache against its flags, so both must
// compile under the same. Never from a library or a test process: V8 flags are not meant to
// change while a process works.

/**
 * Bytecode executed before V8 considers optimising a function: 4 × the default of V8 11 (Node 20,
 * 66 KB). Later V8s (with Maglev as a middle tier) start at 132 KB, where this is twice theirs;
 * the flag has kept its name across V8's versions, so no Node prints "unrecognized flag".
 */
export const INTERRUPT_BUDGET = 4 * 66 * 1024;

let tuned = false;

export function tuneForShortRuns(): void {
  if (tuned) return;
  tuned = true;
  v8.setFlagsFromString(`--interrupt-budget=${INTERRUPT_BUDGET}`);
}
