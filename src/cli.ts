#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import { runAuditCommand } from './audit-command.js';
import { runAuditExport } from './audit-export-command.js';
import { loadDotEnv } from './config/dotenv.js';
import { parseEnv } from './config/env.js';
import { openDatabase } from './db/database.js';
import { isUserFacingError } from './errors.js';
import { runGrantsCommand } from './grants-command.js';
import { createLogger, type Logger, scrubSecrets } from './log/logger.js';
import { PACKAGE_ROOT } from './paths.js';
import { installProcessGuard } from './process-guard.js';
import { runReportCommand } from './report-command.js';

const USAGE = `Usage: jitbot [command]

Commands:
  serve     run the service (default)
  migrate   apply database migrations and exit
  doctor    check the configuration, database, Slack, AWS and Okta; exit 1 if any check fails
  grants    list the grants not yet ended; "grants close" ends a revocation done by hand
  audit     print every recorded step of a request (REQ-…) or grant (GNT-…); "audit verify" checks
            the log was not edited; "audit export" writes every event as JSON Lines or CSV
  report    "report access": the access review, one line per grant, as CSV or Markdown
  reconcile compare what AWS, Okta and Identity Center hold with jitbot's grants; --fix heals it
  help      show this text
  version   print the version

Configuration comes from the environment and ./.env: see .env.example and the README.`;

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

function version(): string {
  return JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')).version;
}

/** Resolves on the first SIGTERM or SIGINT; a second one while stopping exits at once. */
function untilSignal(logger: Logger): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.removeListener('SIGTERM', onSignal);
      process.removeListener('SIGINT', onSignal);
      process.once('SIGTERM', () => process.exit(130));
      process.once('SIGINT', () => process.exit(130));
      logger.info({ signal }, 'shutting down: finishing work in hand');
      resolve(signal);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}

async function serve(): Promise<void> {
  const env = parseEnv(process.env);
  const logger = createLogger(env.LOG_LEVEL);
  installProcessGuard({ logger });
  const stopSignal = untilSignal(logger);
  // Loaded here, not at the top: the admin commands stay small without the service's SDKs.
  const { startService } = await import('./main.js');
  const service = await startService({ env, variables: process.env, logger });
  await stopSignal;
  await service.stop();
  logger.info('stopped');
}

async function migrateOnly(): Promise<void> {
  const env = parseEnv(process.env);
  const logger = createLogger(env.LOG_LEVEL);
  const database = await openDatabase(env, logger);
  const report = await database.readiness();
  await database.close();
  console.log(report.ready ? `database at ${database.location} is up to date` : report.problems.join('\n'));
}

/** Runs an admin command against the database; info-level start-up lines would only clutter its output. */
async function withDatabase(run: (pool: pg.Pool) => Promise<number>): Promise<number> {
  const env = parseEnv(process.env);
  const database = await openDatabase(env, createLogger(env.LOG_LEVEL === 'info' ? 'warn' : env.LOG_LEVEL));
  try {
    return await run(database.pool);
  } finally {
    await database.close();
  }
}

const print = (line: string) => console.log(line);
const printError = (line: string) => console.error(line);

async function main(argv: string[]): Promise<void> {
  const command = argv[0] ?? 'serve';
  const loaded = loadDotEnv(join(process.cwd(), '.env'), process.env);
  if (loaded.length > 0 && command !== 'help') console.error(`read ${loaded.length} settings from .env`);
  switch (command) {
    case 'serve':
      return serve();
    case 'migrate':
      return migrateOnly();
    case 'grants':
      process.exitCode = await withDatabase((pool) => runGrantsCommand(argv.slice(1), pool, print));
      return;
    case 'audit':
      process.exitCode = await withDatabase((pool) =>
        argv[1] === 'export'
          ? runAuditExport(argv.slice(2), pool, process.stdout, printError)
          : runAuditCommand(argv.slice(1), pool, print),
      );
      return;
    case 'report':
      process.exitCode = await withDatabase((pool) =>
        runReportCommand(argv.slice(1), pool, print, printError),
      );
      return;
    case 'reconcile': {
      const { runReconcileCommand } = await import('./reconcile-command.js');
      const env = parseEnv(process.env);
      const logger = createLogger(env.LOG_LEVEL === 'info' ? 'warn' : env.LOG_LEVEL);
      const write = (line: string) => console.log(line);
      process.exitCode = await runReconcileCommand(argv.slice(1), {
        env,
        variables: process.env,
        logger,
        write,
      });
      return;
    }
    case 'doctor': {
      const { runDoctor } = await import('./doctor/run-doctor.js');
      process.exitCode = await runDoctor({ variables: process.env, write: (line) => console.log(line) });
      return;
    }
    case 'version':
    case '--version':
      console.log(version());
      return;
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return;
    default:
      console.error(`jitbot: unknown command "${command}"\n\n${USAGE}`);
      process.exitCode = 2;
  }
}

main(process.argv.slice(2)).then(
  () => {
    // Open handles (a pool that failed to close, a stray timer) must not keep a stopped service alive.
    process.exit(process.exitCode ?? 0);
  },
  (error: unknown) => {
    if (isUserFacingError(error)) {
      console.error(error.message);
    } else {
      console.error('jitbot stopped on an unexpected error (a bug; please report it with this text):');
      console.error(scrubSecrets(error instanceof Error ? (error.stack ?? error.message) : String(error)));
    }
    process.exit(1);
  },
);
