// Inventories as people export them, one test per dialect, read from byte-exact fixtures in
// test/fixtures/inventory/dialects/. How each file was made (make.sh there regenerates them):
//  - fleet-source.csv: written by hand (UTF-8, comma, LF), the source of the others.
//  - fleet.xlsx: LibreOffice 7.4 `soffice --headless --infilter="CSV:44,34,76,1" --convert-to xlsx fleet-source.csv`.
//  - fleet-comma.csv / fleet-semicolon.csv: LibreOffice 7.4 saving fleet.xlsx as "Text CSV" with
//    separator 44 / 59, UTF-8 (76): every text cell quoted, numbers bare.
//  - fleet-unicode.txt: LibreOffice 7.4 saving fleet.xlsx as text, tab (9), UTF-16 LE with a BOM
//    (65535): the shape of Excel's "Unicode text".
//  - fleet-utf8-bom.csv: EF BB BF + fleet-comma.csv (LibreOffice 7.4 writes no UTF-8 BOM; Excel's
//    "CSV UTF-8" differs from a plain UTF-8 CSV by exactly that BOM).
//  - fleet-sheets.xlsx: LibreOffice 7.4 `--convert-to xlsx fleet-sheets.fods` (hand-written flat
//    ODF: sheet "Notes" first, then "Fleet" with a numeric port and a formula port).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeInventory } from '../../src/targets/decode.js';
import { parseInventory, type Inventory } from '../../src/targets/inventory.js';
import { readInventoryFile } from '../../src/targets/inventory-file.js';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'inventory', 'dialects');
const OPTIONS = { port: 161, readStdin: () => Promise.reject(new Error('no stdin in this test')) };

