import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import snmp from 'net-snmp';

// MIB modules read with net-snmp's own module store (createModuleStore / loadFromFile), shaped
// for the checks of test/poll/mib.test.ts: our mibs/ATS-AUDIT-MIB.txt against src/poll/oid-map.ts
// and against the vendor's PowerNet-MIB. No SMI parsing of our own: what the store reads is what
// the comparison sees.

/** One named node of a module, with its OID as the store resolved it. */
export interface MibObject {
  readonly name: string;
  /** `OBJECT IDENTIFIER` for plain nodes, otherwise the macro: `OBJECT-TYPE`, ... */
  readonly kind: string;
  /** `{ parent n }` as written: the parent's name and the arcs after it. */
  readonly parent: string;
  readonly arcs: readonly number[];
  readonly fullOid: string;
  /** The SYNTAX's type without an enum list: `INTEGER`, `DisplayString`, `SEQUENCE OF X`. */
  readonly syntax: string | undefined;
  /** Enum labels by number, when the SYNTAX lists them. */
  readonly enums: Readonly<Record<number, string>> | undefined;
  readonly access: string | undefined;
  readonly status: string | undefined;
  readonly description: string | undefined;
}

export interface MibModule {
  readonly moduleName: string;
  /** Symbol -> module it is imported from. */
  readonly imports: ReadonlyMap<string, string>;
  /** Named nodes that have an OID (types such as SEQUENCE definitions are left out). */
  readonly objects: ReadonlyMap<string, MibObject>;
  /** OID -> object defined there. */
  readonly byOid: ReadonlyMap<string, MibObject>;
}

/** What the store says about one definition (net-snmp's shape; not in its typings). */
interface StoreEntry {
  readonly MACRO?: string;
  readonly SYNTAX?: string | Readonly<Record<string, unknown>>;
  readonly ACCESS?: string;
  readonly 'MAX-ACCESS'?: string;
  readonly STATUS?: string;
  readonly DESCRIPTION?: string;
  readonly 'OBJECT IDENTIFIER'?: string;
  readonly OID?: string;
}

interface ModuleStore {
  loadFromFile(file: string): void;
  getModule(name: string): Record<string, unknown> | undefined;
}

export interface LoadedMib {
  readonly module: MibModule;
  /** What the store printed while loading (it reports missing imports on the console). */
  readonly messages: readonly string[];
}

/**
 * Loads `file` into a new store and returns module `moduleName`. The store's console output is
 * captured into `messages` rather than printed. Throws when the store does not hold the module
 * afterwards (a file it could not read as that module).
 */
export function loadMib(file: string, moduleName: string): LoadedMib {
  const store = (snmp as unknown as { createModuleStore(): ModuleStore }).createModuleStore();
  const messages: string[] = [];
  const { log, warn, error } = console;
  const capture = (...args: unknown[]) => void messages.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
  console.log = console.warn = console.error = capture;
  try {
    store.loadFromFile(file);
  } finally {
    Object.assign(console, { log, warn, error });
  }
  const raw = store.getModule(moduleName);
  if (!raw) throw new Error(`${file}: net-snmp's module store holds no module ${moduleName}`);
  return { module: toModule(moduleName, raw), messages };
}

