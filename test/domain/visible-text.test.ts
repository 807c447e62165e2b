import { describe, expect, it } from 'vitest';
import { denyReasonProblem, validateRequestInput } from '../../src/domain/request-input.js';
import { hasVisibleText, removeBidiControls, visibleLength } from '../../src/domain/visible-text.js';
import { PROD_ADMIN_TARGET } from '../support/domain-targets.js';

/** Production admin: 1h by default, 4h at most. */
const target = PROD_ADMIN_TARGET;

describe('visibleLength', () => {
  it.each([
    ['plain text', 'INC-42 logs', 10],
    ['zero-width spaces, joiners and marks', '\u200B\u200C\u200D\u200E\u200F\u2060\uFEFF', 0],
    ['bidi overrides and isolates', '\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069', 0],
    ['whitespace of every kind', ' \t\n\u00A0\u2003\u3000', 0],
    ['invisible fillers', '\u3164\u115F\u2800\u00AD\uFE0F', 0],
    ['zero-width spaces between letters', 'a\u200Bb\u200Bc', 3],
    ['an accented letter written as two code points', 'e\u0301', 1],
    ['combining marks with nothing to sit on', '\u0301'.repeat(20), 1],
    ['an emoji family', '👩‍👩‍👧', 1],
  ])('%s', (_, text, expected) => {
    expect(visibleLength(text)).toBe(expected);
  });

  it('hasVisibleText is false for invisible text only', () => {
    expect(hasVisibleText('\u200B \u2060')).toBe(false);
    expect(hasVisibleText('\u200Bx')).toBe(true);
  });
});

describe('removeBidiControls', () => {
  it('removes every embedding, override, isolate and direction mark, and nothing else', () => {
    const controls = '\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069\u200E\u200F\u061C';
    expect(removeBidiControls(`invoice_${controls}fdp.exe`)).toBe('invoice_fdp.exe');
    expect(removeBidiControls('שלום, مرحبا, a\u200Bb')).toBe('שלום, مرحبا, a\u200Bb');
  });
});

describe('the justification minimum counts what a reader sees', () => {
  it.each([
    ['twenty zero-width spaces', '\u200B'.repeat(20)],
    ['spaces between five letters', 'a b c d e'],
    ['three letters padded with format characters', `abc${'\u2060\uFEFF'.repeat(10)}`],
    ['an RLO and three letters', '\u202Eabc'],
  ])('refuses %s', (_, justification) => {
    expect(validateRequestInput({ duration: '1h', justification }, target)).toEqual({
      ok: false,
      problems: { justification: 'say why you need access, in at least 10 characters' },
    });
  });

  it('accepts ten visible characters, and keeps the text as typed', () => {
    const justification = 'INC\u200B-1234 ok';
    expect(validateRequestInput({ duration: '1h', justification }, target)).toMatchObject({
      ok: true,
      input: { justification },
    });
  });
});

describe('denyReasonProblem', () => {
  it('asks for a reason a requester can read', () => {
    expect(denyReasonProblem('\u200B\u200B \u2060')).toBe('Say why, so the requester knows what to do next.');
  });

  it('refuses more than the form allows, counted as the form counts', () => {
    expect(denyReasonProblem('x'.repeat(500))).toBeUndefined();
    // 500 emoji are 1000 UTF-16 units but 500 characters to the form.
    expect(denyReasonProblem('🙂'.repeat(500))).toBeUndefined();
    expect(denyReasonProblem('x'.repeat(501))).toBe(
      'Keep the reason to at most 500 characters (it has 501); the requester reads it in a DM.',
    );
  });
});