/** Entries as plain rows: spec, port, labels, community. */
function rows(inventory: Inventory) {
  return inventory.entries.map((e) => ({
    host: e.spec.text,
    port: e.spec.port,
    name: e.name,
    site: e.site,
    community: e.community,
    origin: e.origin.replace(/^.*\//, ''),
  }));
}

/** What every rendering of fleet-source.csv must read as. */
function expectSourceFleet(inventory: Inventory, file: string): void {
  expect(inventory.refused).toBeUndefined();
  expect(inventory.errors).toEqual([]);
  expect(rows(inventory)).toEqual([
    { host: '10.20.0.11', port: 161, name: 'ATS Rack 01', site: 'Zürich Süd', community: 'Hush#Dialect-1', origin: `${file}:2` },
    { host: '10.20.0.12', port: 1161, name: 'ATS Rack 02, row B', site: 'Zürich Süd', community: 'Hush#Dialect-2', origin: `${file}:3` },
    { host: 'ats-r12.dc2.example', port: 161, name: 'Baie 3 — rangée B', site: 'Lyon', community: undefined, origin: `${file}:4` },
  ]);
}

async function read(file: string, sheet?: string): Promise<Inventory> {
  return (await readInventoryFile(join(DIR, file), { ...OPTIONS, ...(sheet !== undefined && { sheet }) })).inventory;
}

describe('inventory dialects (files saved by LibreOffice)', () => {
  it('hand-written source: comma, UTF-8, aliases "IP Address", "SNMP Community", "Location"', async () => {
    expectSourceFleet(await read('fleet-source.csv'), 'fleet-source.csv');
  });

  it('comma CSV as LibreOffice saves it (every text cell quoted)', async () => {
    expectSourceFleet(await read('fleet-comma.csv'), 'fleet-comma.csv');
  });

  it('semicolon CSV (a European locale), a comma inside a quoted name', async () => {
    const bytes = readFileSync(join(DIR, 'fleet-semicolon.csv'));
    expect(bytes.subarray(0, 14).toString('latin1')).toBe('"IP Address";"');
    expectSourceFleet(await read('fleet-semicolon.csv'), 'fleet-semicolon.csv');
  });

  it('UTF-16 LE with a BOM, tab-separated ("Unicode text")', async () => {
    const bytes = readFileSync(join(DIR, 'fleet-unicode.txt'));
    expect([...bytes.subarray(0, 4)]).toEqual([0xff, 0xfe, 0x22, 0x00]);
    expect(decodeInventory(bytes)).toMatchObject({ ok: true, encoding: 'utf-16le' });
    expectSourceFleet(await read('fleet-unicode.txt'), 'fleet-unicode.txt');
  });

  it('UTF-16 BE with a BOM decodes too', () => {
    const le = readFileSync(join(DIR, 'fleet-unicode.txt'));
    const be = Buffer.from(le);
    be.swap16();
    const decoded = decodeInventory(be);
    expect(decoded).toMatchObject({ ok: true, encoding: 'utf-16be' });
    expect(decoded.ok && parseInventory(decoded.text, 'be.txt', { port: 161 }).entries).toHaveLength(3);
  });

  it('UTF-8 with a BOM ("CSV UTF-8")', async () => {
    const bytes = readFileSync(join(DIR, 'fleet-utf8-bom.csv'));
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(decodeInventory(bytes)).toMatchObject({ ok: true, encoding: 'utf-8-bom' });
    expectSourceFleet(await read('fleet-utf8-bom.csv'), 'fleet-utf8-bom.csv');
  });

  it('Windows-1252 bytes (Excel\'s plain "CSV" on a Western Windows) read as such, not refused', () => {
    const text = 'host,site\n10.0.0.1,Z\xfcrich\n';
    const decoded = decodeInventory(Buffer.from(text, 'latin1'));
    expect(decoded).toMatchObject({ ok: true, encoding: 'windows-1252' });
    expect(decoded.ok && parseInventory(decoded.text, 'w.csv', { port: 161 }).entries[0]?.site).toBe('Zürich');
  });

  it('refuses an Excel 97-2003 .xls and other binary data, quoting nothing', () => {
    const xls = Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.from('Hush-in-xls')]);
    expect(decodeInventory(xls)).toEqual({ ok: false, error: 'an Excel 97-2003 workbook (.xls): save it as .xlsx or CSV' });
    const binary = decodeInventory(Buffer.from('host\n10.0.0.1\0Hush\n'));
    expect(binary.ok).toBe(false);
    expect(JSON.stringify(binary)).not.toMatch(/Hush/);
  });

  it('an .xlsx workbook, read directly: first sheet, numbers as text', async () => {
    const inventory = await read('fleet.xlsx');
    expect(inventory.format).toBe('xlsx');
    expectSourceFleet(inventory, 'fleet.xlsx');
  });

  it('an .xlsx workbook: the first sheet by default, refused when it has no host column, listing what it found', async () => {
    const inventory = await read('fleet-sheets.xlsx');
    expect(inventory.refused?.message).toMatch(/fleet-sheets\.xlsx:1: no host column in the header row: found "Exported from the CMDB"; the host column may be named "host"/);
  });

  it('an .xlsx workbook: --sheet NAME, aliases "Device", "SNMP Port", "Room", a formula port, an unknown column ignored', async () => {
    const inventory = await read('fleet-sheets.xlsx', 'Fleet');
    expect(rows(inventory)).toEqual([
      { host: '10.30.0.1', port: 1161, name: undefined, site: 'Room 4', community: 'Hush#Sheet-1', origin: 'fleet-sheets.xlsx:2' },
      { host: 'ats-7.dc3.example', port: 161, name: undefined, site: 'Room 5', community: undefined, origin: 'fleet-sheets.xlsx:3' },
    ]);
    // A bad host is a row error naming the spreadsheet row, quoting the host only.
    expect(inventory.errors.map((e) => e.message.replace(/^.*\//, ''))).toEqual([
      'fleet-sheets.xlsx:4:1: "10.30.0.300": not an IPv4 address or hostname',
    ]);
    expect(JSON.stringify(inventory.errors)).not.toMatch(/Hush/);
  });

  it('an .xlsx workbook: an unknown --sheet is refused with the sheets there are', async () => {
    const inventory = await read('fleet-sheets.xlsx', 'Inventory');
    expect(inventory.refused?.reason).toBe('no sheet named "Inventory": the workbook has "Notes", "Fleet"');
  });

  it('a file that is not a workbook named .xlsx is refused without quoting it', async () => {
    const bad = (await readInventoryFile(join(import.meta.dirname, '..', 'fixtures', 'inventory', 'not-a-workbook.xlsx'), OPTIONS)).inventory;
    expect(bad.refused?.reason).toMatch(/^cannot read as an \.xlsx workbook/);
    expect(bad.refused?.message).not.toMatch(/Hush/);
  });
});

describe('header names', () => {
  const hostOf = (header: string) => parseInventory(`${header},x\n10.0.0.9,y\n`, 'h.csv', { port: 161 }).entries[0]?.spec.text;

  it.each(['host', 'HOST', 'IP', 'ip address', 'IP_Address', 'Address', 'Hostname', 'Host name', 'host-name', 'Device', 'DNS name', 'dns_name'])(
    '%s names the host column',
    (header) => {
      expect(hostOf(header)).toBe('10.0.0.9');
    },
  );

  it('reads SNMP Community as the community, Location / Site / Room as the site', () => {
    for (const site of ['Location', 'site', 'ROOM']) {
      const inv = parseInventory(`IP;SNMP Community;${site}\n10.0.0.1;Hush-x;DC1\n`, 'h.csv', { port: 161 });
      expect(inv.entries[0]).toMatchObject({ community: 'Hush-x', site: 'DC1' });
    }
  });

  it('detects the delimiter by the one that makes a host column', () => {
    // Semicolons in the name, tabs between the columns.
    const inv = parseInventory('Name;x\tHostname\n"a;b"\t10.0.0.1\n', 'h.txt', { port: 161 });
    expect(inv.entries.map((e) => [e.spec.text, e.name])).toEqual([['10.0.0.1', undefined]]);
  });
});
