import { formatPath, type Path, type Problem } from './catalog-problems.js';

/**
 * `${VAR}` substitution in every string value of the parsed YAML, so secrets such as external
 * ids and API tokens stay out of the file. It runs on parsed values, not on the text, so a value
 * containing `: ` or `#` cannot change the YAML structure. `$${` is a literal `${`.
 */

export interface Substitution {
  readonly value: unknown;
  readonly problems: Problem[];
  /** Formatted path -> the text as written, for every value that used a variable: never shown. */
  readonly sources: Map<string, string>;
  /** Formatted paths whose substitution failed; their value is left out so nothing else complains. */
  readonly failed: Set<string>;
}

type Env = Readonly<Record<string, string | undefined>>;
type Found = Omit<Substitution, 'value'>;

const REFERENCE = /\$\$\{|\$\{([A-Za-z_]\w*)\}|\$\{/g;

export function substituteEnv(value: unknown, env: Env): Substitution {
  const found: Found = { problems: [], sources: new Map(), failed: new Set() };
  const substituted = walk(value, [], env, found);
  return { value: substituted, ...found };
}

function walk(value: unknown, path: Path, env: Env, found: Found): unknown {
  if (typeof value === 'string') return substituteText(value, path, env, found);
  if (Array.isArray(value)) return value.map((item, index) => walk(item, [...path, index], env, found));
  if (typeof value !== 'object' || value === null) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    // A key with nothing after it (`okta:`) means "not set", the same as leaving it out.
    copy[key] = item === null ? undefined : walk(item, [...path, key], env, found);
  }
  return copy;
}

function substituteText(text: string, path: Path, env: Env, found: Found): string | undefined {
  const problems: string[] = [];
  let usedVariable = false;
  const replaced = text.replace(REFERENCE, (match, name: string | undefined) => {
    if (match === '$${') return '${';
    if (name === undefined) {
      problems.push(
        `has a \${ that is not a variable reference; write \${NAME} (letters, digits, _) or $\${ for a literal \${`,
      );
      return match;
    }
    usedVariable = true;
    const variable = env[name];
    if (variable === undefined)
      problems.push(`environment variable ${name} is not set; set it in the environment or in .env`);
    else if (variable === '')
      problems.push(`environment variable ${name} is empty; give it a value in the environment or in .env`);
    return variable ?? '';
  });
  if (usedVariable) found.sources.set(formatPath(path), text);
  if (problems.length === 0) return replaced;
  found.failed.add(formatPath(path));
  for (const message of problems) found.problems.push({ path, message });
  return undefined;
}
