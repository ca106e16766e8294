// A secret typed on the command line is visible to every user of the machine (`ps`,
// /proc/PID/cmdline) for as long as the process runs. This module finds secret values in an
// argument list, whatever spelling the parser would accept, so the process title can be
// rewritten without them. It imports nothing: it runs before the rest of the program loads.

/** Options whose value is a secret: the long name and its one-letter alias. */
export const SECRET_OPTIONS: ReadonlyArray<{ readonly long: string; readonly short?: string }> = [{ long: 'community', short: 'c' }];

export const MASK = '***';

/**
 * The argument list with every secret value replaced by `***`, or undefined when it holds none.
 * Spellings covered: `--community S`, `--community=S`, any abbreviation (`--comm S`: refused by
 * the parser, but the process lives until it says so), `-c S`, `-c=S`, `-cS`, and `-c` at the
 * end of a group of short options (`-qc S`, `-qc=S`). Over-masking is harmless; `--` ends options.
 */
export function hideSecretArgs(argv: readonly string[]): string[] | undefined {
  const out = [...argv];
  let hidden = false;
  const maskNext = (i: number) => {
    if (i + 1 < out.length) {
      out[i + 1] = MASK;
      hidden = true;
    }
  };
  for (let i = 0; i < out.length; i++) {
    const a = out[i]!;
    if (a === '--') break;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (!isSecretLong(eq < 0 ? a.slice(2) : a.slice(2, eq))) continue;
      if (eq >= 0) {
        out[i] = `${a.slice(0, eq + 1)}${MASK}`;
        hidden = true;
      } else {
        maskNext(i);
        i++;
      }
    } else if (a.startsWith('-') && a.length > 1) {
      const at = [...a.slice(1)].findIndex((ch) => SHORTS.has(ch));
      if (at < 0) continue;
      const rest = a.slice(2 + at);
      if (rest === '') {
        maskNext(i);
        i++;
      } else {
        out[i] = `${a.slice(0, 2 + at)}${rest.startsWith('=') ? '=' : ''}${MASK}`;
        hidden = true;
      }
    }
  }
  return hidden ? out : undefined;
}

const SHORTS: ReadonlySet<string> = new Set(SECRET_OPTIONS.flatMap((o) => (o.short ? [o.short] : [])));

/** The option itself, a camelCase or snake_case spelling of it, or a prefix (2+ letters) of it. */
function isSecretLong(name: string): boolean {
  const n = name.toLowerCase().replace(/[-_]/g, '');
  return n.length >= 2 && SECRET_OPTIONS.some((o) => o.long.replace(/-/g, '').startsWith(n));
}
