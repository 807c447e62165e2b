import { loadCatalog } from '../config/catalog.js';
import { emailDomainWarning } from '../config/catalog-checks.js';
import { checkGeneratedPolicyTargets } from '../config/catalog-generated-policy-actions.js';
import { type Env, parseEnv } from '../config/env.js';
import type { Catalog } from '../domain/catalog.js';
import { describeError, isUserFacingError } from '../errors.js';
import { placeholderLines } from './placeholder-check.js';
import { type CheckLine, fail, pass, warn } from './report.js';

export interface LoadedConfig {
  readonly lines: CheckLine[];
  /** Both set only when both loaded: every later check needs them. */
  readonly env?: Env;
  readonly catalog?: Catalog;
}

type Variables = Readonly<Record<string, string | undefined>>;

/** Their messages already list every problem with its fix (and never a value), so they go as is. */
function failure(name: string, error: unknown): CheckLine {
  if (isUserFacingError(error)) return fail(name, error.message);
  return fail(name, `could not be read: ${describeError(error)}`);
}

function describeCatalog(path: string, catalog: Catalog): string {
  const targets = catalog.targets.length;
  const accounts = catalog.accounts.length;
  return (
    `${path}: ${targets} target${targets === 1 ? '' : 's'}, ` +
    `${accounts} AWS account${accounts === 1 ? '' : 's'}${catalog.okta ? ', Okta' : ''}` +
    (catalog.identityCenter ? ', Identity Center' : '')
  );
}

export async function checkConfig(variables: Variables): Promise<LoadedConfig> {
  let env: Env;
  try {
    env = parseEnv(variables);
  } catch (error) {
    return { lines: [failure('environment', error)] };
  }
  const environment = pass('environment', env.SLACK_APP_TOKEN ? 'Socket Mode' : `HTTP on port ${env.PORT}`);
  try {
    const catalog = loadCatalog(env.JITBOT_CATALOG, variables);
    await checkGeneratedPolicyTargets(catalog, env.JITBOT_CATALOG);
    const domains = emailDomainWarning(catalog);
    return {
      lines: [
        environment,
        pass('catalog', describeCatalog(env.JITBOT_CATALOG, catalog)),
        ...placeholderLines(catalog, variables),
        ...(domains ? [warn('catalog email domains', domains.problem, domains.fix)] : []),
      ],
      env,
      catalog,
    };
  } catch (error) {
    return { lines: [environment, failure('catalog', error)] };
  }
}
