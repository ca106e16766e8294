import { Ajv2020 } from 'ajv/dist/2020.js';

/** RFC 3339 date-time, the shape toISOString() writes (Ajv ships no formats of its own). */
export const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * An Ajv for the report schema: strict (unknown keywords or formats are schema errors, not
 * warnings printed by the test run), with the one format the schema uses.
 */
export function reportAjv(): Ajv2020 {
  const ajv = new Ajv2020({ strict: true, allErrors: true, allowUnionTypes: true });
  ajv.addFormat('date-time', DATE_TIME);
  return ajv;
}
