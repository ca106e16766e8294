import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../package-root.js';
import { errorCode, readProblem } from '../file-problem.js';

// A bulletin is data: the next one is a JSON file in advisories/, not a code change.

export type ProcedureId = 'isolate-secondary' | 'remove-load';

export interface Advisory {
  readonly id: string;
  readonly title: string;
  readonly source: string;
  readonly hazard: string;
  /** Exact model numbers; suffixes matter (AP7722A is listed, AP7722 is not). */
  readonly models: readonly string[];
  /** Hazardous upgrade package file names. */
  readonly packages: readonly string[];
  readonly procedures: Readonly<Record<ProcedureId, string>>;
  /** Models that look listed but are not, with the note to show. */
  readonly lookalikes: ReadonlyArray<{ readonly pattern: RegExp; readonly note: string }>;
}

export class AdvisoryError extends Error {
  override readonly name = 'AdvisoryError';
}

const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string' && s.trim() !== '');

/** Validate parsed JSON as an advisory; throws AdvisoryError naming the file and every problem. */
export function parseAdvisory(json: unknown, file: string): Advisory {
  const problems: string[] = [];
  const o = (typeof json === 'object' && json !== null && !Array.isArray(json) ? json : {}) as Record<string, unknown>;
  if (o !== json) problems.push('expected a JSON object');
  for (const key of ['id', 'title', 'source', 'hazard'] as const) {
    if (typeof o[key] !== 'string' || (o[key] as string).trim() === '') problems.push(`"${key}" must be a non-empty string`);
  }
  if (!isStringArray(o.models) || o.models.length === 0) problems.push('"models" must be a non-empty array of model numbers');
  if (!isStringArray(o.packages) || o.packages.length === 0) problems.push('"packages" must be a non-empty array of package file names');
  const proc = (o.procedures ?? {}) as Record<string, unknown>;
  for (const key of ['isolate-secondary', 'remove-load'] as const) {
    if (typeof proc[key] !== 'string') problems.push(`"procedures.${key}" must be a string`);
  }
  const lookalikes: Array<{ pattern: RegExp; note: string }> = [];
  if (o.lookalikes !== undefined) {
    if (!Array.isArray(o.lookalikes)) problems.push('"lookalikes" must be an array');
    else
      o.lookalikes.forEach((l: unknown, i) => {
        const e = (l ?? {}) as Record<string, unknown>;
        if (typeof e.pattern !== 'string' || typeof e.note !== 'string') {
          problems.push(`"lookalikes[${i}]" needs string "pattern" and "note"`);
          return;
        }
        try {
          lookalikes.push({ pattern: new RegExp(e.pattern, 'i'), note: e.note });
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
    packages: o.packages as string[],
    procedures: { 'isolate-secondary': proc['isolate-secondary'] as string, 'remove-load': proc['remove-load'] as string },
    lookalikes,
  };
}

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
    throw new AdvisoryError(`--advisory ${file}: not valid JSON (${(e as Error).message})`);
  }
  return parseAdvisory(json, file);
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
