// Reads net-snmp's `snmpget -On` output (no MIBs loaded, so numbers stay numbers):
//   .1.3.6.1.2.1.1.5.0 = STRING: "u0001-ap7722a"
//   .1.3.6.1.2.1.1.2.0 = OID: .1.3.6.1.4.1.318.1.3.11
//   .1.3.6.1.4.1.318.1.1.8.5.4.5.1.4.1 = Gauge32: 77
//   .1.3.6.1.4.1.318.1.1.8.5.4.5.1.4.1 = No Such Object available on this agent at this OID
// A value that holds a line break continues on the next lines; those lines have no ` = `
// after an OID and are joined back.

import type { ToolValue } from './compare.js';

const LINE = /^\.?(\d+(?:\.\d+)+) = (.*)$/;
const ABSENT = /^(No Such Object|No Such Instance|No more variables)/;

function unquote(s: string): string {
  // net-snmp quotes strings and escapes `"` and `\` inside them.
  if (s.length >= 2 && s.startsWith('"') && s.endsWith('"')) return s.slice(1, -1).replace(/\\(["\\])/g, '$1');
  return s;
}

function hexToText(hex: string): string {
  const bytes = hex.trim().split(/\s+/).filter(Boolean).map((h) => parseInt(h, 16));
  return Buffer.from(bytes).toString('utf8');
}

/** One printed value (what follows `OID = `) as a comparable value, or undefined when absent. */
export function snmpgetValue(printed: string): ToolValue | undefined {
  if (ABSENT.test(printed)) return undefined;
  const m = /^([A-Za-z0-9-]+): ?(.*)$/s.exec(printed);
  if (!m) return printed === '""' ? { kind: 'string', text: '' } : { kind: 'other', text: printed };
  const [, type, rest] = m as unknown as [string, string, string];
  switch (type) {
    case 'STRING':
      return { kind: 'string', text: unquote(rest) };
    case 'Hex-STRING':
      return { kind: 'string', text: hexToText(rest) };
    case 'INTEGER':
    case 'Gauge32':
    case 'Counter32':
    case 'Counter64':
    case 'Unsigned32': {
      // With a MIB loaded enums print as label(n): keep the number either way.
      const n = /(-?\d+)\)?\s*$/.exec(rest);
      return { kind: 'integer', text: n ? n[1]! : rest };
    }
    case 'Timeticks': {
      const n = /^\((\d+)\)/.exec(rest);
      return { kind: 'integer', text: n ? n[1]! : rest };
    }
    case 'OID':
      return { kind: 'oid', text: rest.trim().replace(/^\./, '') };
    default:
      return { kind: 'other', text: rest };
  }
}

export interface SnmpgetReading {
  readonly values: Map<string, ToolValue>;
  /** Lines that were neither a value nor a continuation (timeouts, errors). */
  readonly errors: readonly string[];
}

export function parseSnmpget(output: string): SnmpgetReading {
  const values = new Map<string, ToolValue>();
  const errors: string[] = [];
  let current: { oid: string; printed: string } | undefined;
  const flush = () => {
    if (!current) return;
    const v = snmpgetValue(current.printed);
    if (v) values.set(current.oid, v);
    current = undefined;
  };
  for (const line of output.split('\n')) {
    const m = LINE.exec(line);
    if (m) {
      flush();
      current = { oid: m[1]!, printed: m[2]! };
    } else if (current && current.printed.startsWith('STRING: "') && !/(^|[^\\])"$/.test(current.printed)) {
      // Inside a quoted string that has not closed yet.
      current.printed += `\n${line}`;
    } else if (line.trim() !== '') {
      flush();
      errors.push(line.trim());
    }
  }
  flush();
  return { values, errors };
}
