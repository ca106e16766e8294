// Is a model string a model? Device text is untrusted: a model decides "on the bulletin or not",
// so only a clean APC part number may decide it. Pure.

/**
 * APC Rack ATS part numbers: "AP" and four digits, then up to three letters or digits
 * (AP7722A, AP7752J, AP4423A). Case is not significant (advisory.ts compares upper case).
 */
const PART_NUMBER = /^AP\d{4}[A-Z0-9]{0,3}$/i;

/** Characters a spreadsheet reads as the start of a formula (and a tab or return before one). */
const FORMULA_START = /^[=+\-@\t\r]/;

/** C0 and C1 controls, DEL, and Unicode format characters (zero-width, bidirectional overrides). */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]/u;

export type CleanModel = { readonly ok: true; readonly model: string } | { readonly ok: false; readonly why: string };

/**
 * A model as the unit sent it -> the model, or why it is not one. Only trailing NUL or space
 * padding (fixed-width fields on some cards) is removed; anything else that is not exactly an
 * APC part number is refused, never mended.
 */
export function cleanModel(raw: string): CleanModel {
  const model = raw.replace(/[\0 ]+$/, '');
  const shown = JSON.stringify(raw.length > 40 ? `${raw.slice(0, 40)}…` : raw);
  if (model === '') return { ok: false, why: `the model is blank (${shown})` };
  const control = CONTROL.exec(model);
  if (control) {
    const code = control[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    return { ok: false, why: `the model ${shown} holds a control character (U+${code} at position ${control.index + 1})` };
  }
  if (FORMULA_START.test(model)) return { ok: false, why: `the model ${shown} looks like a spreadsheet formula, not a part number` };
  if (!PART_NUMBER.test(model)) return { ok: false, why: `the model ${shown} is not shaped like an APC part number (AP and four digits, e.g. AP7724)` };
  return { ok: true, model };
}
