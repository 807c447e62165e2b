import { describe, expect, it } from 'vitest';
import { runCli, serviceEnv } from '../support/service-process.js';

describe('start-up with a malformed proxy URL', () => {
  it('exits 1 naming the variable and the fix, and never prints the password in it', async () => {
    const password = 'Pr0xyPassw0rd-never-printed';
    const run = runCli(
      ['serve'],
      serviceEnv({
        HTTPS_PROXY: `http://jitbot:${password}@proxy.example:31 28`,
        NO_PROXY: '169.254.169.254',
      }),
    );
    const { code } = await run.exited;
    const output = run.output();
    expect(code).toBe(1);
    expect(output).toContain('HTTPS_PROXY is not a URL: e.g. HTTPS_PROXY=http://proxy.example:3128');
    expect(output).toContain('or unset it to connect directly');
    expect(output).not.toContain(password);
    expect(output).not.toMatch(/\n\s+at /);
  });
});
