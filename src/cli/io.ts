// What the command reads and writes, passed in so tests and the demo can run it in-process.

export interface Io {
  /** `once('drain')`, when present, lets a long report wait for a slow reader (report-stream.ts). */
  readonly stdout: {
    write(s: string | Uint8Array): unknown;
    once?(event: 'drain', listener: () => void): unknown;
    readonly isTTY?: boolean;
    readonly columns?: number;
  };
  readonly stderr: { write(s: string): unknown; readonly isTTY?: boolean; readonly columns?: number };
  readonly env: NodeJS.ProcessEnv;
  /** Reads all of standard input (for `--inventory -`). */
  readonly readStdin: () => Promise<string>;
  /**
   * Calls `onFirst` on the first SIGINT/SIGTERM (the scan then stops and reports what it has);
   * a second signal a second or more later ends the process at once (see InterruptPolicy).
   * Returns the unsubscribe function.
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
      const policy = new InterruptPolicy();
      const handler = (signal: NodeJS.Signals) => {
        const action = policy.onSignal(performance.now());
        if (action === 'first') onFirst(signal);
        else if (action === 'stop') {
          process.stderr.write(`ats-audit: ${signal} again: stopping now, no report written\n`);
          process.exit(130);
        }
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

/**
 * One interrupt is often delivered more than once within milliseconds: GNU `timeout` signals
 * the child and then its process group, `systemctl stop` signals every process of the unit, a
 * Ctrl-C reaches the whole foreground group (and the DES parent forwards it to its child again).
 * So a repeat within `DUPLICATE_MS` of the first is the same interrupt; only one a second or
 * more later is a person asking to stop at once.
 */
export class InterruptPolicy {
  static readonly DUPLICATE_MS = 1000;
  private first: number | undefined;

  /** `first`: stop and report; `duplicate`: ignore; `stop`: end the process now. */
  onSignal(now: number): 'first' | 'duplicate' | 'stop' {
    if (this.first === undefined) {
      this.first = now;
      return 'first';
    }
    return now - this.first < InterruptPolicy.DUPLICATE_MS ? 'duplicate' : 'stop';
  }
}

/** A usage or input error: reported in one line, exit code 2, nothing sent. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
