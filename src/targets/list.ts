// Turns the targets a user named (command-line arguments and inventory files) into one lazy,
// de-duplicated stream of targets. Pure: the caller reads the files.
//
// Order: arguments first, in the order given, then each inventory in the order given, row by row.
//
// De-duplication is by host and port (`targetKey`): hostnames are compared lower-case and IPv6
// addresses in RFC 5952 form (both done by parseTargetSpec), so "ATS1.example" and "ats1.example",
// or "2001:db8::5" and "2001:0db8:0:0::5", are one target. Hostnames are not resolved: a name and
// its address are two targets. The first occurrence wins whole: its origin, name, site, community
// and profile are kept, and a later duplicate is dropped even when it carries a name or site the
// first lacks. Nothing is merged, so every field of a target comes from the one line its origin
// names, and a user who wants a label to win puts that line first.
//
// De-duplication never holds the hosts of a block: what has been produced is kept as the set of
// single hosts named (one per source line) and the merged intervals of the blocks and ranges
// (one per source line at most), so `--allow-large` on a /8 runs in flat memory.

import type { Target } from './target.js';
import { targetKey } from './target.js';
import { parseInventory, type Inventory, type InventoryEntry } from './inventory.js';
import { IntervalSet } from './interval-set.js';
import { addressBounds, addressOf, addressText, parseTargetSpec, type TargetSpec } from './spec.js';

/** One target to audit. The caller turns `community` (or its default) into Credentials. */
export interface TargetItem {
  readonly target: Target;
  readonly community?: string;
  readonly profile?: string;
}

/** A parsed spec with where it came from and the labels it carries. */
export type TargetSource = InventoryEntry;

export interface TargetError {
  /** "argument 3" or "fleet.csv:14". */
  readonly origin: string;
  /** The full message: `argument 3: "10.0.0.300": not an IPv4 address or hostname`. */
  readonly message: string;
  /**
   * The bad entry as a Target, so a report can list it: `host` is the host field as written
   * (not a valid host), or the row's place ("fleet.csv:14") when its cells could not be read
   * into their columns; `port` the default port, plus the CSV row's name and site when known.
   * Never a community, never any other cell.
   */
  readonly target: Target;
}

/** Accepted, but not exactly as written. */
export interface TargetNote {
  readonly origin: string;
  readonly message: string;
}

export interface TargetList {
  /** Every spec that parsed, in order, before expansion. */
  readonly sources: readonly TargetSource[];
  /**
   * The targets, expanded lazily and de-duplicated as they are produced. Each iteration starts
   * afresh; its memory grows with the sources, never with the hosts of a block.
   */
  readonly targets: Iterable<TargetItem>;
  /** One per bad target or inventory row: each gets a report row. */
  readonly errors: readonly TargetError[];
  /** Inventory files refused whole (no host column, CSV read as a list...): nothing may be sent. */
  readonly refused: readonly TargetNote[];
  /** Accepted but not exactly as written (host bits set in a CIDR block). */
  readonly notes: readonly TargetNote[];
  /** Targets before de-duplication: see countTargets. */
  readonly count: number;
}

export interface TargetInputs {
  readonly args: readonly string[];
  /** Inventory text to parse, or an inventory already read (a workbook: see inventory-file.ts). */
  readonly inventories: ReadonlyArray<{ readonly file: string; readonly text: string } | { readonly file: string; readonly inventory: Inventory }>;
}

export interface TargetOptions {
  readonly port: number;
  readonly allowLarge: boolean;
}

