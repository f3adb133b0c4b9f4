/**
 * The one escaper for text from a result that reaches a terminal (observed behaviour, reasons,
 * notes, ids): control characters are shown as `\xNN` instead of acting, so bytes chosen by the
 * server under test cannot move the cursor, recolour or clear the reader's terminal, or start a
 * line of their own that reads like chatbench's.
 */

// C0 controls (tab and newline too: a value stays on its line), DEL and the C1 controls.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/** Text with every control character written as `\xNN`. */
export function termText(text: string): string {
  return text.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
