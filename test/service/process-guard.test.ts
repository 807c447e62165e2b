/**
 * The last line of defence, in a real process: an uncaught exception or an unhandled rejection is
 * logged with the request it came from and the process serves on; a burst of them ends it for
 * its supervisor to restart.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/paths.js';

const TSX = join(PACKAGE_ROOT, 'node_modules', '.bin', 'tsx');
const SCRIPT = join(PACKAGE_ROOT, 'test', 'support', 'guarded-process.ts');

function run(faults: number, maxExceptions: number) {
  const result = spawnSync(TSX, [SCRIPT, String(faults), String(maxExceptions)], { encoding: 'utf8' });
  const lines = result.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { level: string; msg: string; request?: Record<string, string> });
  return { code: result.status, stdout: result.stdout, lines };
}

describe('the process guard', () => {
  it('logs a throw and an unhandled rejection with the request they came from, and serves on', () => {
    const { code, stdout, lines } = run(3, 20);
    expect(code).toBe(0);
    expect(stdout).toContain('still serving after 3 exceptions');
    const errors = lines.filter((line) => line.level === 'error');
    expect(errors).toHaveLength(6);
    expect(errors.every((line) => line.request?.path === '/slack/events')).toBe(true);
    expect(errors.some((line) => line.msg.includes('nobody handled it'))).toBe(true);
  });

  it('exits 70 after more uncaught exceptions than it allows in a minute, for a clean restart', () => {
    const { code, stdout, lines } = run(5, 2);
    expect(code).toBe(70);
    expect(stdout).not.toContain('still serving');
    expect(lines.some((line) => line.level === 'fatal')).toBe(true);
  });
});