export function buildTargets(inputs: TargetInputs, options: TargetOptions): TargetList {
  const sources: TargetSource[] = [];
  const errors: TargetError[] = [];
  const notes: TargetNote[] = [];
  const refused: TargetNote[] = [];

  inputs.args.forEach((arg, index) => {
    const origin = `argument ${index + 1}`;
    const parsed = parseTargetSpec(arg, options);
    if (!parsed.ok) {
      errors.push({ origin, message: `${origin}: ${parsed.error}`, target: { host: arg.trim(), port: options.port, origin } });
      return;
    }
    if (parsed.note !== undefined) notes.push({ origin, message: `${origin}: ${parsed.note}` });
    sources.push({ spec: parsed.spec, origin });
  });

  for (const input of inputs.inventories) {
    const inventory = 'inventory' in input ? input.inventory : parseInventory(input.text, input.file, options);
    if (inventory.refused !== undefined) {
      refused.push({ origin: `${inventory.refused.file}:${inventory.refused.line}`, message: inventory.refused.message });
      continue;
    }
    for (const entry of inventory.entries) sources.push(entry);
    for (const e of inventory.errors) {
      const origin = `${e.file}:${e.line}`;
      const target: Target = {
        host: e.host === undefined || e.host === '' ? origin : e.host,
        port: options.port,
        ...(e.name !== undefined && { name: e.name }),
        ...(e.site !== undefined && { site: e.site }),
        origin,
      };
      errors.push({ origin, message: e.message, target });
    }
    for (const n of inventory.notes) notes.push({ origin: `${n.file}:${n.line}`, message: n.message });
  }

  return {
    sources,
    targets: { [Symbol.iterator]: () => expandSources(sources) },
    errors,
    refused,
    notes,
    count: countTargets(sources),
  };
}

/**
 * How many targets the sources name before expansion and de-duplication: the sum of the specs'
 * sizes, computed without expanding anything. An upper bound for progress displays; a number,
 * exact up to 2^53 (only --allow-large IPv6 blocks go beyond, where it is rounded).
 */
export function countTargets(sources: Iterable<{ readonly spec: TargetSpec }>): number {
  let total = 0n;
  for (const { spec } of sources) total += spec.size;
  return Number(total);
}

/**
 * Expands the sources in order, dropping every host:port already produced (first one wins).
 * Memory: one key per single-host source and one interval per block or range source.
 */
export function* expandSources(sources: Iterable<TargetSource>): Generator<TargetItem, void, undefined> {
  const singles = new Set<string>(); // targetKey of every single host produced
  const blocks = new Map<string, IntervalSet>(); // "ipv4:161" -> addresses of the blocks produced
  const blocksOf = (family: string, port: number): IntervalSet => {
    const key = `${family}:${port}`;
    let set = blocks.get(key);
    if (set === undefined) blocks.set(key, (set = new IntervalSet()));
    return set;
  };
  for (const source of sources) {
    const { spec } = source;
    if (spec.kind === 'host') {
      const key = targetKey(spec);
      if (singles.has(key)) continue;
      const n = addressOf(spec);
      if (n !== undefined && blocks.get(`${spec.hostKind}:${spec.port}`)?.find(n) !== undefined) continue;
      singles.add(key);
      yield item(source, spec);
      continue;
    }
    const covered = blocksOf(spec.family, spec.port);
    const { first, last } = addressBounds(spec);
    let n = first;
    while (n <= last) {
      const inside = covered.find(n);
      if (inside !== undefined) {
        n = inside.end + 1n;
        continue;
      }
      const stop = covered.nextStartAfter(n);
      const end = stop !== undefined && stop - 1n < last ? stop - 1n : last;
      for (; n <= end; n++) {
        const address = { host: addressText(n, spec.family), port: spec.port };
        if (singles.size > 0 && singles.has(targetKey(address))) continue;
        yield item(source, address);
      }
    }
    covered.add(first, last);
  }
}

function item(source: TargetSource, address: { host: string; port: number }): TargetItem {
  const target: Target = {
    host: address.host,
    port: address.port,
    ...(source.name !== undefined && { name: source.name }),
    ...(source.site !== undefined && { site: source.site }),
    origin: source.origin,
  };
  return {
    target,
    ...(source.community !== undefined && { community: source.community }),
    ...(source.profile !== undefined && { profile: source.profile }),
  };
}
