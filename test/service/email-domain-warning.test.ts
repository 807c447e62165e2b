import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { EXAMPLE_CATALOG, stopProcess } from '../support/service-process.js';
import { useServiceWorld } from '../support/service-world.js';

const world = useServiceWorld();

/** The example catalog without settings.allowedEmailDomains. */
function catalogWithoutDomains(): string {
  const catalog = parse(readFileSync(EXAMPLE_CATALOG, 'utf8')) as { settings: Record<string, unknown> };
  delete catalog.settings.allowedEmailDomains;
  const file = join(mkdtempSync(join(tmpdir(), 'jitbot-domains-')), 'jitbot.yaml');
  writeFileSync(file, stringify(catalog));
  return file;
}

describe('start-up', () => {
  it('warns, with the fix, when accounts find people by their Slack email and no email domains are set', async () => {
    const service = await world.startService({ JITBOT_CATALOG: catalogWithoutDomains() });
    try {
      await service.waitForOutput(/settings\.allowedEmailDomains is not set/);
      const line = service
        .output()
        .split('\n')
        .find((text) => text.includes('allowedEmailDomains is not set'));
      expect(JSON.parse(line ?? '{}')).toMatchObject({
        level: expect.anything(),
        msg: expect.stringContaining(
          'To fix it, set settings.allowedEmailDomains to the email domains your company controls',
        ),
      });
    } finally {
      await stopProcess(service, 'SIGKILL');
    }
  });
});
