import type { Env } from '../config/env.js';
import type { Catalog } from '../domain/catalog.js';
import { describeError } from '../errors.js';
import { useOutboundProxy } from '../http/outbound-proxy.js';
import { createLogger, type Logger } from '../log/logger.js';
import { checkAws } from './aws-check.js';
import { checkConfig } from './config-check.js';
import { checkDatabase } from './database-check.js';
import { checkOkta } from './okta-check.js';
import { type CheckLine, createRedactor, fail, formatLine, pass, summarize, warn } from './report.js';
import { checkSlack } from './slack-check.js';

export interface DoctorInputs {
  /** The raw environment: parsed like `serve` parses it, and for `${VAR}` in the catalog. */
  readonly variables: Readonly<Record<string, string | undefined>>;
  /** Prints one line of the report. */
  readonly write: (line: string) => void;
  /** Per network check. */
  readonly timeoutMs?: number;
  /** For the libraries' own log lines; default: silent, so the report is all that is printed. */
  readonly logger?: Logger;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/** A check that throws is a bug in the doctor: it becomes a failed line, not a lost report. */
async function guarded(name: string, section: Promise<CheckLine[]>): Promise<CheckLine[]> {
  try {
    return await section;
  } catch (error) {
    return [fail(name, `the check itself failed (a bug; please report it): ${describeError(error)}`)];
  }
}

function passwordOf(url: string | undefined): string[] {
  if (url === undefined) return [];
  try {
    const { password } = new URL(url);
    return password ? [password, decodeURIComponent(password)] : [];
  } catch {
    return [];
  }
}

const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'] as const;

/** The secrets in the raw environment: all there is to go by when it does not parse. */
function secretsOfVariables(variables: DoctorInputs['variables']): (string | undefined)[] {
  return [
    variables.SLACK_BOT_TOKEN,
    variables.SLACK_SIGNING_SECRET,
    variables.SLACK_APP_TOKEN,
    ...passwordOf(variables.DATABASE_URL),
    ...PROXY_VARIABLES.flatMap((name) => passwordOf(variables[name])),
    variables.AWS_ACCESS_KEY_ID,
    variables.AWS_SECRET_ACCESS_KEY,
    variables.AWS_SESSION_TOKEN,
  ];
}

/** Every secret the doctor could come across, so none can reach the report. */
function secretsOf(env: Env, catalog: Catalog, variables: DoctorInputs['variables']): (string | undefined)[] {
  return [
    env.SLACK_BOT_TOKEN,
    env.SLACK_SIGNING_SECRET,
    env.SLACK_APP_TOKEN,
    ...passwordOf(env.DATABASE_URL),
    ...catalog.accounts.map((account) => account.externalId),
    catalog.okta?.token,
    ...secretsOfVariables(variables),
  ];
}

/**
 * `jitbot doctor`: checks the configuration, then the database, Slack, AWS and Okta, and prints
 * one line per check with the fix for each failure. Resolves to the exit code: 1 if any failed.
 */
export async function runDoctor(inputs: DoctorInputs): Promise<number> {
  const config = await checkConfig(inputs.variables);
  const { env, catalog } = config;
  if (env === undefined || catalog === undefined) {
    const scrub = createRedactor(secretsOfVariables(inputs.variables));
    for (const line of config.lines) for (const text of formatLine(line)) inputs.write(scrub(text));
    inputs.write('Fix the configuration first: the other checks need it.');
    return 1;
  }
  const redact = createRedactor(secretsOf(env, catalog, inputs.variables));
  const print = (line: CheckLine) => {
    for (const text of formatLine(line)) inputs.write(redact(text));
  };
  config.lines.forEach(print);

  const logger = inputs.logger ?? createLogger('silent');
  const ms = inputs.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  // Slack, AWS and Okta are checked the way the service reaches them: through its proxy, if any.
  const proxy = useOutboundProxy(env);
  const proxyLines = [
    ...(proxy.description !== undefined ? [pass('proxy', proxy.description)] : []),
    ...proxy.warnings.map((warning) => warn('proxy', warning)),
  ];
  proxyLines.forEach(print);
  // Started together so the slowest bounds the run; printed in this order as each finishes.
  const sections = [
    guarded('database', checkDatabase(env, logger, ms)),
    guarded('slack', checkSlack(env, catalog, logger, ms)),
    guarded('aws', checkAws(catalog, inputs.variables, logger, ms)),
    guarded('okta', checkOkta(catalog, ms)),
  ];
  const lines = [...config.lines, ...proxyLines];
  for (const section of sections) {
    for (const line of await section) {
      print(line);
      lines.push(line);
    }
  }
  await proxy.close();
  inputs.write('');
  inputs.write(summarize(lines));
  return lines.some((line) => line.status === 'fail') ? 1 : 0;
}
