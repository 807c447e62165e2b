/**
 * What people can actually see in text someone typed. Slack shows zero-width and other format
 * characters as nothing, so a justification of twenty U+200B passes a plain length check while
 * an approver reads an empty line; and bidirectional controls reorder what follows them, so
 * "invoice_fdp.exe" can be typed to display as "invoice_exe.pdf".
 */

/**
 * Characters that show as nothing: format (Cf, e.g. U+200B..U+200F, U+2060, U+FEFF), control
 * (Cc), whitespace, the default-ignorable ones (variation selectors, U+3164 Hangul filler, ...),
 * and U+2800, the blank braille pattern that renders as a space.
 */
const VISIBLE = /[^\p{Cf}\p{Cc}\p{White_Space}\p{Default_Ignorable_Code_Point}\u2800]/u;

/**
 * The bidirectional embeddings, overrides and isolates (U+202A..U+202E, U+2066..U+2069) and the
 * direction marks (U+200E, U+200F, U+061C): none is needed to show a justification, and each can
 * make Slack display text in another order than it was written.
 */
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/g;

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * How many characters a reader sees: user-perceived characters (grapheme clusters, so a letter
 * with its accents or an emoji sequence is one, and combining marks alone cannot pad a text)
 * that hold at least one visible code point.
 */
export function visibleLength(text: string): number {
  let count = 0;
  for (const { segment } of graphemes.segment(text)) if (VISIBLE.test(segment)) count += 1;
  return count;
}

export function hasVisibleText(text: string): boolean {
  return visibleLength(text) > 0;
}

/** `text` without bidirectional controls; everything else as typed. */
export function removeBidiControls(text: string): string {
  return text.replace(BIDI_CONTROLS, '');
}
