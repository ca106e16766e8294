import type { Argv } from 'yargs';
import { AdvisoryError, loadAdvisoryFile, loadBundledAdvisories, type Advisory } from '../../audit/advisory.js';
import { EXIT } from '../../exit-codes.js';
import { forJsonText, forTerminal } from '../../report/sanitize.js';
import { UsageError, type Io } from '../io.js';
import { outputWidth } from '../options.js';
import { displayWidth, wrapToWidth } from '../../report/text-width.js';

// `ats-audit advisories [--advisory FILE..]`: the bulletins the tool judges against, bundled
// and added, so an operator can see which models and packages are covered before trusting a
// verdict. Added files are validated exactly as `scan --advisory` and `check --advisory` do.

/** A bulletin and where it came from. */
export interface LoadedAdvisory {
  readonly advisory: Advisory;
  /** `bundled`, or the file given with --advisory. */
  readonly origin: 'bundled' | { readonly file: string };
}

/**
 * The bundled bulletins, then each --advisory file in order. Throws UsageError naming the
 * file and every problem (from parseAdvisory), or the id given twice.
 */
export function loadAdvisorySet(files: readonly string[]): LoadedAdvisory[] {
  const all: LoadedAdvisory[] = loadBundledAdvisories().map((advisory) => ({ advisory, origin: 'bundled' as const }));
  for (const file of files) {
    try {
      all.push({ advisory: loadAdvisoryFile(file), origin: { file } });
    } catch (e) {
      if (e instanceof AdvisoryError) throw new UsageError(e.message);
      throw e;
    }
  }
  const seen = new Map<string, LoadedAdvisory>();
  for (const a of all) {
    const first = seen.get(a.advisory.id);
    if (first) {
      throw new UsageError(`advisory ${a.advisory.id} is given twice (${originText(first.origin)} and ${originText(a.origin)})`);
    }
    seen.set(a.advisory.id, a);
  }
  return all;
}

function originText(origin: LoadedAdvisory['origin']): string {
  return origin === 'bundled' ? 'bundled with ats-audit' : origin.file;
}

export interface AdvisoriesArgs {
  readonly advisory: readonly string[];
  readonly json: boolean;
}

export function advisoriesOptions<T>(y: Argv<T>) {
  return y
    .option('advisory', {
      describe: 'Also list (and validate) this bulletin file (JSON, same shape as advisories/*.json)',
      type: 'string',
      array: true,
      default: [] as string[],
      requiresArg: true,
    })
    .option('json', { describe: 'Print the bulletins as JSON', type: 'boolean', default: false });
}

/** One bulletin as the JSON listing shows it. */
export interface AdvisoryListing {
  readonly id: string;
  readonly title: string;
  readonly source: string;
  /** "bundled" or the file it was read from. */
  readonly origin: string;
  readonly hazard: string;
  readonly models: readonly string[];
  readonly packages: readonly string[];
  /** "all", or the ranges the bulletin is limited to. */
  readonly firmware: 'all' | ReadonlyArray<{ readonly from?: string; readonly to?: string }>;
  readonly serials: 'all' | ReadonlyArray<{ readonly from?: string; readonly to?: string }>;
  readonly procedures: Readonly<Record<string, string>>;
  /** `models`: the pattern as model names (`AP44*` for "any model starting AP44"); `pattern` as written. */
  readonly lookalikes: ReadonlyArray<{ readonly models: readonly string[]; readonly pattern: string; readonly note: string }>;
}

/**
 * A look-alike pattern as the model names it matches, for people: `^AP7722$|^AP7750$` is
 * AP7722 and AP7750, `^AP44` is AP44*. An alternative that is not an anchored literal is
 * shown as written, between slashes, rather than guessed at.
 */
export function modelsOf(pattern: string): string[] {
  return pattern.split('|').map((alt) => {
    const m = /^\^([A-Za-z0-9-]+)(\$?)$/.exec(alt);
    if (!m) return `/${alt}/`;
    return m[2] ? m[1]! : `${m[1]}*`;
  });
}

export function advisoryListing(a: LoadedAdvisory): AdvisoryListing {
  const { advisory } = a;
  return {
    id: advisory.id,
    title: advisory.title,
    source: advisory.source,
    origin: a.origin === 'bundled' ? 'bundled' : a.origin.file,
    hazard: advisory.hazard,
    models: [...advisory.models],
    packages: [...advisory.packages],
    firmware: advisory.firmware,
    serials: advisory.serials,
    procedures: { ...advisory.procedures },
    lookalikes: advisory.lookalikes.map((l) => ({ models: modelsOf(l.pattern.source), pattern: l.pattern.source, note: l.note })),
  };
}

