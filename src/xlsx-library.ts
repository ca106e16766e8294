import { createRequire } from 'node:module';

// exceljs, the one workbook library (the xlsx report writes with it, the xlsx inventory reads
// with it), loaded only when a workbook is read or written: a plain scan does not pay for it.
//
// Required, not import()ed: the shipped tool is one CommonJS bundle run through node:vm with a
// code cache (src/cli/code-cache.ts), where a dynamic import() would need an experimental
// callback. exceljs is itself CommonJS, so require returns what `import()` gives as `default`.

type ExcelJs = typeof import('exceljs');

let loaded: ExcelJs | undefined;

export function excelJs(): ExcelJs {
  loaded ??= createRequire(import.meta.url)('exceljs') as ExcelJs;
  return loaded;
}
