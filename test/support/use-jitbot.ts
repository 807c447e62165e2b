import { afterAll, beforeAll } from 'vitest';
import { type Jitbot, type JitbotOptions, startJitbot } from './jitbot-harness.js';

/**
 * The jitbot of one test file: started with `catalogData` (the shared test catalog unless given)
 * before its first test and stopped after its last. What it returns stands for the running jitbot
 * from the first test on, so the file uses it as it would the result of startJitbot().
 */
export function useJitbot(catalogData?: unknown, options?: JitbotOptions): Jitbot {
  let running: Jitbot | undefined;
  beforeAll(async () => {
    running = await startJitbot(catalogData, options);
  });
  afterAll(() => running?.stop());
  const current = (): Jitbot => {
    if (!running) throw new Error('jitbot is not started yet: use it inside a test or a hook');
    return running;
  };
  return new Proxy({} as Jitbot, {
    get: (_, property) => Reflect.get(current(), property),
  });
}

/** Slack user ids no other test of the file uses: `<prefix>1<suffix>`, `<prefix>2<suffix>`, ... */
export function userIds(prefix: string, suffix = ''): () => string {
  let sequence = 0;
  return () => {
    sequence += 1;
    return `${prefix}${sequence}${suffix}`;
  };
}
