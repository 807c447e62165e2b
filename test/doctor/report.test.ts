import { describe, expect, it } from 'vitest';
import { DeadlineExceeded, withDeadline } from '../../src/doctor/deadline.js';
import { createRedactor, fail, formatLine, pass, skip, summarize, warn } from '../../src/doctor/report.js';
import { scopeLines } from '../../src/doctor/slack-check.js';

describe('formatLine', () => {
  it('puts a pass on one line', () => {
    expect(formatLine(pass('slack token', 'works'))).toEqual(['✓ slack token: works']);
  });

  it('indents a failure’s further lines and its fix under it', () => {
    expect(formatLine(fail('catalog', 'is not valid:\n  - targets[0].id: required', 'edit it'))).toEqual([
      '✗ catalog: is not valid:',
      '    - targets[0].id: required',
      '    fix: edit it',
    ]);
  });

  it('marks warnings with ! and skipped checks with -', () => {
    expect(formatLine(warn('aws prod: scheduler role', 'no backstop'))).toEqual([
      '! aws prod: scheduler role: no backstop',
    ]);
    expect(formatLine(skip('okta group 00g1', 'not checked'))).toEqual(['- okta group 00g1: not checked']);
  });
});

describe('summarize', () => {
  it('counts failures against every check, and warnings apart', () => {
    expect(summarize([pass('a'), fail('b', 'x'), warn('c', 'y'), skip('d', 'z')])).toBe(
      '1 of 4 checks failed, 1 warning: fix the ✗ lines and run jitbot doctor again.',
    );
    expect(summarize([pass('a'), pass('b'), warn('c', 'y')])).toBe('All 2 checks passed, 1 warning.');
  });
});

describe('createRedactor', () => {
  it('removes every known secret and token-shaped text, longest first', () => {
    const redact = createRedactor(['external-id-1', 'external-id-12', undefined, 'abc']);
    expect(redact('ids external-id-12 and external-id-1, abc, xoxb-123-456')).toBe(
      'ids [redacted] and [redacted], abc, [redacted]',
    );
  });

  it("keeps a hint's example DATABASE_URL as written, and still removes a real URL's password", () => {
    const redact = createRedactor(['s3cret-db-pass']);
    expect(
      redact(
        'DATABASE_URL must be a PostgreSQL URL like postgres://user:password@host:5432/jitbot; ' +
          'e.g. postgresql://jitbot:password@db:5432/jitbot. Tried postgres://jitbot:s3cret-db-pass@db:5432/jitbot ' +
          'and postgres://admin:hunter2@db/jitbot',
      ),
    ).toBe(
      'DATABASE_URL must be a PostgreSQL URL like postgres://user:password@host:5432/jitbot; ' +
        'e.g. postgresql://jitbot:password@db:5432/jitbot. Tried postgres://jitbot:[redacted]@db:5432/jitbot ' +
        'and postgres://admin:[redacted]@db/jitbot',
    );
  });

  it('removes a real password that is literally "password", example and all', () => {
    const redact = createRedactor(['password']);
    expect(redact('at postgres://user:password@host:5432/jitbot')).toBe(
      'at postgres://user:[redacted]@host:5432/jitbot',
    );
  });
});

describe('scopeLines', () => {
  it('warns, not fails, when Slack does not say which scopes the token has', () => {
    expect(scopeLines(undefined)).toEqual([
      expect.objectContaining({ status: 'warn', name: 'slack scopes' }),
    ]);
  });
});

describe('withDeadline', () => {
  it('rejects with DeadlineExceeded and hands a late result to onLate', async () => {
    let resolveLate: (value: string) => void = () => undefined;
    const late: string[] = [];
    const work = new Promise<string>((resolve) => {
      resolveLate = resolve;
    });
    await expect(withDeadline(work, 10, (value) => late.push(value))).rejects.toBeInstanceOf(
      DeadlineExceeded,
    );
    resolveLate('pool');
    await work;
    expect(late).toEqual(['pool']);
  });
});