/** Loads MIB text (written to a temporary file: the store reads files). */
export function loadMibText(text: string, moduleName: string): LoadedMib {
  const dir = mkdtempSync(join(tmpdir(), 'ats-mib-'));
  try {
    const file = join(dir, `${moduleName}.txt`);
    writeFileSync(file, text);
    return loadMib(file, moduleName);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function toModule(moduleName: string, raw: Record<string, unknown>): MibModule {
  const imports = new Map<string, string>();
  for (const [from, names] of Object.entries((raw.IMPORTS ?? {}) as Record<string, string[]>)) for (const n of names) imports.set(n, from);
  const objects = new Map<string, MibObject>();
  const byOid = new Map<string, MibObject>();
  for (const [name, value] of Object.entries(raw)) {
    if (name === 'IMPORTS') continue;
    const e = value as StoreEntry;
    if (e.OID === undefined || e['OBJECT IDENTIFIER'] === undefined) continue;
    const [parent = '', ...arcs] = e['OBJECT IDENTIFIER'].trim().split(/\s+/);
    let syntax: string | undefined;
    let enums: Record<number, string> | undefined;
    if (typeof e.SYNTAX === 'string') syntax = e.SYNTAX;
    else if (e.SYNTAX) {
      const [type, detail] = Object.entries(e.SYNTAX)[0] ?? [];
      syntax = type;
      if (detail && typeof detail === 'object' && (type === 'INTEGER' || type === 'BITS')) {
        enums = Object.fromEntries(Object.entries(detail as Record<string, string>).map(([n, label]) => [Number(n), label]));
      }
    }
    const o: MibObject = {
      name,
      kind: e.MACRO ?? 'OBJECT IDENTIFIER',
      parent,
      arcs: arcs.map(Number),
      fullOid: e.OID,
      syntax,
      enums,
      access: e.ACCESS ?? e['MAX-ACCESS'],
      status: e.STATUS,
      description: e.DESCRIPTION,
    };
    objects.set(name, o);
    if (!byOid.has(o.fullOid)) byOid.set(o.fullOid, o);
  }
  return { moduleName, imports, objects, byOid };
}

/** MIB-II `system` objects the tool reads: checked against their well-known OIDs, not a module. */
export const WELL_KNOWN_OIDS: Readonly<Record<string, string>> = {
  sysDescr: '1.3.6.1.2.1.1.1',
  sysObjectID: '1.3.6.1.2.1.1.2',
  sysName: '1.3.6.1.2.1.1.5',
  sysLocation: '1.3.6.1.2.1.1.6',
};

/** `{1: 'fail', 2: 'ok'}` -> `fail(1), ok(2)`, in number order; `-` for none. */
export function formatEnums(enums: Readonly<Record<number, string>> | undefined): string {
  if (!enums) return '-';
  return Object.keys(enums)
    .map(Number)
    .sort((a, b) => a - b)
    .map((n) => `${enums[n]}(${n})`)
    .join(', ');
}

/** Whether `oid` is `root` itself or below it. */
export function isUnder(oid: string | undefined, root: string | undefined): boolean {
  if (oid === undefined || root === undefined) return false;
  return oid === root || oid.startsWith(`${root}.`);
}

/** One way an object of a module differs from its reference. */
export interface MibMismatch {
  readonly name: string;
  readonly field: 'missing' | 'kind' | 'parent' | 'oid' | 'syntax' | 'enums' | 'access';
  readonly ours: string;
  readonly theirs: string;
}

/** Every difference of kind, `{ parent n }`, OID, SYNTAX, enums and access between same-named objects. */
export function compareMibObjects(ours: MibModule, reference: MibModule, names: Iterable<string>): MibMismatch[] {
  const out: MibMismatch[] = [];
  for (const name of names) {
    const a = ours.objects.get(name);
    const b = reference.objects.get(name);
    if (!a || !b) {
      out.push({ name, field: 'missing', ours: a ? a.kind : '(not defined)', theirs: b ? b.kind : '(not defined)' });
      continue;
    }
    const diff = (field: MibMismatch['field'], x: string | undefined, y: string | undefined) => {
      if (x !== y) out.push({ name, field, ours: x ?? '-', theirs: y ?? '-' });
    };
    diff('kind', a.kind, b.kind);
    diff('parent', `{ ${a.parent} ${a.arcs.join(' ')} }`, `{ ${b.parent} ${b.arcs.join(' ')} }`);
    diff('oid', a.fullOid, b.fullOid);
    diff('syntax', a.syntax, b.syntax);
    diff('enums', formatEnums(a.enums), formatEnums(b.enums));
    diff('access', a.access, b.access);
  }
  return out;
}

/** The shape of an entry of src/poll/oid-map.ts's OBJECTS, as far as the MIB check needs it. */
export interface ObjectDefLike {
  readonly name: string;
  readonly oid: string;
  readonly kind: string;
  readonly column?: string;
  readonly values?: Readonly<Record<number, string>>;
}

/** SYNTAX types acceptable for each oid-map `kind`. */
const SYNTAX_FOR_KIND: Readonly<Record<string, readonly string[]>> = {
  string: ['DisplayString', 'OCTET STRING', 'SnmpAdminString'],
  integer: ['INTEGER', 'Integer32', 'Gauge', 'Gauge32', 'Unsigned32'],
  enum: ['INTEGER'],
  oid: ['OBJECT IDENTIFIER'],
};

/**
 * Checks object definitions (src/poll/oid-map.ts) against a module: the name is defined (or is a
 * well-known MIB-II object); tabular objects (`column`): the column is the object's OID and `oid`
 * lies below it; objects in `instanceNames` are read at their own OID; other scalars at OID + `.0`;
 * enum values equal the module's exactly; the kind fits the SYNTAX. One line per problem.
 */
export function checkObjectDefs(defs: Iterable<ObjectDefLike>, module: MibModule, instanceNames: ReadonlySet<string> = new Set()): string[] {
  const out: string[] = [];
  for (const def of defs) {
    const obj = module.objects.get(def.name);
    if (!obj) {
      const known = WELL_KNOWN_OIDS[def.name];
      if (known === undefined) out.push(`${def.name}: not defined in ${module.moduleName}`);
      else if (def.oid !== `${known}.0`) out.push(`${def.name}: oid ${def.oid}, expected ${known}.0 (well-known)`);
      continue;
    }
    if (def.column !== undefined) {
      if (def.column !== obj.fullOid) out.push(`${def.name}: column ${def.column}, module says ${obj.fullOid}`);
      if (!def.oid.startsWith(`${def.column}.`)) out.push(`${def.name}: oid ${def.oid} is not below its column ${def.column}`);
    } else if (instanceNames.has(def.name)) {
      if (def.oid !== obj.fullOid) out.push(`${def.name}: oid ${def.oid}, module says ${obj.fullOid}`);
    } else if (def.oid !== `${obj.fullOid}.0`) {
      out.push(`${def.name}: oid ${def.oid}, module says ${obj.fullOid}.0`);
    }
    const want = formatEnums(def.values);
    const have = formatEnums(obj.enums);
    if (want !== have) out.push(`${def.name}: values ${want}, module says ${have}`);
    const base = obj.syntax ?? '';
    if (!(SYNTAX_FOR_KIND[def.kind] ?? []).includes(base)) out.push(`${def.name}: kind ${def.kind} does not fit SYNTAX ${base || '-'}`);
  }
  return out;
}
