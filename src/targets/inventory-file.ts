// Reading an inventory named on the command line: the I/O edge of this room. A `.xlsx` file
// (or any zip archive, which is what a workbook is) is read as a workbook; anything else is
// decoded by its byte order mark (decode.ts) and parsed as text. `-` is standard input, read as
// text (UTF-8, a BOM allowed).

import { readFileSync } from 'node:fs';
import { errorCode, readProblem } from '../file-problem.js';
import { decodeInventory, isZip } from './decode.js';
import { parseInventory, problem, type Inventory } from './inventory.js';
import type { SpecOptions } from './spec.js';
import { readXlsxInventory } from './xlsx-inventory.js';

export interface InventorySource {
  readonly file: string;
  readonly inventory: Inventory;
}

/** Thrown when the file cannot be opened at all: the caller turns it into a usage error. */
export class InventoryReadError extends Error {
  override readonly name = 'InventoryReadError';
}

export async function readInventoryFile(
  file: string,
  options: SpecOptions & { readonly sheet?: string; readonly readStdin: () => Promise<string> },
): Promise<InventorySource> {
  if (file === '-') {
    const label = '<stdin>';
    return { file: label, inventory: parseInventory(await options.readStdin(), label, options) };
  }
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new InventoryReadError(`--inventory ${file}: ${readProblem(errorCode(e))}`);
  }
  if (/\.xlsx$/i.test(file) || isZip(bytes)) return { file, inventory: await readXlsxInventory(file, file, options, options.sheet) };
  const refuse = (reason: string): InventorySource => ({
    file,
    inventory: { format: 'csv', entries: [], errors: [], notes: [], refused: problem(file, 1, undefined, reason) },
  });
  if (options.sheet !== undefined) return refuse(`--sheet ${JSON.stringify(options.sheet)} given, but this is not an .xlsx workbook`);
  const decoded = decodeInventory(bytes);
  if (!decoded.ok) return refuse(decoded.error);
  return { file, inventory: parseInventory(decoded.text, file, options) };
}
