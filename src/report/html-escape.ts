// Text for HTML: every piece of device, inventory or bulletin text goes through `html()`
// before it reaches the page, in element content and in attribute values alike.

import { escapeControls } from './sanitize.js';

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Safe in element content and in quoted attribute values: the five markup characters become
 * entities, so no text can open a tag or leave an attribute; control, bidi and zero-width
 * characters are shown as visible escapes first (as in the other formats), so no text can
 * reorder what is shown around it.
 */
export function html(s: string): string {
  return escapeControls(s).replace(/[&<>"']/g, (ch) => ENTITIES[ch] ?? ch);
}
