import { describe, expect, it } from 'vitest';
import { denyReasonProblem, durationChoices, validateRequestInput } from '../../src/domain/request-input.js';
import { PROD_ADMIN_TARGET } from '../support/domain-targets.js';

/** Production admin: 1h by default, 4h at most. */
const target = PROD_ADMIN_TARGET;

describe('validateRequestInput', () => {
  it('accepts a duration within the max and a real justification', () => {
    expect(
      validateRequestInput({ duration: '2h', justification: '  investigating INC-42  ' }, target),
    ).toEqual({
      ok: true,
      input: { durationSeconds: 7200, justification: 'investigating INC-42', ticket: null },
    });
  });

  it('refuses a duration over the max, naming the limit', () => {
    const result = validateRequestInput({ duration: '8h', justification: 'investigating INC-42' }, target);
    expect(result).toEqual({
      ok: false,
      problems: { duration: '8h is longer than Production admin allows: at most 4h' },
    });
  });

  it('refuses what is not a duration, with an example', () => {
    const result = validateRequestInput({ duration: 'soon', justification: 'investigating INC-42' }, target);
    expect(result).toMatchObject({
      ok: false,
      problems: { duration: expect.stringContaining('write e.g. 30m, 2h or 1d') },
    });
  });

  it('refuses a justification that is too short or too long, and a long ticket, all at once', () => {
    const result = validateRequestInput(
      { duration: '1h', justification: 'pls', ticket: 'x'.repeat(301) },
      target,
    );
    expect(result).toEqual({
      ok: false,
      problems: {
        justification: 'say why you need access, in at least 10 characters',
        ticket: 'keep the ticket or link under 300 characters',
      },
    });
    const long = validateRequestInput({ duration: '1h', justification: 'x'.repeat(1001) }, target);
    expect(long).toMatchObject({
      ok: false,
      problems: { justification: expect.stringContaining('under 1000') },
    });
  });
});

describe('durationChoices', () => {
  it('offers common steps up to the max, including the default and the max', () => {
    expect(durationChoices({ ...target, durations: { defaultSeconds: 5400, maxSeconds: 4 * 3600 } })).toEqual(
      [900, 1800, 3600, 5400, 7200, 14_400],
    );
  });
});

describe('control characters', () => {
  it('refuses a NUL or an escape in the justification and the ticket, and keeps tabs and line breaks', () => {
    const result = validateRequestInput(
      { duration: '1h', justification: 'investigating\u0000 INC-42', ticket: 'INC-\u001b42' },
      target,
    );
    expect(result).toEqual({
      ok: false,
      problems: {
        justification:
          'the justification has a control character (an invisible byte such as NUL): type it again without it',
        ticket:
          'the ticket has a control character (an invisible byte such as NUL): type it again without it',
      },
    });
    expect(
      validateRequestInput({ duration: '1h', justification: 'investigating\tINC-42\nstep 2' }, target),
    ).toMatchObject({
      ok: true,
    });
  });

  it('refuses a deny reason with a NUL in words', () => {
    expect(denyReasonProblem('not now\u0000')).toBe(
      'The reason has a control character (an invisible byte such as NUL): type it again without it.',
    );
  });
});
