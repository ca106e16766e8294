// Bytes of an inventory file to text, by its byte order mark. Pure.
//
//  * EF BB BF: UTF-8 with a BOM (Excel's "CSV UTF-8"); the BOM is dropped.
//  * FF FE / FE FF: UTF-16 little / big endian (Excel's "Unicode text" is UTF-16LE, tab-separated).
//  * No BOM: UTF-8; bytes that are not UTF-8 are read as Windows-1252 (Excel's plain "CSV" on a
//    Western Windows). Hosts are ASCII either way; only labels could be read wrongly.
//  * PK\x03\x04 (a zip archive): a spreadsheet workbook, to be read as one, not as text.
//  * D0 CF 11 E0 (an Excel 97-2003 .xls) or any NUL byte without a UTF-16 BOM: refused, never
//    shown (binary junk is no host list).

export type Decoded =
  | { readonly ok: true; readonly text: string; readonly encoding: 'utf-8' | 'utf-8-bom' | 'utf-16le' | 'utf-16be' | 'windows-1252' }
  | { readonly ok: false; readonly error: string };

export function decodeInventory(bytes: Uint8Array): Decoded {
  const b = bytes;
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return utf8(b.subarray(3), 'utf-8-bom');
  if (b[0] === 0xff && b[1] === 0xfe) return utf16(b.subarray(2), 'utf-16le');
  if (b[0] === 0xfe && b[1] === 0xff) return utf16(b.subarray(2), 'utf-16be');
  if (b[0] === 0xd0 && b[1] === 0xcf && b[2] === 0x11 && b[3] === 0xe0) {
    return { ok: false, error: 'an Excel 97-2003 workbook (.xls): save it as .xlsx or CSV' };
  }
  if (b.includes(0)) return { ok: false, error: 'binary data (a NUL byte), not an inventory: expected CSV, a list of hosts or .xlsx' };
  if (isZip(b)) {
    return { ok: false, error: 'a zip archive (a spreadsheet workbook?): an .xlsx inventory must be named *.xlsx' };
  }
  return utf8(b, 'utf-8');
}

/** A zip archive, as an .xlsx workbook is. */
export function isZip(bytes: Uint8Array): boolean {
  return bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

function utf8(bytes: Uint8Array, encoding: 'utf-8' | 'utf-8-bom'): Decoded {
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), encoding };
  } catch {
    return { ok: true, text: new TextDecoder('windows-1252').decode(bytes), encoding: 'windows-1252' };
  }
}

function utf16(bytes: Uint8Array, encoding: 'utf-16le' | 'utf-16be'): Decoded {
  if (bytes.length % 2 !== 0) return { ok: false, error: `odd number of bytes for ${encoding.toUpperCase()} text` };
  try {
    return { ok: true, text: new TextDecoder(encoding, { fatal: true }).decode(bytes), encoding };
  } catch {
    return { ok: false, error: `not valid ${encoding.toUpperCase()} text` };
  }
}
