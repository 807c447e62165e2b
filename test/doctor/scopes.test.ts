import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { compareScopes, REQUIRED_BOT_SCOPES } from '../../src/slack/scopes.js';

function botScopes(file: string): string[] {
  const manifest = parse(readFileSync(join(PACKAGE_ROOT, 'slack', file), 'utf8')) as {
    oauth_config: { scopes: { bot: string[] } };
  };
  return manifest.oauth_config.scopes.bot;
}

describe('REQUIRED_BOT_SCOPES', () => {
  // The image has no slack/ directory, so the doctor compares against the constant: it must not drift.
  it.each(['manifest.yaml', 'manifest.socket-mode.yaml'])('is exactly the bot scopes of slack/%s', (file) => {
    expect([...REQUIRED_BOT_SCOPES].sort()).toEqual(botScopes(file).sort());
  });
});

describe('compareScopes', () => {
  it('names what is missing and what is extra, in their own order', () => {
    expect(
      compareScopes(['chat:write', 'channels:history', 'commands'], ['commands', 'chat:write', 'users:read']),
    ).toEqual({
      missing: ['users:read'],
      extra: ['channels:history'],
    });
  });

  it('finds nothing to say about exactly the required scopes', () => {
    expect(compareScopes([...REQUIRED_BOT_SCOPES])).toEqual({ missing: [], extra: [] });
  });
});
