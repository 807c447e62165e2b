import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, scrubSecrets } from '../../src/log/logger.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger('debug', stream), text: () => lines.join('') };
}

describe('the logger', () => {
  it('redacts secret fields wherever they sit in a log object', () => {
    const { logger, text } = capture();
    logger.info({ token: 'xoxb-1', account: { externalId: 'ext-123' }, signingSecret: 's3cr3t' }, 'hello');
    expect(text()).not.toMatch(/xoxb-1|ext-123|s3cr3t/);
    expect(text()).toContain('[redacted]');
  });

  it('scrubs tokens and database passwords from free text and errors', () => {
    const { logger, text } = capture();
    logger.error({ err: new Error('call failed with xoxb-123-456-abc') }, 'token xapp-1-AAA leaked?');
    logger.warn('connect to postgres://jitbot:hunter2@db:5432/jitbot failed');
    expect(text()).not.toMatch(/xoxb-123|xapp-1-AAA|hunter2/);
    expect(text()).toContain('postgres://jitbot:[redacted]@db');
  });

  it("scrubs a proxy URL's password, keeping where the proxy is", () => {
    expect(scrubSecrets('tunnel via http://ops:pr0xy-pass@proxy.example:3128 refused')).toBe(
      'tunnel via http://ops:[redacted]@proxy.example:3128 refused',
    );
  });

  it('scrubs AWS access key ids', () => {
    expect(scrubSecrets('key AKIAABCDEFGHIJKLMNOP used')).toBe('key [redacted] used');
  });
});
