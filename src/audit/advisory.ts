import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../package-root.js';
import { errorCode, readProblem } from '../file-problem.js';

// A bulletin is data: the next one is a JSON file in advisories/, not a code change.

export type ProcedureId = 'isolate-secondary' | 'remove-load';

/** An inclusive range; either end may be open (never both). */
export interface Range {
  readonly from?: string;
  readonly to?: string;
}

/**
 * What a look-alike model is, for the package plan: a first-generation Rack ATS (removable card,
 * AOS 2.x: the bulletin's 3.x packages are the wrong firmware for it) or another ATS line (its
 * own card and firmware: the Rack ATS packages are the wrong product).
 */
export type LookalikeFamily = 'first-generation' | 'other-line';

export interface Advisory {
  readonly id: string;
  readonly title: string;
  readonly source: string;
  readonly hazard: string;
  /** Exact model numbers; suffixes matter (AP7722A is listed, AP7722 is not). */
  readonly models: readonly string[];
  /**
   * Card application firmware versions the bulletin covers (compared with the unit's application
   * version, e.g. v3.7.1, numerically by part), or `all`.
   */
  readonly firmware: 'all' | readonly Range[];
  /**
   * Serial numbers the bulletin covers, or `all`. A range compares the serial's first characters
   * (as many as the range's ends have), case-insensitively, in character order.
   */
  readonly serials: 'all' | readonly Range[];
  /** Hazardous upgrade package file names. */
  readonly packages: readonly string[];
  readonly procedures: Readonly<Record<ProcedureId, string>>;
  /** Models that look listed but are not, with the note to show and, where known, their family. */
  readonly lookalikes: ReadonlyArray<{ readonly pattern: RegExp; readonly note: string; readonly family?: LookalikeFamily }>;
}

export class AdvisoryError extends Error {
  override readonly name = 'AdvisoryError';
}

const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string' && s.trim() !== '');
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const KEYS = ['id', 'title', 'source', 'hazard', 'models', 'firmware', 'serials', 'packages', 'procedures', 'lookalikes'] as const;
const PROCEDURE_KEYS = ['isolate-secondary', 'remove-load'] as const;
const LOOKALIKE_KEYS = ['pattern', 'note', 'family'] as const;
const FAMILIES: readonly LookalikeFamily[] = ['first-generation', 'other-line'];

/**
 * A key the file has that the format does not: named only when it looks like a key, so that a
 * file given by mistake (a secret, a config) is never quoted back.
 */
function unknownKeys(o: Record<string, unknown>, known: readonly string[], where: string): string[] {
  return Object.keys(o)
    .filter((k) => !known.includes(k))
    .map((k) => (/^[A-Za-z][A-Za-z0-9_-]{0,31}$/.test(k) ? `unknown key ${where}"${k}"` : `an unknown key ${where ? `in ${where.slice(0, -1)}` : ''}`.trim()));
}

/** A firmware version: "v3.7.1", "3.7.1", "3.9": its numbers, or undefined. */
export function parseVersion(text: string): number[] | undefined {
  const m = /^\s*v?(\d{1,4}(?:\.\d{1,4}){0,3})\s*$/i.exec(text);
  return m ? m[1]!.split('.').map(Number) : undefined;
}

export function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** `all`, or ranges; problems named by path, values never quoted. */
function parseRanges(v: unknown, key: 'firmware' | 'serials', problems: string[]): 'all' | Range[] {
  if (v === undefined || v === 'all') return 'all';
  if (!Array.isArray(v) || v.length === 0) {
    problems.push(`"${key}" must be "all" or a non-empty array of {"from", "to"} ranges`);
    return 'all';
  }
  const ranges: Range[] = [];
  v.forEach((r: unknown, i) => {
    const at = `"${key}[${i}]"`;
    if (!isObject(r)) return void problems.push(`${at} must be an object with "from" and/or "to"`);
    problems.push(...unknownKeys(r, ['from', 'to'], `${key}[${i}].`));
    const ends = [r.from, r.to].filter((e) => e !== undefined);
    if (ends.length === 0 || !ends.every((e) => typeof e === 'string' && e.trim() !== '')) {
      return void problems.push(`${at} needs "from" and/or "to" as non-empty strings`);
    }
    if (key === 'firmware' && !ends.every((e) => parseVersion(e as string) !== undefined)) {
      return void problems.push(`${at}: versions must look like v3.7.1`);
    }
    if (key === 'serials' && r.from !== undefined && r.to !== undefined && (r.from as string).length !== (r.to as string).length) {
      return void problems.push(`${at}: "from" and "to" must have the same length`);
    }
    ranges.push({ ...(r.from !== undefined && { from: r.from as string }), ...(r.to !== undefined && { to: r.to as string }) });
  });
  return ranges;
}

