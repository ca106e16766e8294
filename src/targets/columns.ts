// The columns an inventory may have, and the header names people give them. Data, then one
// pure matcher.
//
// A header cell is compared after folding: lower case, "_", "-", "." and runs of spaces read as
// one space, spaces at the ends dropped ("IP_Address", "ip-address" and " IP  Address " are
// "ip address"). Unknown columns are ignored.

export const COLUMNS = ['host', 'port', 'community', 'name', 'site', 'profile'] as const;
export type Column = (typeof COLUMNS)[number];

/** Accepted header names per column, as written in messages and docs. The first is the canonical one. */
export const COLUMN_ALIASES: Readonly<Record<Column, readonly string[]>> = {
  host: ['host', 'IP', 'IP Address', 'Address', 'Hostname', 'Host name', 'Device', 'DNS name', 'IPv4 Address', 'Management IP'],
  port: ['port', 'SNMP Port'],
  community: ['community', 'SNMP Community'],
  name: ['name'],
  site: ['site', 'Location', 'Room'],
  profile: ['profile'],
};

const LOOKUP: ReadonlyMap<string, Column> = new Map(
  COLUMNS.flatMap((column) => COLUMN_ALIASES[column].map((alias) => [fold(alias), column] as const)),
);

export function fold(cell: string): string {
  return cell.toLowerCase().replace(/[\s_.-]+/g, ' ').trim();
}

/** The column a header cell names, if any. */
export function columnOf(cell: string): Column | undefined {
  return LOOKUP.get(fold(cell));
}

export interface HeaderMatch {
  /** Cell index per column: the first cell naming it. */
  readonly columns: ReadonlyMap<Column, number>;
  /** Later cells naming a column already matched: ignored, each with a word for the user. */
  readonly ignored: ReadonlyArray<{ readonly index: number; readonly column: Column; readonly first: number }>;
}

export function matchHeader(cells: readonly string[]): HeaderMatch {
  const columns = new Map<Column, number>();
  const ignored: Array<{ index: number; column: Column; first: number }> = [];
  cells.forEach((cell, index) => {
    const column = columnOf(cell);
    if (column === undefined) return;
    const first = columns.get(column);
    if (first === undefined) columns.set(column, index);
    else ignored.push({ index, column, first });
  });
  return { columns, ignored };
}

/** "host (or IP, IP Address, ...)" for messages. */
export function acceptedNames(column: Column): string {
  const [canonical, ...rest] = COLUMN_ALIASES[column];
  return rest.length === 0 ? `"${canonical}"` : `"${canonical}" (or ${rest.map((a) => `"${a}"`).join(', ')})`;
}
