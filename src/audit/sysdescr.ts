// APC cards describe themselves in sysDescr, e.g.
//   APC Web/SNMP Management Card (MB:v3.9.2 PF:v3.7.4 PN:apc_hw02_aos_374.bin AF1:v3.7.1
//   AN1:apc_hw02_g2ats_371.bin MN:AP7724 HR:R01 SN: 5A1516T15268 MD:04/18/2015)
// Older cards write "MN: AP9606" with a space, the oldest "MOD: AP9605,". Pure parsing only.

export interface SysDescrFields {
  /** Text before the parenthesis, e.g. "APC Web/SNMP Management Card". */
  readonly product?: string;
  /** Motherboard (boot monitor) version. */
  readonly mb?: string;
  /** AOS version and file. */
  readonly pf?: string;
  readonly pn?: string;
  /** Application version and file. */
  readonly af1?: string;
  readonly an1?: string;
  readonly mn?: string;
  readonly hr?: string;
  readonly sn?: string;
  readonly md?: string;
}

const KEYS: Record<string, keyof SysDescrFields> = {
  MB: 'mb',
  PF: 'pf',
  PN: 'pn',
  AF1: 'af1',
  AN1: 'an1',
  MN: 'mn',
  MOD: 'mn',
  HR: 'hr',
  SN: 'sn',
  MD: 'md',
};

// A value is the next run of non-blank characters, unless that run is itself the next
// "KEY:" (an empty field such as "SN:  MD:..." must not swallow its neighbour).
const FIELD = /\b(MB|PF|PN|AF1|AN1|MN|MOD|HR|SN|MD):[ \t]*(?![A-Z]+\d?:)([^\s),]+)?/g;

export function parseSysDescr(sysDescr: string | undefined): SysDescrFields {
  if (!sysDescr) return {};
  const out: Record<string, string> = {};
  const paren = sysDescr.indexOf('(');
  const product = (paren >= 0 ? sysDescr.slice(0, paren) : sysDescr).trim();
  if (product) out.product = product;
  for (const m of sysDescr.matchAll(FIELD)) {
    const key = KEYS[m[1]!];
    const value = m[2]?.trim();
    if (key && value && !(key in out) && value !== '<private>') out[key] = value;
  }
  return out as SysDescrFields;
}
