// `ats-audit chek HOST` would scan a host named "chek" (scan is the default command and takes
// any word as a host). A first word that is not a command but is within a typo of one is
// refused instead, before anything is sent. Pure.

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

function sharedPrefix(a: string, b: string): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

/**
 * The command `word` is probably a typo of, or undefined. Only a bare word of letters can be
 * one (an address, a host name with a dot, a CIDR block never is); close means at most two
 * edits (one for words under five letters: `chek`, `scna`, `chekc`), or a shared stem of five letters or more that leaves at most
 * three on either side (`advisory` for `advisories`).
 */
export function suggestCommand(word: string, commands: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  if (!/^[a-z][a-z-]*$/.test(w) || commands.includes(w)) return undefined;
  let best: { command: string; score: number } | undefined;
  for (const c of commands) {
    const distance = editDistance(w, c);
    const stem = sharedPrefix(w, c);
    const close = distance <= (w.length >= 5 ? 2 : 1) || (stem >= 5 && w.length - stem <= 3 && c.length - stem <= 3);
    if (close && (!best || distance < best.score)) best = { command: c, score: distance };
  }
  return best?.command;
}
