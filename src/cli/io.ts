// What the command reads and writes, passed in so tests and the demo can run it in-process.

export interface Io {
  readonly stdout: { write(s: string): unknown; readonly isTTY?: boolean; readonly columns?: number };
  readonly stderr: { write(s: string): unknown; readonly isTTY?: boolean; readonly columns?: number };
  readonly env: NodeJS.ProcessEnv;
  /** Reads all of standard input (for `--inventory -`). */
  readonly readStdin: () => Promise<string>;
  /**
   * Calls `onFirst` on the first SIGINT/SIGTERM (the scan then stops and reports what it has);
   * a second signal ends the process at once. Returns the unsubscribe function.
   */
  readonly onInterrupt?: (onFirst: (signal: string) => void) => () => void;
}

export function processIo(): Io {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    onInterrupt: (onFirst) => {
      let seen = false;
      const handler = (signal: NodeJS.Signals) => {
        if (seen) {
          process.stderr.write(`ats-audit: ${signal} again: stopping now, no report written\n`);
          process.exit(130);
        }
        seen = true;
        onFirst(signal);
      };
      process.on('SIGINT', handler);
      process.on('SIGTERM', handler);
      return () => {
        process.off('SIGINT', handler);
        process.off('SIGTERM', handler);
      };
    },
  };
}

/** A usage or input error: reported in one line, exit code 2, nothing sent. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
