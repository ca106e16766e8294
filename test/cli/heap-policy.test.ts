import { describe, expect, it } from 'vitest';
import { namesWorkbook } from '../../src/cli/heap-policy.js';

// Which runs set the heap flag (src/cli/heap-policy.ts): those that read or write a workbook.
// heapForStartUp itself is never called here: V8 flags must not change in a working process.

describe('namesWorkbook', () => {
  it.each([
    [['scan', '10.0.0.0/16', '-f', 'xlsx']],
    [['scan', '10.0.0.0/16', '--format', 'XLSX']],
    [['scan', '10.0.0.0/16', '--format=xlsx']],
    [['scan', '10.0.0.0/16', '-fxlsx']],
    [['scan', '10.0.0.0/16', '-f=xlsx']],
    [['scan', '10.0.0.0/16', '-o', 'fleet.xlsx']],
    [['scan', '10.0.0.0/16', '--output=/reports/Fleet.XLSX']],
    [['scan', '-i', 'inventory.xlsx']],
  ])('a workbook: %j', (argv) => {
    expect(namesWorkbook(argv)).toBe(true);
  });

  it.each([
    [['scan', '10.0.0.0/16', '-f', 'csv', '-o', 'fleet.csv']],
    [['scan', '-i', 'xlsx-list.txt', '-o', 'out.xlsx.json']],
    [['scan', 'xlsxhost.example']],
    [[]],
  ])('no workbook: %j', (argv) => {
    expect(namesWorkbook(argv)).toBe(false);
  });
});
