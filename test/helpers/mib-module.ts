// A small, pure reader for the subset of SMI (v1 and v2) that MIB modules use to name
// objects: `name OBJECT IDENTIFIER ::= { parent n }` and `name OBJECT-TYPE ... ::= { parent n }`
// (and the other value macros of the same shape), with SYNTAX (enum lists included), ACCESS,
// STATUS and DESCRIPTION. It does not check types, SEQUENCE definitions or macro bodies.
// Used by test/poll/mib.test.ts to hold mibs/ATS-AUDIT-MIB.txt to src/poll/oid-map.ts and to the vendor's
// PowerNet-MIB. No I/O: callers pass the text.

/** One named node of a module, as written, with its OID resolved where possible. */
export interface MibObject {
  readonly name: string;
  /** `OBJECT IDENTIFIER` for plain nodes, otherwise the macro: `OBJECT-TYPE`, `TRAP-TYPE`... */
  readonly kind: string;
  /** First component of the OID value (`''` when the value starts with a number). */
  readonly parent: string;
  /** Last arc of the OID value. */
  readonly subId: number;
  /** Every numeric arc after `parent` (one element for the usual `{ parent n }`). */
  readonly arcs: readonly number[];
  /** Dotted OID, or undefined when a parent cannot be resolved. */
  readonly fullOid: string | undefined;
  /** SYNTAX without its enum list, whitespace normalised: `INTEGER`, `DisplayString (SIZE(0..64))`. */
  readonly syntax: string | undefined;
  /** Enum (or BITS) labels by number, when SYNTAX has a `{ label(n), ... }` list. */
  readonly enums: Readonly<Record<number, string>> | undefined;
  /** ACCESS or MAX-ACCESS. */
  readonly access: string | undefined;
  readonly status: string | undefined;
  /** DESCRIPTION text without the quotes. */
  readonly description: string | undefined;
  /** Clause keywords seen before `::=`, in order (for sanity checks on a module). */
  readonly clauses: readonly string[];
  /** 1-based line of the definition. */
  readonly line: number;
}

export interface MibModule {
  /** Name before the first `DEFINITIONS ::= BEGIN`. */
  readonly moduleName: string | undefined;
  /** Every `X DEFINITIONS ::= BEGIN` header found, in order. */
  readonly moduleNames: readonly string[];
  /** Whether the last module body ends with `END`. */
  readonly ended: boolean;
  /** Symbol -> module it is imported from. */
  readonly imports: ReadonlyMap<string, string>;
  /** Named nodes, first definition wins. */
  readonly objects: ReadonlyMap<string, MibObject>;
  /** Resolved OID -> first object defined there. */
  readonly byOid: ReadonlyMap<string, MibObject>;
  /** Names defined more than once. */
  readonly duplicates: readonly string[];
  /** Names whose OID could not be resolved (unknown parent or a cycle). */
  readonly unresolved: readonly string[];
  /** Constructs the reader could not make sense of, with line numbers. */
  readonly problems: readonly string[];
}

/**
 * OIDs a module may use without defining them: the SMI roots down to `enterprises`, and the
 * MIB-II `system` objects (SNMPv2-MIB) the tool reads. A module's own definitions win over these.
 */
export const WELL_KNOWN_OIDS: Readonly<Record<string, string>> = {
  ccitt: '0',
  iso: '1',
  'joint-iso-ccitt': '2',
  org: '1.3',
  dod: '1.3.6',
  internet: '1.3.6.1',
  directory: '1.3.6.1.1',
  mgmt: '1.3.6.1.2',
  'mib-2': '1.3.6.1.2.1',
  system: '1.3.6.1.2.1.1',
  sysDescr: '1.3.6.1.2.1.1.1',
  sysObjectID: '1.3.6.1.2.1.1.2',
  sysUpTime: '1.3.6.1.2.1.1.3',
  sysContact: '1.3.6.1.2.1.1.4',
  sysName: '1.3.6.1.2.1.1.5',
  sysLocation: '1.3.6.1.2.1.1.6',
  private: '1.3.6.1.4',
  enterprises: '1.3.6.1.4.1',
};

