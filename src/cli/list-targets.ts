import { stringify } from 'csv-stringify/sync';
import { credentialSource, type SourceDefaults } from '../credentials/describe.js';
import type { Config } from '../credentials/config-file.js';
import { forCsvCell, forJsonText, forTerminal } from '../report/sanitize.js';
import type { TargetItem } from '../targets/list.js';
import { targetKey } from '../targets/target.js';
import { UsageError } from './io.js';
import type { ScanArgs } from './options.js';

// --list-targets: the targets after expansion and de-duplication, each with where its
// credentials would come from, as text (default), CSV, JSON or ndjson. Nothing is sent and no
// secret is read: a profile whose key is not set yet is listed, with that said.

export type ListFormat = 'text' | 'csv' | 'json' | 'ndjson';

/** -f table (or none) is text; csv, json and ndjson as asked; other report formats are refused. */
export function listFormat(format: ScanArgs['format']): ListFormat {
  if (format === undefined || format === 'table') return 'text';
  if (format === 'csv' || format === 'json' || format === 'ndjson') return format;
  throw new UsageError(`--list-targets prints text, csv, json or ndjson, not ${format}`);
}

export interface ListedTarget {
  readonly host: string;
  readonly port: number;
  readonly name: string | null;
  readonly site: string | null;
  readonly origin: string;
  readonly credentials: string;
}

/** The run-wide community's option, without reading it. */
export function communityOption(args: Pick<ScanArgs, 'community' | 'communityFile'>, env: NodeJS.ProcessEnv): SourceDefaults['community'] {
  if (args.communityFile !== undefined) return { from: '--community-file', file: args.communityFile };
  if (args.community !== undefined) return { from: '--community' };
  return env.ATS_AUDIT_COMMUNITY ? { from: '$ATS_AUDIT_COMMUNITY' } : undefined;
}

/**
 * The listing, one target at a time (a /8 is 16 million of them: never held whole), calling
 * `problem` for each target whose inventory row names a profile the config file does not have
 * (an error in the input, as for a scan; an unset secret is not one).
 */
export function* listedTargets(
  items: Iterable<TargetItem>,
  ctx: { readonly config: Config; readonly defaults: SourceDefaults; readonly env: NodeJS.ProcessEnv },
  problem: (message: string) => void,
): Generator<ListedTarget> {
  const isSet = (v: string) => (ctx.env[v] ?? '') !== '';
  const { config } = ctx;
  for (const name of [ctx.defaults.profile].filter((n): n is string => n !== undefined)) {
    if (!config.profiles.has(name)) throw new UsageError(`--profile ${name}: ${unknownProfile(config, name)}`);
  }
  for (const { target: t, profile, community } of items) {
    if (profile && !config.profiles.has(profile)) problem(`${t.origin}: ${unknownProfile(config, profile)}`);
    yield {
      host: t.host,
      port: t.port,
      name: t.name ?? null,
      site: t.site ?? null,
      origin: t.origin,
      credentials: credentialSource({ origin: t.origin, profile, community }, { config: ctx.config, defaults: ctx.defaults, isSet }),
    };
  }
}

function unknownProfile(config: Config, name: string): string {
  return `unknown profile ${JSON.stringify(name)} (${config.found ? `not in ${config.file}` : `no config file: ${config.file} not found`})`;
}

/**
 * Writes the listing in `format`, 64 KB at a time; returns how many targets it listed.
 * JSON is `{"tool": "ats-audit", "targets": [...]}`, one target per line inside the list.
 */
export function writeTargetList(list: Iterable<ListedTarget>, format: ListFormat, write: (text: string) => void): number {
  let chunk = format === 'csv' ? csvLine(['host', 'port', 'name', 'site', 'origin', 'credentials']) : format === 'json' ? '{"tool":"ats-audit","targets":[\n' : '';
  let n = 0;
  for (const t of list) {
    chunk += renderOne(t, format, n === 0);
    n++;
    if (chunk.length >= 65_536) {
      write(chunk);
      chunk = '';
    }
  }
  if (format === 'json') chunk += n === 0 ? ']}\n' : '\n]}\n';
  if (chunk !== '') write(chunk);
  return n;
}

function csvLine(cells: Array<string | number>): string {
  return stringify([cells], { record_delimiter: 'windows' });
}

function renderOne(t: ListedTarget, format: ListFormat, first: boolean): string {
  switch (format) {
    case 'json':
      return `${first ? '' : ',\n'}${forJsonText(JSON.stringify(t))}`;
    case 'ndjson':
      return `${forJsonText(JSON.stringify(t))}\n`;
    case 'csv':
      return csvLine([forCsvCell(t.host), t.port, forCsvCell(t.name ?? ''), forCsvCell(t.site ?? ''), forCsvCell(t.origin), forCsvCell(t.credentials)]);
    case 'text': {
      const label = [t.name, t.site].filter(Boolean).join(', ');
      const head = `${forTerminal(targetKey(t), 200)}${label ? `  (${forTerminal(label, 200)})` : ''}`;
      return `${head}  from ${forTerminal(t.origin, 200)}\n    credentials: ${forTerminal(t.credentials, 400)}\n`;
    }
  }
}
