import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseInventory, type Inventory } from '../../src/targets/inventory.js';
import { expand } from '../../src/targets/spec.js';

const DEFAULTS = { port: 161 };
const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'inventory');

function fixture(file: string): Inventory {
  return parseInventory(readFileSync(join(FIXTURES, file), 'utf8'), file, DEFAULTS);
}

/** Entries as plain rows: the spec's text and port, origin and labels. */
function rows(inventory: Inventory) {
  return inventory.entries.map(({ spec, ...rest }) => ({ spec: spec.text, port: spec.port, ...rest }));
}

function messages(inventory: Inventory): string[] {
  return inventory.errors.map((e) => e.message);
}

describe('parseInventory: CSV', () => {
  it('reads the Excel-style fixture: BOM, CRLF, quotes, commas, comments, unknown column', () => {
    const inv = fixture('fleet.csv');
    expect(inv.format).toBe('csv');
    expect(inv.errors).toEqual([]);
    expect(rows(inv)).toEqual([
      { spec: 'ats-r12.dc1.example', port: 161, origin: 'fleet.csv:4', community: 's3cret#1', name: 'Rack 12, Row B', site: 'dc1' },
      { spec: '10.20.0.5', port: 1161, origin: 'fleet.csv:5', name: 'ATS-05', site: 'dc1', profile: 'lab' },
      { spec: '2001:db8::5', port: 161, origin: 'fleet.csv:6', name: 'He said "hi"', site: 'dc2' },
      { spec: '10.30.0.0/30', port: 161, origin: 'fleet.csv:7', community: 'blockcomm', name: 'edge pair', site: 'dc3' },
      { spec: '10.40.0.10-12', port: 161, origin: 'fleet.csv:9', site: 'dc4' },
    ]);
  });

  it('keeps name, site and community for every host of a block row, name unchanged', () => {
    const inv = fixture('fleet.csv');
    const block = inv.entries.find((e) => e.spec.kind === 'cidr');
    expect(block).toMatchObject({ name: 'edge pair', community: 'blockcomm', spec: { size: 2n } });
    expect([...expand(block!.spec)].map((a) => a.host)).toEqual(['10.30.0.1', '10.30.0.2']);
  });

  it('tolerates a BOM and CRLF built inline too (not only from the fixture bytes)', () => {
    const inv = parseInventory('\uFEFFhost,name\r\n10.0.0.1,a\r\n10.0.0.2,b\r\n', 'x.csv', DEFAULTS);
    expect(inv.errors).toEqual([]);
    expect(rows(inv).map((r) => [r.spec, r.name, r.origin])).toEqual([
      ['10.0.0.1', 'a', 'x.csv:2'],
      ['10.0.0.2', 'b', 'x.csv:3'],
    ]);
  });

  it('matches header names in any case and with spaces, in any order', () => {
    const inv = parseInventory('  SITE , Name,HOST \n dc1 , ats-1 , 10.0.0.1 \n', 'x.csv', DEFAULTS);
    expect(rows(inv)).toEqual([{ spec: '10.0.0.1', port: 161, origin: 'x.csv:2', name: 'ats-1', site: 'dc1' }]);
  });

  it('reports a row on the line it starts on when a quoted value spans lines', () => {
    const inv = parseInventory('host,name\n10.0.0.1,"two\nlines"\n10.0.0.2,b\n10.0.0.300,c\n', 'x.csv', DEFAULTS);
    expect(rows(inv).map((r) => r.origin)).toEqual(['x.csv:2', 'x.csv:4']);
    expect(inv.entries[0]?.name).toBe('two\nlines');
    expect(messages(inv)).toEqual(['x.csv:5:1: "10.0.0.300": not an IPv4 address or hostname']);
  });

  it('reads a header-only file as no entries, no errors', () => {
    expect(parseInventory('host,port\n', 'x.csv', DEFAULTS)).toEqual({ format: 'csv', entries: [], errors: [], notes: [] });
  });

  it('reports every bad row with file, line, column and what was expected, and keeps the good rows', () => {
    const inv = fixture('fleet-errors.csv');
    expect(messages(inv)).toEqual([
      'fleet-errors.csv:3:2: bad port "70000": expected 1-65535',
      'fleet-errors.csv:4:1: "10.0.0.300": not an IPv4 address or hostname',
      'fleet-errors.csv:5:1: empty host: expected a hostname, IP address, CIDR block or range',
      'fleet-errors.csv:6: row has 5 cells but the header has 4: expected a value that contains the delimiter to be in double quotes',
      'fleet-errors.csv:7:1: "10.0.0.0/33": prefix length must be 0-32',
    ]);
    // Row 8 has fewer cells (missing ones are empty), row 9 trailing empty cells, row 10 is all empty.
    expect(rows(inv).map((r) => `${r.spec} ${r.origin} ${r.name ?? '-'}`)).toEqual([
      '10.0.0.1 fleet-errors.csv:2 good-1',
      '10.0.0.4 fleet-errors.csv:8 -',
      '10.0.0.5 fleet-errors.csv:9 good-5',
      '10.0.0.6 fleet-errors.csv:11 good-6',
    ]);
    expect(inv.errors[0]).toMatchObject({ file: 'fleet-errors.csv', line: 3, column: 2, reason: 'bad port "70000": expected 1-65535' });
  });

  it('never puts a community in an error or note', () => {
    const inv = fixture('fleet-errors.csv');
    expect(inv.errors.length).toBeGreaterThan(0);
    expect(JSON.stringify(inv.errors)).not.toMatch(/TopSecret/);
    const inline = parseInventory(
      [
        'host,community,port',
        '10.0.0.5/24,Hush-1,161', // a note
        '10.0.0.1,"Hush-2,with comma",x', // bad port
        '10.0.0.2,Hush-3"quote,161', // quote inside an unquoted value
        '10.0.0.3,"Hush-4"tail,161', // text after a closing quote
        '10.0.0.4,Hush-5,161,extra', // too many cells
        '10.0.0.5,"Hush-6', // quote never closed
      ].join('\n'),
      'secret.csv',
      DEFAULTS,
    );
    expect(inline.errors).toHaveLength(5);
    expect(inline.notes).toHaveLength(1);
    expect(JSON.stringify([inline.errors, inline.notes])).not.toMatch(/Hush/);
  });

  it('recovers after CSV syntax errors: bad quotes cost only their own line', () => {
    const inv = parseInventory(
      ['host,name', '10.0.0.1,"a"b', '10.0.0.2,ok2', '10.0.0.3,c"d', '# comment', '', '10.0.0.4,"unclosed', '10.0.0.5,ok5'].join('\n'),
      'q.csv',
      DEFAULTS,
    );
    expect(messages(inv)).toEqual([
      'q.csv:2: text after a closing quote: expected the delimiter or the end of the line',
      'q.csv:4: quote inside an unquoted value: expected the whole value in double quotes, with inner quotes doubled',
      'q.csv:7: quote never closed: expected a closing " (a quote inside a quoted value is written "")',
    ]);
    expect(rows(inv).map((r) => `${r.spec} ${r.name} ${r.origin}`)).toEqual(['10.0.0.2 ok2 q.csv:3', '10.0.0.5 ok5 q.csv:8']);
  });

  it('blames the line that opened a stray quote, and judges each line it swallowed on its own', () => {
    const inv = parseInventory(
      ['host,community,name', '10.0.0.1,Hush-1,"Rack 1, row A', '10.0.0.2,Hush-2,ok', '10.0.0.300,Hush-3,bad', '10.0.0.4,Hush-4"x,q', '10.0.0.5,Hush-5,ok'].join('\n'),
      'q.csv',
      DEFAULTS,
    );
    expect(messages(inv)).toEqual([
      'q.csv:2: quote never closed: expected a closing " (a quote inside a quoted value is written "")',
      'q.csv:4:1: "10.0.0.300": not an IPv4 address or hostname',
      'q.csv:5: quote inside an unquoted value: expected the whole value in double quotes, with inner quotes doubled',
    ]);
    expect(inv.errors.map((e) => e.host)).toEqual([undefined, '10.0.0.300', undefined]);
    expect(rows(inv).map((r) => r.origin)).toEqual(['q.csv:3', 'q.csv:6']);
    expect(JSON.stringify([inv.errors, inv.notes])).not.toMatch(/Hush/);
  });

  it('stops parsing after 100 CSV syntax errors, and still gives every later row an error of its own', () => {
    const text = ['host', ...Array.from({ length: 150 }, (_, i) => `"10.0.0.${i}"x`), '# c', '', '10.1.0.1'].join('\n');
    const inv = parseInventory(text, 'bad.csv', DEFAULTS);
    // 100 syntax errors, then lines 102-151 and 154: one row error each, none lost.
    expect(inv.errors).toHaveLength(151);
    expect(inv.errors[100]?.message).toBe('bad.csv:102: not read: more than 100 CSV syntax errors above it');
    expect(inv.errors.at(-1)?.line).toBe(154);
    expect(inv.errors.every((e) => e.host === undefined)).toBe(true);
  });

  it('counts lines from the top of the file when comments and blank lines come first', () => {
    const inv = parseInventory('# fleet\n\nhost,port\n# c\n10.0.0.1,x\n10.0.0.2,161\n', 'x.csv', DEFAULTS);
    expect(messages(inv)).toEqual(['x.csv:5:2: bad port "x": expected 1-65535']);
    expect(rows(inv).map((r) => r.origin)).toEqual(['x.csv:6']);
  });

  it('accepts spaces around quoted values and doubled quotes inside them', () => {
    const inv = parseInventory('host , name\n 10.0.0.1 , "Rack 12, Row B" \n10.0.0.2,"say ""x"""\n', 'x.csv', DEFAULTS);
    expect(inv.errors).toEqual([]);
    expect(inv.entries.map((e) => e.name)).toEqual(['Rack 12, Row B', 'say "x"']);
  });

  it('treats # later in a row as data, not a comment', () => {
    const inv = parseInventory('host,community,name\n10.0.0.1,pa#ss,ats # 1\n', 'x.csv', DEFAULTS);
    expect(inv.entries[0]).toMatchObject({ community: 'pa#ss', name: 'ats # 1' });
  });

  it('uses the port column, the host cell port, and the default port', () => {
    const inv = parseInventory('host,port\n10.0.0.1,1161\n10.0.0.2:2161,\n10.0.0.3:2161,1161\n10.0.0.4,\n', 'x.csv', { port: 16100 });
    expect(rows(inv).map((r) => `${r.spec} ${r.port}`)).toEqual(['10.0.0.1 1161', '10.0.0.2:2161 2161', '10.0.0.3:2161 2161', '10.0.0.4 16100']);
  });

  it('reports host bits set as a note, still reading the block', () => {
    const inv = parseInventory('host\n10.0.0.5/30\n', 'x.csv', DEFAULTS);
    expect(inv.errors).toEqual([]);
    expect(inv.notes.map((n) => n.message)).toEqual(['x.csv:2:1: "10.0.0.5/30": host bits set; auditing the block 10.0.0.4/30']);
    expect(inv.entries[0]?.spec).toMatchObject({ kind: 'cidr', first: '10.0.0.5', last: '10.0.0.6' });
  });

  it('refuses a large block in a row unless allowLarge', () => {
    const text = 'host,name\n10.0.0.0/8,all\n10.0.0.1,one\n';
    expect(messages(parseInventory(text, 'x.csv', DEFAULTS))).toEqual([
      'x.csv:2:1: "10.0.0.0/8": 16,777,216 addresses, more than 65,536 (a /16): pass --allow-large to audit it',
    ]);
    const large = parseInventory(text, 'x.csv', { port: 161, allowLarge: true });
    expect(large.errors).toEqual([]);
    expect(large.entries[0]?.spec.size).toBe(16_777_214n);
  });

  it('refuses a header without a host column, listing what was found and what is accepted', () => {
    const inv = fixture('no-host.csv');
    expect(inv.refused?.message).toBe(
      'no-host.csv:1: no host column in the header row: found "serial", "port"; the host column may be named "host" ' +
        '(or "IP", "IP Address", "Address", "Hostname", "Host name", "Device", "DNS name", "IPv4 Address", "Management IP"); ' +
        'also read: "port" (or "SNMP Port"), "community" (or "SNMP Community"), "name", "site" (or "Location", "Room"), "profile"',
    );
    expect(inv.entries).toEqual([]);
    expect(inv.errors).toEqual([]);
    // A comma in the first line means CSV, whatever the file is called.
    expect(parseInventory('# units\nunit,community\n10.0.0.1,secret\n', 'units.txt', DEFAULTS).refused?.message).toMatch(
      /^units\.txt:2: no host column in the header row: found "unit", "community"; /,
    );
    // A .csv file with one column that is not a host column.
    expect(parseInventory('serial\n10.0.0.1\n', 'units.csv', DEFAULTS).refused?.message).toMatch(/^units\.csv:1: no host column/);
  });

  it('never lists a first row that looks like data (a CSV without a header): it may hold a community', () => {
    const inv = parseInventory('10.0.0.1,Hush-Community,DC1\n10.0.0.2,Hush-2,DC1\n', 'nohead.csv', DEFAULTS);
    expect(inv.refused?.message).toMatch(/^nohead\.csv:1: no host column: this first row is not a header row/);
    expect(inv.refused?.message).not.toMatch(/Hush|10\.0\.0/);
  });

  it('uses the first of two columns naming one field, and says so in a note', () => {
    const inv = parseInventory('host,name,Name\n10.0.0.1,first,second\n', 'x.csv', DEFAULTS);
    expect(inv.errors).toEqual([]);
    expect(inv.notes.map((n) => n.message)).toEqual(['x.csv:1:3: column 3 ("Name") also names the name column: column 2 ("name") is used']);
    expect(inv.entries[0]?.name).toBe('first');
  });
});