/** Macros whose instances are named values with an `::= { parent n }` OID. */
const VALUE_MACROS = new Set([
  'OBJECT-TYPE',
  'OBJECT-IDENTITY',
  'MODULE-IDENTITY',
  'NOTIFICATION-TYPE',
  'OBJECT-GROUP',
  'NOTIFICATION-GROUP',
  'MODULE-COMPLIANCE',
  'AGENT-CAPABILITIES',
  'TRAP-TYPE',
]);

/** Clause keywords that end a SYNTAX clause. */
const AFTER_SYNTAX = new Set(['UNITS', 'ACCESS', 'MAX-ACCESS', 'MIN-ACCESS', 'WRITE-SYNTAX', 'STATUS', 'DESCRIPTION', '::=']);

/** Clause keywords recorded in `clauses`. */
const CLAUSES = new Set([
  'SYNTAX', 'UNITS', 'ACCESS', 'MAX-ACCESS', 'STATUS', 'DESCRIPTION', 'REFERENCE', 'INDEX', 'AUGMENTS',
  'DEFVAL', 'ENTERPRISE', 'VARIABLES', 'OBJECTS', 'NOTIFICATIONS', 'LAST-UPDATED', 'ORGANIZATION',
  'CONTACT-INFO', 'REVISION', 'DISPLAY-HINT',
]);

type TokenKind = 'id' | 'num' | 'str' | 'sym';

interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly line: number;
}

const isDigit = (c: number) => c >= 48 && c <= 57;
const isLetter = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isIdChar = (c: number) => isLetter(c) || isDigit(c) || c === 95; // _
const isLower = (s: string) => {
  const c = s.charCodeAt(0);
  return c >= 97 && c <= 122;
};

/**
 * Splits MIB text into tokens. `--` starts a comment that runs to the end of the line;
 * strings are `"..."` (a doubled `""` is a quote inside); `'...'H` / `'...'B` are one token.
 */
function tokenize(text: string): Token[] {
  const out: Token[] = [];
  const n = text.length;
  let i = 0;
  let line = 1;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      line++;
      i++;
      continue;
    }
    if (c === 32 || c === 9 || c === 13 || c === 12 || c === 11) {
      i++;
      continue;
    }
    if (c === 45 /* - */ && text.charCodeAt(i + 1) === 45) {
      const eol = text.indexOf('\n', i);
      i = eol === -1 ? n : eol;
      continue;
    }
    if (c === 34 /* " */) {
      const startLine = line;
      let j = i + 1;
      let value = '';
      for (;;) {
        const q = text.indexOf('"', j);
        if (q === -1) {
          value += text.slice(j);
          j = n;
          break;
        }
        value += text.slice(j, q);
        if (text.charCodeAt(q + 1) === 34) {
          value += '"';
          j = q + 2;
          continue;
        }
        j = q + 1;
        break;
      }
      for (let k = i; k < j; k++) if (text.charCodeAt(k) === 10) line++;
      out.push({ kind: 'str', text: value, line: startLine });
      i = j;
      continue;
    }
    if (c === 39 /* ' */) {
      const q = text.indexOf("'", i + 1);
      const end = q === -1 ? n : Math.min(n, q + 2);
      out.push({ kind: 'str', text: text.slice(i, end), line });
      i = end;
      continue;
    }
    if (isLetter(c)) {
      let j = i + 1;
      for (;;) {
        const d = text.charCodeAt(j);
        if (isIdChar(d)) j++;
        // A hyphen belongs to the name only between name characters (never `--`).
        else if (d === 45 && isIdChar(text.charCodeAt(j + 1))) j++;
        else break;
      }
      out.push({ kind: 'id', text: text.slice(i, j), line });
      i = j;
      continue;
    }
    if (isDigit(c) || (c === 45 && isDigit(text.charCodeAt(i + 1)))) {
      let j = i + 1;
      while (isDigit(text.charCodeAt(j))) j++;
      out.push({ kind: 'num', text: text.slice(i, j), line });
      i = j;
      continue;
    }
    if (c === 58 /* : */ && text.startsWith('::=', i)) {
      out.push({ kind: 'sym', text: '::=', line });
      i += 3;
      continue;
    }
    if (c === 46 /* . */ && text.charCodeAt(i + 1) === 46) {
      out.push({ kind: 'sym', text: '..', line });
      i += 2;
      continue;
    }
    out.push({ kind: 'sym', text: text[i] as string, line });
    i++;
  }
  return out;
}

