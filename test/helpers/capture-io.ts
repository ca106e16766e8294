import type { Io } from '../../src/cli/io.js';

/** An Io that records what the command writes, for running `main` in-process. */
export function captureIo(options: { stdin?: string; env?: NodeJS.ProcessEnv; tty?: boolean } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = {
    stdout: { write: (s: string) => out.push(s), isTTY: options.tty ?? false, columns: 120 },
    stderr: { write: (s: string) => err.push(s), isTTY: false },
    env: options.env ?? {},
    readStdin: async () => options.stdin ?? '',
  };
  return {
    io,
    stdout: () => out.join(''),
    stderr: () => err.join(''),
  };
}
