import { readFileSync } from 'node:fs';
import type { Catalog } from '../domain/catalog.js';
import { UserFacingError } from '../errors.js';
import { buildCatalog } from './catalog-build.js';
import { checkCatalog } from './catalog-checks.js';
import { substituteEnv } from './catalog-env.js';
import { catalogErrorMap, problemsFromZod } from './catalog-issues.js';
import { createRedaction, formatPath, type Problem, plural } from './catalog-problems.js';
import { catalogSchema } from './catalog-schema.js';
import { type CatalogDocument, positionOf, readCatalogYaml } from './catalog-yaml.js';

type Env = Readonly<Record<string, string | undefined>>;

/** Reads and validates the catalog file at start-up; synchronous because nothing runs before it. */
export function loadCatalog(filePath: string, env: Env): Catalog {
  let text: string;
  try {
    text = readFileSync(filePath, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message =
      code === 'ENOENT'
        ? `catalog file ${filePath} not found: copy examples/jitbot.yaml to ./jitbot.yaml, or set JITBOT_CATALOG to the catalog's path`
        : `catalog file ${filePath} cannot be read (${code ?? 'unknown error'}): check that it is a readable file`;
    throw new UserFacingError('catalog_invalid', message, { cause: error });
  }
  return parseCatalog(text, filePath, env);
}

/**
 * Parses catalog YAML, substitutes `${VAR}` from `env`, and checks everything at once: the
 * thrown message lists every problem found, in file order, so one edit fixes them all.
 */
export function parseCatalog(text: string, fileName: string, env: Env): Catalog {
  const source = readCatalogYaml(text, fileName);
  const substituted = substituteEnv(source.value, env);
  const redaction = createRedaction(substituted.sources);
  // reportInput keeps each issue's value so the message can quote it when the Redaction allows.
  const parsed = catalogSchema.safeParse(substituted.value, { reportInput: true, error: catalogErrorMap });
  const schemaProblems = parsed.success ? [] : problemsFromZod(parsed.error.issues, redaction);
  const problems = [
    ...substituted.problems,
    // A failed substitution is already reported; what the schema says about the hole it left is noise.
    ...schemaProblems.filter((problem) => !substituted.failed.has(formatPath(problem.path))),
    ...checkCatalog(substituted.value, redaction),
  ];
  if (problems.length > 0 || !parsed.success) throw invalidCatalog(fileName, problems, source);
  return buildCatalog(parsed.data);
}

function invalidCatalog(
  fileName: string,
  problems: readonly Problem[],
  source: CatalogDocument,
): UserFacingError {
  const placed = problems.map((problem) => ({
    problem,
    position: positionOf(source.document, problem.anchor ?? problem.path),
  }));
  const lines = placed
    .sort((a, b) => a.position - b.position)
    .map(({ problem }) => `  - ${formatPath(problem.path)}: ${problem.message}`);
  return new UserFacingError(
    'catalog_invalid',
    `The catalog ${fileName} is not valid (${plural(lines.length, 'problem')}):\n${lines.join('\n')}`,
  );
}
