/**
 * Text written for the Temporal UI — static summaries and details, timer and activity summaries — that holds no
 * personal data and must stay readable without the codec (issue 6: "the UI lists remain readable without
 * decoding"). `ui(text)` marks it; the project's payload converter (src/temporal/payload-converter.ts) turns a
 * marked string into a plain JSON payload flagged `pre-ui-text`, which the encryption codec leaves in clear. Every
 * other payload is encrypted. Only fixed French phrases, codes, dates and ids may be marked: the privacy tests
 * scan the raw histories for the children's data.
 *
 * Deterministic and dependency-free: it runs in the workflow sandbox.
 */

/** INVISIBLE SEPARATOR: never typed by staff, stripped by the payload converter. */
export const UI_TEXT_MARK = '\u2063';

/** Marks a text without personal data as readable in the Temporal UI without the codec. */
export function ui(text: string): string {
  return text.startsWith(UI_TEXT_MARK) ? text : UI_TEXT_MARK + text;
}
