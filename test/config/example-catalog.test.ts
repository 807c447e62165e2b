import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseCatalog } from '../../src/config/catalog.js';
import { checkGeneratedPolicyTargets } from '../../src/config/catalog-generated-policy-actions.js';
import { identityCenterBackstopWarning } from '../../src/config/catalog-identity-center.js';
import { catalogSchema } from '../../src/config/catalog-schema.js';
import { PACKAGE_ROOT } from '../../src/paths.js';

/**
 * examples/jitbot.yaml is where people learn the catalog: it shows every kind of target the
 * schema accepts, and loads as shipped, so a new kind without an example (or an example the
 * parser refuses) fails here.
 */

const EXAMPLE = readFileSync(join(PACKAGE_ROOT, 'examples', 'jitbot.yaml'), 'utf8');

/** The kinds the catalog schema accepts, read from the schema itself. */
const SCHEMA_KINDS = catalogSchema.shape.targets.element.options.map((option) => option.shape.kind.value);

/** Every string value of a parsed YAML document (comments are not values). */
function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (typeof value === 'object' && value !== null) return Object.values(value).flatMap(stringsIn);
  return [];
}

/** A sample value for each ${NAME} the example's values refer to ($${ is a literal ${). */
function sampleVariables(text: string): Record<string, string> {
  const names = stringsIn(parse(text)).flatMap((value) =>
    [...value.matchAll(/(?<!\$)\$\{(\w+)\}/g)].map(([, name]) => String(name)),
  );
  return Object.fromEntries([...new Set(names)].map((name) => [name, `sample-${name.toLowerCase()}`]));
}

const variables = sampleVariables(EXAMPLE);
const catalog = parseCatalog(EXAMPLE, 'jitbot.yaml', variables);

describe('the example catalog', () => {
  it('loads as shipped, given a value for each environment variable it refers to', () => {
    expect(Object.keys(variables).sort()).toEqual([
      'JITBOT_EXTERNAL_ID_IDENTITY',
      'JITBOT_EXTERNAL_ID_PROD',
      'JITBOT_EXTERNAL_ID_STAGING',
      'OKTA_API_TOKEN',
    ]);
    expect(catalog.okta?.token).toBe(variables.OKTA_API_TOKEN);
    expect(catalog.accounts.map((account) => account.externalId).sort()).toEqual(
      Object.entries(variables)
        .filter(([name]) => name.startsWith('JITBOT_EXTERNAL_ID_'))
        .map(([, value]) => value)
        .sort(),
    );
  });

  it('has a target of every kind the schema accepts, and of no other', () => {
    expect(SCHEMA_KINDS.length).toBeGreaterThanOrEqual(6);
    expect([...new Set(catalog.targets.map((target) => target.kind))].sort()).toEqual(
      [...SCHEMA_KINDS].sort(),
    );
  });

  it('lists every kind where it explains the kind key', () => {
    const lines = EXAMPLE.split('\n');
    const start = lines.findIndex((line) => line.trim().startsWith('# Required: aws-iam-group'));
    expect(start).toBeGreaterThan(0);
    const explanation = lines.slice(start, start + 2).join(' ');
    for (const kind of SCHEMA_KINDS) expect(explanation, kind).toMatch(new RegExp(`\\b${kind}\\b`));
  });

  it('introduces each target with a comment', () => {
    const lines = EXAMPLE.split('\n');
    const targets = lines.indexOf('targets:');
    const uncommented: string[] = [];
    lines.forEach((line, index) => {
      if (index <= targets || !line.startsWith('  - ')) return;
      const before = lines.slice(targets, index).filter((text) => text.trim() !== '');
      if (!before.at(-1)?.startsWith('  #')) uncommented.push(line);
    });
    expect(uncommented).toEqual([]);
  });

  it('bounds its generated policies with action patterns that match real IAM actions', async () => {
    await expect(checkGeneratedPolicyTargets(catalog, 'jitbot.yaml')).resolves.toBeUndefined();
  });

  it('gives Identity Center grants their backstop (no warning at start-up)', () => {
    expect(catalog.identityCenter?.account).toBe('identity');
    expect(identityCenterBackstopWarning(catalog)).toBeUndefined();
  });
});
