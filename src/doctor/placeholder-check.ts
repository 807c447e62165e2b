import { ENV_EXAMPLE_PLACEHOLDERS, isEnvExamplePlaceholder } from '../config/env.js';
import type { Catalog } from '../domain/catalog.js';
import { type CheckLine, fail } from './report.js';

type Variables = Readonly<Record<string, string | undefined>>;

/** A secret the catalog takes from the environment, where it is used and how to get the real one. */
interface CatalogSecret {
  readonly value: string;
  readonly usedBy: string;
  readonly fix: (variable: string) => string;
}

function catalogSecrets(catalog: Catalog): CatalogSecret[] {
  const secrets: CatalogSecret[] = catalog.accounts.map((account) => ({
    value: account.externalId,
    usedBy: `the externalId of account ${account.id}`,
    fix: (variable) =>
      `set ${variable} to the external ID the connector role of account ${account.id} (${account.accountId}) was deployed with (docs/deploy.md, step 3)`,
  }));
  if (catalog.okta)
    secrets.push({
      value: catalog.okta.token,
      usedBy: 'okta.token',
      fix: (variable) =>
        `create an API token in Okta (Security > API > Tokens, as a Group Membership Administrator) and set ${variable} to it`,
    });
  return secrets;
}

/** The variables that hold `value`: the catalog's `${NAME}` was resolved from one of them. */
function variablesHolding(value: string, variables: Variables): string[] {
  const names = Object.keys(variables).filter((name) => variables[name]?.trim() === value.trim());
  // A placeholder written into the catalog itself: name the variable .env.example gives it.
  if (names.length > 0) return names;
  return Object.keys(ENV_EXAMPLE_PLACEHOLDERS).filter(
    (name) => ENV_EXAMPLE_PLACEHOLDERS[name] === value.trim(),
  );
}

/**
 * The catalog's secrets still at .env.example's placeholders: an error each, naming the variable
 * and never the value. Only those the catalog uses: a copied .env keeps the ones it does not need.
 * (SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN are refused by parseEnv, so serve refuses them too.)
 */
export function placeholderLines(catalog: Catalog, variables: Variables): CheckLine[] {
  const lines: CheckLine[] = [];
  for (const secret of catalogSecrets(catalog)) {
    if (!isEnvExamplePlaceholder(secret.value)) continue;
    const names = variablesHolding(secret.value, variables);
    const variable = names.join(' / ') || 'the variable it names';
    lines.push(
      fail(
        'environment',
        `${variable} is still .env.example's placeholder (used as ${secret.usedBy} in the catalog)`,
        secret.fix(names[0] ?? 'it'),
      ),
    );
  }
  return lines;
}
