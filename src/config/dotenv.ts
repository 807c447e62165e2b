import { existsSync, readFileSync } from 'node:fs';
import { parseEnv as parseEnvFile } from 'node:util';

/**
 * Reads `.env` from the working directory into `target` when the file exists. Variables already
 * set in the real environment win, so a deployment can always override the file.
 * Returns the names that came from the file (for a start-up log line, never the values).
 */
export function loadDotEnv(path: string, target: Record<string, string | undefined>): string[] {
  if (!existsSync(path)) return [];
  const values = parseEnvFile(readFileSync(path, 'utf8'));
  const loaded: string[] = [];
  for (const [name, value] of Object.entries(values)) {
    if (target[name] !== undefined) continue;
    target[name] = value;
    loaded.push(name);
  }
  return loaded;
}