interface RawDef {
  name: string;
  kind: string;
  parent: string;
  arcs: number[];
  syntax: string | undefined;
  enums: Record<number, string> | undefined;
  access: string | undefined;
  status: string | undefined;
  description: string | undefined;
  clauses: string[];
  line: number;
}

/** Joins SYNTAX tokens into one canonical string: `DisplayString (SIZE(0..255))`. */
function joinSyntax(tokens: readonly Token[]): string {
  let s = '';
  let prev = '';
  for (const t of tokens) {
    const x = t.text;
    const glue = prev === '' || prev === '(' || x === ')' || x === '..' || prev === '..' || x === ',' || x === '|' || prev === '|'
      || (x === '(' && prev === 'SIZE');
    s += glue ? x : ` ${x}`;
    prev = x;
  }
  return s;
}

/**
 * Parses MIB text. Lenient: anything that is not a named-value definition is skipped, and
 * oddities are listed in `problems` rather than thrown.
 */
export function parseMib(text: string): MibModule {
  const tokens = tokenize(text);
  const problems: string[] = [];
  const moduleNames: string[] = [];
  const imports = new Map<string, string>();
  const defs = new Map<string, RawDef>();
  const duplicates: string[] = [];
  let ended = false;

  const at = (k: number): Token | undefined => tokens[k];
  const textAt = (k: number): string | undefined => tokens[k]?.text;

  /** Reads `{ ... }` starting at k (which must be `{`); returns the OID parts and the index after `}`. */
  const readOidValue = (k: number): { parent: string; arcs: number[]; next: number } | undefined => {
    if (textAt(k) !== '{') return undefined;
    let j = k + 1;
    let parent = '';
    const arcs: number[] = [];
    let first = true;
    while (j < tokens.length && textAt(j) !== '}') {
      const t = tokens[j] as Token;
      if (t.kind === 'num') {
        arcs.push(Number(t.text));
        j++;
      } else if (t.kind === 'id' && textAt(j + 1) === '(' && at(j + 2)?.kind === 'num' && textAt(j + 3) === ')') {
        // `name(n)`: the number is the arc; the name is a label only.
        arcs.push(Number(textAt(j + 2)));
        j += 4;
      } else if (t.kind === 'id' && first) {
        parent = t.text;
        j++;
      } else {
        return undefined;
      }
      first = false;
    }
    if (j >= tokens.length || arcs.length === 0) return undefined;
    return { parent, arcs, next: j + 1 };
  };

  const addDef = (def: RawDef) => {
    if (defs.has(def.name)) duplicates.push(def.name);
    else defs.set(def.name, def);
  };

  let i = 0;
  while (i < tokens.length) {
    const t = tokens[i] as Token;

    if (t.text === 'DEFINITIONS' && textAt(i + 1) === '::=' && textAt(i + 2) === 'BEGIN') {
      const name = i > 0 ? (tokens[i - 1] as Token).text : '';
      moduleNames.push(name);
      ended = false;
      i += 3;
      continue;
    }
    if (t.text === 'END' && t.kind === 'id') {
      ended = true;
      i++;
      continue;
    }
    if (t.text === 'IMPORTS' && t.kind === 'id') {
      // `IMPORTS a, b FROM M1 c FROM M2 ;`
      let j = i + 1;
      let pending: string[] = [];
      while (j < tokens.length && textAt(j) !== ';') {
        const x = tokens[j] as Token;
        if (x.text === 'FROM') {
          const from = textAt(j + 1) ?? '';
          for (const s of pending) imports.set(s, from);
          pending = [];
          j += 2;
          continue;
        }
        if (x.kind === 'id') pending.push(x.text);
        j++;
      }
      if (pending.length > 0) problems.push(`line ${t.line}: IMPORTS ends without FROM for ${pending.join(', ')}`);
      i = j + 1;
      ended = false;
      continue;
    }

    if (t.kind !== 'id' || !isLower(t.text)) {
      i++;
      continue;
    }

    // name OBJECT IDENTIFIER ::= { parent n }
    if (textAt(i + 1) === 'OBJECT' && textAt(i + 2) === 'IDENTIFIER' && textAt(i + 3) === '::=') {
      const v = readOidValue(i + 4);
      if (!v) {
        problems.push(`line ${t.line}: ${t.text}: cannot read the OID value`);
        i += 4;
        continue;
      }
      addDef({
        name: t.text, kind: 'OBJECT IDENTIFIER', parent: v.parent, arcs: v.arcs, syntax: undefined, enums: undefined,
        access: undefined, status: undefined, description: undefined, clauses: [], line: t.line,
      });
      i = v.next;
      continue;
    }

    // name MACRO clauses... ::= value
    const macro = textAt(i + 1);
    if (macro === undefined || !VALUE_MACROS.has(macro)) {
      i++;
      continue;
    }
    let j = i + 2;
    let syntax: string | undefined;
    let enums: Record<number, string> | undefined;
    let access: string | undefined;
    let status: string | undefined;
    let description: string | undefined;
    const clauses: string[] = [];
    while (j < tokens.length && textAt(j) !== '::=') {
      const x = tokens[j] as Token;
      if (x.kind === 'id' && CLAUSES.has(x.text)) clauses.push(x.text);
      if (x.text === 'SYNTAX' && syntax === undefined) {
        j++;
        const base: Token[] = [];
        while (j < tokens.length && !AFTER_SYNTAX.has(textAt(j) as string)) {
          if (textAt(j) === '{') {
            // Enum / BITS list: label(n), ...
            const list: Record<number, string> = {};
            j++;
            while (j < tokens.length && textAt(j) !== '}') {
              if (at(j)?.kind === 'id' && textAt(j + 1) === '(' && at(j + 2)?.kind === 'num' && textAt(j + 3) === ')') {
                const num = Number(textAt(j + 2));
                if (num in list) problems.push(`line ${x.line}: ${t.text}: enum number ${num} listed twice`);
                list[num] = textAt(j) as string;
                j += 4;
              } else if (textAt(j) === ',') {
                j++;
              } else {
                problems.push(`line ${at(j)?.line}: ${t.text}: unexpected '${textAt(j)}' in enum list`);
                j++;
              }
            }
            j++;
            enums = list;
            continue;
          }
          base.push(tokens[j] as Token);
          j++;
        }
        syntax = joinSyntax(base);
        continue;
      }
      if ((x.text === 'ACCESS' || x.text === 'MAX-ACCESS') && access === undefined) {
        access = textAt(j + 1);
        j += 2;
        continue;
      }
      if (x.text === 'STATUS' && status === undefined) {
        status = textAt(j + 1);
        j += 2;
        continue;
      }
      if (x.text === 'DESCRIPTION' && description === undefined && at(j + 1)?.kind === 'str') {
        description = textAt(j + 1);
        j += 2;
        continue;
      }
      j++;
    }
    if (j >= tokens.length) {
      problems.push(`line ${t.line}: ${t.text} ${macro}: no '::=' before the end of the text`);
      break;
    }
    const v = readOidValue(j + 1);
    if (v) {
      addDef({ name: t.text, kind: macro, parent: v.parent, arcs: v.arcs, syntax, enums, access, status, description, clauses, line: t.line });
      i = v.next;
    } else {
      // TRAP-TYPE values are plain numbers (`::= 5`), not OIDs.
      if (macro !== 'TRAP-TYPE') problems.push(`line ${t.line}: ${t.text} ${macro}: cannot read the OID value`);
      i = j + 1;
    }
  }

  if (moduleNames.length === 0) problems.push('no `DEFINITIONS ::= BEGIN` header');
  else if (!ended) problems.push('module body does not end with END');

  // Resolve OIDs: module definitions first, then the well-known roots.
  const resolved = new Map<string, string | undefined>();
  const resolving = new Set<string>();
  const resolve = (name: string): string | undefined => {
    if (resolved.has(name)) return resolved.get(name);
    const def = defs.get(name);
    let oid: string | undefined;
    if (!def) {
      oid = WELL_KNOWN_OIDS[name];
    } else if (resolving.has(name)) {
      oid = undefined; // cycle
    } else {
      resolving.add(name);
      const base = def.parent === '' ? '' : resolve(def.parent);
      resolving.delete(name);
      if (def.parent === '') oid = def.arcs.join('.');
      else if (base !== undefined) oid = `${base}.${def.arcs.join('.')}`;
    }
    resolved.set(name, oid);
    return oid;
  };

  const objects = new Map<string, MibObject>();
  const byOid = new Map<string, MibObject>();
  const unresolved: string[] = [];
  for (const def of defs.values()) {
    const fullOid = resolve(def.name);
    if (fullOid === undefined) unresolved.push(def.name);
    const obj: MibObject = {
      name: def.name,
      kind: def.kind,
      parent: def.parent,
      subId: def.arcs[def.arcs.length - 1] as number,
      arcs: def.arcs,
      fullOid,
      syntax: def.syntax,
      enums: def.enums,
      access: def.access,
      status: def.status,
      description: def.description,
      clauses: def.clauses,
      line: def.line,
    };
    objects.set(def.name, obj);
    if (fullOid !== undefined && !byOid.has(fullOid)) byOid.set(fullOid, obj);
  }

  return {
    moduleName: moduleNames[0],
    moduleNames,
    ended,
    imports,
    objects,
    byOid,
    duplicates,
    unresolved,
    problems,
  };
}

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

