import { EXIT } from '../../exit-codes.js';

// Standard output that fails. A reader that goes away (`ats-audit -f ndjson | head`) ends the
// run quietly, as any Unix filter ends on SIGPIPE; any other write error (`> /dev/full`) is said
// on stderr and the run exits 1 — never with a verdict's exit code for a report nobody received.

/** Exit code when standard output was closed by its reader (EXIT.stdoutClosed: 128 + SIGPIPE). */
export const EXIT_STDOUT_CLOSED = EXIT.stdoutClosed;

let failure: NodeJS.ErrnoException | undefined;

/** Watches process.stdout for write errors; call once, at start. */
export function guardStdout(): void {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => stdoutFailed(e));
}

/**
 * Ends the process for a standard-output write error (idempotent: the first error decides).
 * Later errors of an already failed stream (ERR_STREAM_DESTROYED) defer to the first.
 */
export function stdoutFailed(e: NodeJS.ErrnoException): never {
  if (failure === undefined || e.code !== 'ERR_STREAM_DESTROYED') failure ??= e;
  if (failure.code === 'EPIPE') process.exit(EXIT_STDOUT_CLOSED);
  process.stderr.write(`ats-audit: cannot write to standard output (${failure.code ?? failure.message}): the report was not delivered\n`);
  process.exit(1);
}
