import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDotEnv } from '../../src/config/dotenv.js';
import { ENV_EXAMPLE_PLACEHOLDERS, isEnvExamplePlaceholder, parseEnv } from '../../src/config/env.js';
import { PACKAGE_ROOT } from '../../src/paths.js';

const VALID = { SLACK_SIGNING_SECRET: 'shhh-signing', SLACK_BOT_TOKEN: 'xoxb-1-abc' };

function problemsOf(source: Record<string, string | undefined>): string {
  try {
    parseEnv(source);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected parseEnv to refuse this environment');
}

describe('parseEnv', () => {
  it('fills in defaults for everything optional', () => {
    expect(parseEnv(VALID)).toEqual({
      ...VALID,
      PORT: 3000,
      JITBOT_DATA_DIR: './data',
      JITBOT_CATALOG: './jitbot.yaml',
      LOG_LEVEL: 'info',
      METRICS_HOST: '127.0.0.1',
      SLACK_COMMAND: '/request-aws-access',
    });
  });

  it('takes a renamed slash command, and refuses a name Slack would refuse, saying the rule', () => {
    expect(parseEnv({ ...VALID, SLACK_COMMAND: '/request-aws-access-staging' }).SLACK_COMMAND).toBe(
      '/request-aws-access-staging',
    );
    for (const bad of ['request-aws-access', '/Request', '/has space', `/${'x'.repeat(32)}`])
      expect(problemsOf({ ...VALID, SLACK_COMMAND: bad })).toContain(
        'SLACK_COMMAND must be a slash command name like /request-aws-access-staging',
      );
  });

  it('lists every missing variable in one message, each with where to find it', () => {
    const message = problemsOf({});
    expect(message).toContain('the environment has 2 problems');
    expect(message).toContain(
      'SLACK_SIGNING_SECRET is required: copy it from your Slack app: Basic Information',
    );
    expect(message).toContain(
      'SLACK_BOT_TOKEN is required: copy it from your Slack app: OAuth & Permissions',
    );
    expect(message).toContain('see .env.example');
  });

  it('treats an empty value like a missing one', () => {
    expect(problemsOf({ ...VALID, SLACK_SIGNING_SECRET: '' })).toContain('SLACK_SIGNING_SECRET is required');
    expect(parseEnv({ ...VALID, DATABASE_URL: '', SLACK_APP_TOKEN: '' }).DATABASE_URL).toBeUndefined();
  });

  it.each([
    ['SLACK_BOT_TOKEN', 'xoxp-user-token', 'must be a bot token (it starts with xoxb-)'],
    ['SLACK_APP_TOKEN', 'xoxb-wrong-kind', 'must be an app-level token (it starts with xapp-)'],
    ['SLACK_API_URL', 'http://127.0.0.1:9/api', 'must be an http(s) URL ending in a slash'],
    ['PORT', 'eighty', 'must be a whole number'],
    ['PORT', '70000', 'must be between 1 and 65535'],
    ['METRICS_PORT', 'prometheus', 'must be a whole number'],
    ['DATABASE_URL', 'mysql://db/jitbot', 'must be a PostgreSQL URL'],
    ['LOG_LEVEL', 'loud', 'must be one of fatal, error, warn, info, debug, trace, silent'],
  ])('refuses %s=%s: %s', (name, value, expected) => {
    expect(problemsOf({ ...VALID, [name]: value })).toContain(`${name} ${expected}`);
  });

  it('serves metrics on a port of their own, never on PORT, which Slack reaches', () => {
    expect(parseEnv({ ...VALID, METRICS_PORT: '9464' }).METRICS_PORT).toBe(9464);
    expect(problemsOf({ ...VALID, PORT: '3000', METRICS_PORT: '3000' })).toContain(
      'METRICS_PORT must differ from PORT: the port Prometheus scrapes /metrics on',
    );
  });

  it('never repeats a secret value in its message', () => {
    const message = problemsOf({
      SLACK_SIGNING_SECRET: 'very-secret-value',
      SLACK_BOT_TOKEN: 'xoxp-secret-user-token',
    });
    expect(message).not.toContain('very-secret-value');
    expect(message).not.toContain('xoxp-secret-user-token');
  });

  it('reads AUDIT_SINK as a bucket and a prefix, slashes at either end of the prefix dropped', () => {
    expect(parseEnv({ ...VALID, AUDIT_SINK: 's3://acme-jitbot-audit' }).AUDIT_SINK).toEqual({
      bucket: 'acme-jitbot-audit',
      prefix: '',
    });
    expect(
      parseEnv({ ...VALID, AUDIT_SINK: 's3://acme.audit-1/jitbot/prod/', AUDIT_SINK_REGION: 'eu-west-1' }),
    ).toMatchObject({
      AUDIT_SINK: { bucket: 'acme.audit-1', prefix: 'jitbot/prod' },
      AUDIT_SINK_REGION: 'eu-west-1',
    });
    expect(parseEnv({ ...VALID, AUDIT_SINK: '' }).AUDIT_SINK).toBeUndefined();
  });

  it.each([
    ['https://acme-audit.s3.amazonaws.com/jitbot', 'AUDIT_SINK must be s3://bucket or s3://bucket/prefix'],
    ['s3://Acme_Audit/jitbot', 'AUDIT_SINK names a bucket S3 would refuse: 3 to 63 lowercase letters'],
    ['s3://ab', 'AUDIT_SINK names a bucket S3 would refuse'],
    ['s3://10.0.0.1', 'AUDIT_SINK names a bucket S3 would refuse'],
    ['s3://audit..logs', 'AUDIT_SINK names a bucket S3 would refuse'],
    ['s3://xn--audit', 'AUDIT_SINK names a bucket S3 would refuse'],
    ['s3://acme-audit/jit bot', 'AUDIT_SINK has a prefix S3 tools would trip on'],
    ['s3://acme-audit/a//b', 'AUDIT_SINK has a prefix S3 tools would trip on'],
    ['s3://acme-audit/a/../b', 'AUDIT_SINK has a prefix S3 tools would trip on'],
  ])('refuses AUDIT_SINK=%s, saying how to write one', (value, expected) => {
    const message = problemsOf({ ...VALID, AUDIT_SINK: value });
    expect(message).toContain(expected);
    expect(message).toContain('e.g. AUDIT_SINK=s3://acme-jitbot-audit/prod');
  });

  it('never repeats the AUDIT_SINK value it refuses: a key pasted into it stays out of the log', () => {
    const message = problemsOf({ ...VALID, AUDIT_SINK: 's3://AKIAABCDEFGHIJKLMNOP:hunter2@bucket' });
    expect(message).not.toContain('hunter2');
    expect(message).not.toContain('AKIAABCDEFGHIJKLMNOP');
  });

  it('refuses an AUDIT_SINK_REGION that is not a region', () => {
    expect(problemsOf({ ...VALID, AUDIT_SINK_REGION: 'Frankfurt' })).toContain(
      "AUDIT_SINK_REGION must be an AWS region like us-east-1: set the audit bucket's region",
    );
  });

  it('takes the CA bundle for PostgreSQL from DATABASE_CA_FILE or PGSSLROOTCERT; empty means unset', () => {
    const env = parseEnv({
      ...VALID,
      DATABASE_URL: 'postgres://jitbot@db:5432/jitbot?sslmode=verify-full',
      DATABASE_CA_FILE: '/etc/ssl/rds/global-bundle.pem',
      PGSSLROOTCERT: '/app/rds-ca.pem',
    });
    expect(env).toMatchObject({
      DATABASE_CA_FILE: '/etc/ssl/rds/global-bundle.pem',
      PGSSLROOTCERT: '/app/rds-ca.pem',
    });
    expect(parseEnv({ ...VALID, DATABASE_CA_FILE: '', PGSSLROOTCERT: '' })).toMatchObject({
      DATABASE_CA_FILE: undefined,
      PGSSLROOTCERT: undefined,
    });
  });

  it('takes an outbound proxy URL with or without credentials; a bare host:port means http://', () => {
    expect(
      parseEnv({
        ...VALID,
        HTTPS_PROXY: 'http://jitbot:pa%40ss@proxy.example:3128',
        http_proxy: 'proxy.example:3128',
        NO_PROXY: '169.254.169.254,.internal',
      }),
    ).toMatchObject({
      HTTPS_PROXY: 'http://jitbot:pa%40ss@proxy.example:3128/',
      http_proxy: 'http://proxy.example:3128/',
      NO_PROXY: '169.254.169.254,.internal',
    });
    expect(parseEnv({ ...VALID, HTTPS_PROXY: '', NO_PROXY: '' })).toMatchObject({
      HTTPS_PROXY: undefined,
      NO_PROXY: undefined,
    });
  });

  it.each([
    ['HTTPS_PROXY', 'http://jitbot:hunter2@proxy.example:port', 'is not a URL'],
    ['https_proxy', 'socks5://jitbot:hunter2@proxy.example:1080', 'must be an http:// or https:// URL'],
    [
      'HTTP_PROXY',
      'http://jitbot:hunter2@proxy.example:3128/path',
      "must name only the proxy's scheme, host and port",
    ],
    [
      'http_proxy',
      'http://:hunter2@proxy.example:3128',
      'has a user name without a password, or a password without',
    ],
  ])('refuses %s=%s, naming the variable and the fix, without the password', (name, value, expected) => {
    const message = problemsOf({ ...VALID, [name]: value });
    expect(message).toContain(`${name} ${expected}`);
    expect(message).toContain(
      `e.g. ${name}=http://proxy.example:3128, or http://user:password@proxy.example:3128`,
    );
    expect(message).not.toContain('hunter2');
  });

  it('returns a frozen object so nothing below main can change the configuration', () => {
    expect(Object.isFrozen(parseEnv(VALID))).toBe(true);
  });
});

describe('loadDotEnv', () => {
  it('adds variables from .env, but the real environment wins', () => {
    const dir = mkdtempSync(join(tmpdir(), 'jitbot-dotenv-'));
    const file = join(dir, '.env');
    writeFileSync(file, 'PORT=4000\nLOG_LEVEL=debug\n# a comment\nSLACK_BOT_TOKEN="xoxb-from-file"\n');
    const target: Record<string, string | undefined> = { PORT: '5000' };
    expect(loadDotEnv(file, target).sort()).toEqual(['LOG_LEVEL', 'SLACK_BOT_TOKEN']);
    expect(target).toEqual({ PORT: '5000', LOG_LEVEL: 'debug', SLACK_BOT_TOKEN: 'xoxb-from-file' });
  });

  it('does nothing when there is no .env file', () => {
    const target = {};
    expect(loadDotEnv(join(tmpdir(), 'no-such-dir', '.env'), target)).toEqual([]);
    expect(target).toEqual({});
  });
});

describe(".env.example's placeholders", () => {
  /** Every `NAME=value` line (not commented out) whose value says to replace it. */
  function placeholdersInExample(): Record<string, string> {
    const text = readFileSync(join(PACKAGE_ROOT, '.env.example'), 'utf8');
    const found: Record<string, string> = {};
    for (const [, name, value] of text.matchAll(/^([A-Z][A-Z0-9_]*)=(.*)$/gm))
      if (name && value?.includes('replace-with')) found[name] = value.trim();
    return found;
  }

  // The image does not ship .env.example, so the list is a constant: it must not drift from the file.
  it('are exactly the values .env.example asks to replace', () => {
    expect(ENV_EXAMPLE_PLACEHOLDERS).toEqual(placeholdersInExample());
  });

  it('refuses the Slack ones left unchanged, each with where the real value is', () => {
    const message = problemsOf({
      SLACK_SIGNING_SECRET: ENV_EXAMPLE_PLACEHOLDERS.SLACK_SIGNING_SECRET,
      SLACK_BOT_TOKEN: ` ${ENV_EXAMPLE_PLACEHOLDERS.SLACK_BOT_TOKEN} `,
    });
    expect(message).toContain(
      "SLACK_SIGNING_SECRET is still .env.example's placeholder: copy it from your Slack app: Basic Information > App Credentials > Signing Secret",
    );
    expect(message).toContain(
      "SLACK_BOT_TOKEN is still .env.example's placeholder: copy it from your Slack app: OAuth & Permissions > Bot User OAuth Token",
    );
  });

  it('are only those exact values', () => {
    expect(isEnvExamplePlaceholder('replace-with-prod-external-id')).toBe(true);
    expect(isEnvExamplePlaceholder('a1b2-replace-with-nothing')).toBe(false);
    expect(isEnvExamplePlaceholder(undefined)).toBe(false);
  });
});