/**
 * Compares the named objects of `ours` with the same names in `reference`: kind, parent and
 * sub-identifiers, resolved OID, SYNTAX, enum numbers and labels, and access.
 * Returns every difference (empty = they agree).
 */
export function compareMibObjects(ours: MibModule, reference: MibModule, names: Iterable<string>): MibMismatch[] {
  const out: MibMismatch[] = [];
  for (const name of names) {
    const a = ours.objects.get(name);
    const b = reference.objects.get(name);
    if (!a) {
      out.push({ name, field: 'missing', ours: '(not defined)', theirs: b ? b.kind : '(not defined)' });
      continue;
    }
    if (!b) {
      out.push({ name, field: 'missing', ours: a.kind, theirs: '(not defined)' });
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

/** SYNTAX base types acceptable for each oid-map `kind`. */
const SYNTAX_FOR_KIND: Readonly<Record<string, readonly string[]>> = {
  string: ['DisplayString', 'OCTET STRING', 'SnmpAdminString'],
  integer: ['INTEGER', 'Integer32', 'Gauge', 'Gauge32', 'Unsigned32'],
  enum: ['INTEGER'],
  oid: ['OBJECT IDENTIFIER'],
};

/**
 * Checks object definitions (src/poll/oid-map.ts) against a module:
 * - the name is defined (or is a well-known MIB-II object);
 * - tabular objects (with `column`): the column is the object's OID and `oid` lies below it;
 * - objects named in `instanceNames` are read at their own OID (no `.0`);
 * - other scalars: `oid` is the object's OID + `.0`;
 * - enum values equal the module's enum list exactly; the kind fits the SYNTAX.
 * Returns one line per problem (empty = all good).
 */
export function checkObjectDefs(
  defs: Iterable<ObjectDefLike>,
  module: MibModule,
  instanceNames: ReadonlySet<string> = new Set(),
): string[] {
  const out: string[] = [];
  for (const def of defs) {
    const obj = module.objects.get(def.name);
    if (!obj) {
      const known = WELL_KNOWN_OIDS[def.name];
      if (known === undefined) out.push(`${def.name}: not defined in ${module.moduleName ?? 'the module'}`);
      else if (def.oid !== `${known}.0`) out.push(`${def.name}: oid ${def.oid}, expected ${known}.0 (well-known)`);
      continue;
    }
    if (obj.fullOid === undefined) {
      out.push(`${def.name}: OID does not resolve in the module`);
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
    const allowed = SYNTAX_FOR_KIND[def.kind] ?? [];
    if (!allowed.some((s) => base === s || base.startsWith(`${s} `) || base.startsWith(`${s}(`))) {
      out.push(`${def.name}: kind ${def.kind} does not fit SYNTAX ${base || '-'}`);
    }
  }
  return out;
}