/** Longest piece of bulletin text shown on one line (a bulletin is data a user may have written). */
const TEXT_MAX = 400;

/**
 * The listing for people; every piece of bulletin text goes through forTerminal. With a
 * width (a terminal's, or $COLUMNS), each line wraps under its label; without, one line each.
 */
export function renderAdvisories(list: readonly LoadedAdvisory[], width?: number): string {
  const t = (s: string) => forTerminal(s, TEXT_MAX);
  const lines: string[] = [];
  for (const item of list) {
    const a = advisoryListing(item);
    lines.push(
      `${t(a.id)}  ${t(a.title)}`,
      `  from:       ${item.origin === 'bundled' ? 'bundled with ats-audit' : t(a.origin)}`,
      `  source:     ${t(a.source)}`,
      `  hazard:     ${t(a.hazard)}`,
      `  models:     ${a.models.map(t).join(', ')} (exact: suffixes matter)`,
      `  packages:   ${a.packages.map(t).join(', ')}`,
      `  firmware:   ${scope(a.firmware, t)}; serials: ${scope(a.serials, t)}`,
    );
    for (const [id, text] of Object.entries(a.procedures)) lines.push(`  procedure ${t(id)}: ${t(text)}`);
    for (const l of a.lookalikes) {
      const wildcard = l.models.some((m) => m.endsWith('*')) ? ' (* = any model starting so)' : '';
      lines.push(`  not listed: ${l.models.map(t).join(', ')}${wildcard}: ${t(l.note)}`);
    }
    lines.push('');
  }
  const n = list.length;
  lines.push(`${n} ${n === 1 ? 'bulletin' : 'bulletins'}: ${list.map((x) => t(x.advisory.id)).join(', ')}`);
  const fitted = width === undefined ? lines : lines.flatMap((l) => wrapUnderLabel(l, width));
  return `${fitted.join('\n')}\n`;
}

/** `  label:     text` wrapped to `width`, continuation lines indented to where the text starts. */
function wrapUnderLabel(line: string, width: number): string[] {
  if (displayWidth(line) <= width) return [line];
  const m = /^( +[a-z][a-z -]*?:\s+)(.*)$/.exec(line);
  const indent = m ? displayWidth(m[1]!) : 2;
  const head = m ? m[1]! : '';
  const textWidth = Math.max(20, width - indent);
  const wrapped = wrapToWidth(m ? m[2]! : line, textWidth);
  return wrapped.map((l, i) => (i === 0 ? head + l : ' '.repeat(indent) + l));
}

/** "all", or "v3.5.7 to v3.7.1, v6.4.0 and later". */
function scope(ranges: AdvisoryListing['firmware'], t: (s: string) => string): string {
  if (ranges === 'all') return 'all';
  return ranges.map((r) => (r.from && r.to ? `${t(r.from)} to ${t(r.to)}` : r.from ? `${t(r.from)} and later` : `up to ${t(r.to ?? '')}`)).join(', ');
}

function validateArgs(a: Record<string, unknown>): AdvisoriesArgs {
  const files = Array.isArray(a.advisory) ? a.advisory.map(String) : a.advisory === undefined ? [] : [String(a.advisory)];
  if (files.some((f) => f.trim() === '')) throw new UsageError('--advisory: expected a file name');
  return { advisory: files, json: a.json === true };
}

/** Lists the bulletins; returns the exit code (0, or 2 for an invalid or unreadable --advisory file). */
export async function runAdvisories(raw: Record<string, unknown>, io: Io): Promise<number> {
  let list: LoadedAdvisory[];
  let args: AdvisoriesArgs;
  try {
    args = validateArgs(raw);
    list = loadAdvisorySet(args.advisory);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr.write(`ats-audit: ${forTerminal(e.message, TEXT_MAX)}\n`);
    return EXIT.usage;
  }
  if (args.json) {
    io.stdout.write(`${forJsonText(JSON.stringify({ advisories: list.map(advisoryListing) }, null, 2))}\n`);
  } else {
    io.stdout.write(renderAdvisories(list, outputWidth(io.stdout, io.env)));
  }
  return EXIT.clear;
}