/** Validate parsed JSON as an advisory; throws AdvisoryError naming the file and every problem (never quoting its values). */
export function parseAdvisory(json: unknown, file: string): Advisory {
  const problems: string[] = [];
  const o = isObject(json) ? json : {};
  if (o !== json) problems.push('expected a JSON object');
  problems.push(...unknownKeys(o, KEYS, ''));
  for (const key of ['id', 'title', 'source', 'hazard'] as const) {
    if (typeof o[key] !== 'string' || (o[key] as string).trim() === '') problems.push(`"${key}" must be a non-empty string`);
  }
  if (!isStringArray(o.models) || o.models.length === 0) problems.push('"models" must be a non-empty array of model numbers');
  if (!isStringArray(o.packages) || o.packages.length === 0) problems.push('"packages" must be a non-empty array of package file names');
  const firmware = parseRanges(o.firmware, 'firmware', problems);
  const serials = parseRanges(o.serials, 'serials', problems);
  const proc = isObject(o.procedures) ? o.procedures : {};
  if (!isObject(o.procedures)) problems.push('"procedures" must be an object');
  else problems.push(...unknownKeys(proc, PROCEDURE_KEYS, 'procedures.'));
  for (const key of PROCEDURE_KEYS) {
    if (typeof proc[key] !== 'string') problems.push(`"procedures.${key}" must be a string`);
  }
  const lookalikes: Array<{ pattern: RegExp; note: string; family?: LookalikeFamily }> = [];
  if (o.lookalikes !== undefined) {
    if (!Array.isArray(o.lookalikes)) problems.push('"lookalikes" must be an array');
    else
      o.lookalikes.forEach((l: unknown, i) => {
        const e = isObject(l) ? l : {};
        problems.push(...unknownKeys(e, LOOKALIKE_KEYS, `lookalikes[${i}].`));
        if (typeof e.pattern !== 'string' || typeof e.note !== 'string') {
          problems.push(`"lookalikes[${i}]" needs string "pattern" and "note"`);
          return;
        }
        if (e.family !== undefined && !FAMILIES.includes(e.family as LookalikeFamily)) {
          problems.push(`"lookalikes[${i}].family" must be one of ${FAMILIES.join(', ')}`);
          return;
        }
        try {
          lookalikes.push({ pattern: new RegExp(e.pattern, 'i'), note: e.note, ...(e.family !== undefined && { family: e.family as LookalikeFamily }) });
        } catch {
          problems.push(`"lookalikes[${i}].pattern" is not a valid regular expression`);
        }
      });
  }
  if (problems.length > 0) throw new AdvisoryError(`${file}: invalid advisory: ${problems.join('; ')}`);
  return {
    id: o.id as string,
    title: o.title as string,
    source: o.source as string,
    hazard: o.hazard as string,
    models: (o.models as string[]).map(normaliseModel),
    firmware,
    serials,
    packages: o.packages as string[],
    procedures: { 'isolate-secondary': proc['isolate-secondary'] as string, 'remove-load': proc['remove-load'] as string },
    lookalikes,
  };
}

/** Reads and validates one bulletin file. Errors name the file and where, never its contents. */
export function loadAdvisoryFile(file: string): Advisory {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new AdvisoryError(`--advisory ${file}: ${readProblem(errorCode(e))}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    // V8's message quotes the text around the error: only a position, where it gives one, is kept.
    throw new AdvisoryError(`--advisory ${file}: not valid JSON${jsonErrorPosition(text, (e as Error).message)} (contents not shown)`);
  }
  return parseAdvisory(json, file);
}

/** " at line L column C" from a JSON.parse message's position, or "" when it has none. */
function jsonErrorPosition(text: string, message: string): string {
  const line = /line (\d+) column (\d+)/.exec(message);
  if (line) return ` at line ${line[1]} column ${line[2]}`;
  const pos = /position (\d+)/.exec(message);
  if (!pos) return /end of JSON input/i.test(message) ? ' (it ends too early)' : '';
  const before = text.slice(0, Number(pos[1]));
  const lines = before.split('\n');
  return ` at line ${lines.length} column ${lines.at(-1)!.length + 1}`;
}

/** The bulletins shipped with the tool, in advisories/ at the package root. */
export function loadBundledAdvisories(): Advisory[] {
  const dir = join(packageRoot(), 'advisories');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => loadAdvisoryFile(join(dir, f)));
}

/** Model numbers compare exactly, ignoring case and surrounding blanks. */
export function normaliseModel(model: string): string {
  return model.trim().toUpperCase();
}

export function listsModel(advisory: Advisory, model: string): boolean {
  return advisory.models.includes(normaliseModel(model));
}