describe('parseInventory: plain list', () => {
  it('reads the fixture: every spec form, comments, blank lines', () => {
    const inv = fixture('hosts.txt');
    expect(inv.format).toBe('list');
    expect(inv.errors).toEqual([]);
    expect(rows(inv)).toEqual([
      { spec: 'ats-r12.dc1.example', port: 161, origin: 'hosts.txt:2' },
      { spec: '10.20.0.5', port: 161, origin: 'hosts.txt:3' },
      { spec: '[2001:db8::5]:1161', port: 1161, origin: 'hosts.txt:5' },
      { spec: '10.20.0.0/30', port: 161, origin: 'hosts.txt:6' },
      { spec: '10.20.1.10-12', port: 161, origin: 'hosts.txt:7' },
      { spec: 'ATS-R12.DC1.EXAMPLE.', port: 161, origin: 'hosts.txt:9' },
    ]);
    expect(inv.entries[5]?.spec).toMatchObject({ kind: 'host', host: 'ats-r12.dc1.example' });
  });

  it('reports each bad line with the column where the problem is, keeping good lines', () => {
    const inv = fixture('hosts-errors.txt');
    expect(messages(inv)).toEqual([
      'hosts-errors.txt:2:1: "10.0.0.0/33": prefix length must be 0-32',
      'hosts-errors.txt:3:3: "ats_r12.example": bad character "_" in hostname: expected letters, digits, "-" and "."',
      'hosts-errors.txt:4:10: more than one word on the line (the rest is not shown: it may hold a community): expected one target per line',
      'hosts-errors.txt:5:1: "10.0.0.4#not-a-comment": bad character "#" in hostname: expected letters, digits, "-" and "."',
      'hosts-errors.txt:6:1: "10.20.0.40-10": range end 10.20.0.10 is before start 10.20.0.40',
    ]);
    expect(rows(inv).map((r) => r.origin)).toEqual(['hosts-errors.txt:1', 'hosts-errors.txt:7']);
  });

  it('tolerates a BOM, CRLF and lone CR line ends', () => {
    const inv = parseInventory('\uFEFF10.0.0.1\r\n# c\r\n10.0.0.2\r10.0.0.3', 'x.txt', DEFAULTS);
    expect(inv.errors).toEqual([]);
    expect(rows(inv).map((r) => `${r.spec} ${r.origin}`)).toEqual(['10.0.0.1 x.txt:1', '10.0.0.2 x.txt:3', '10.0.0.3 x.txt:4']);
  });

  it('reads a list whose first line is a single target that looks like nothing else', () => {
    const inv = parseInventory('hostname-1\n', 'x.txt', DEFAULTS);
    expect(inv.format).toBe('list');
    expect(rows(inv)).toEqual([{ spec: 'hostname-1', port: 161, origin: 'x.txt:1' }]);
  });

  it('reads a one-column header only when it cannot be a host: "host", "IP Address", never "device"', () => {
    expect(parseInventory('host\n10.0.0.1\n', 'x.txt', DEFAULTS)).toMatchObject({ format: 'csv', entries: [{ origin: 'x.txt:2' }] });
    expect(parseInventory('IP Address\n10.0.0.1\n', 'x.txt', DEFAULTS)).toMatchObject({ format: 'csv', entries: [{ origin: 'x.txt:2' }] });
    const list = parseInventory('device\n10.0.0.1\n', 'x.txt', DEFAULTS);
    expect(list.format).toBe('list');
    expect(list.entries.map((e) => e.spec.text)).toEqual(['device', '10.0.0.1']);
    // In a file named .csv it is the header.
    expect(parseInventory('Device\n10.0.0.1\n', 'x.csv', DEFAULTS).entries.map((e) => e.spec.text)).toEqual(['10.0.0.1']);
  });

  it('uses the default port, or the one on the line', () => {
    const inv = parseInventory('10.0.0.1\n10.0.0.2:1161\n', 'x.txt', { port: 16100 });
    expect(rows(inv).map((r) => r.port)).toEqual([16100, 1161]);
  });

  it('reads an empty file, or one of comments only, as nothing', () => {
    expect(parseInventory('', 'x.txt', DEFAULTS)).toEqual({ format: 'empty', entries: [], errors: [], notes: [] });
    expect(parseInventory('\uFEFF# nothing yet\n\n   \n', 'x.txt', DEFAULTS).entries).toEqual([]);
  });

  it('reports a host-bits note with its place', () => {
    const inv = parseInventory('  10.0.0.5/30 # edge\n', 'x.txt', DEFAULTS);
    expect(inv.notes.map((n) => n.message)).toEqual(['x.txt:1:3: "10.0.0.5/30": host bits set; auditing the block 10.0.0.4/30']);
  });
});
