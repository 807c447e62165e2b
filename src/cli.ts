#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import { COMMAND_USAGE, COMMANDS_WITHOUT_ARGUMENTS, helpFor, isCommand, OVERALL_USAGE } from './cli-usage.js';
import type { Env } from './config/env.js';
import type { Database } from './db/database.js';
import { isUserFacingError } from './errors.js';
import { createLogger, type Logger, scrubSecrets } from './log/logger.js';
import { PACKAGE_ROOT } from './paths.js';

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

/**
 * Loaded when a command runs, not at the top, like every command's own modules: help, version and
 * a mistyped command stay small and touch neither the environment nor a database.
 */
async function readEnv(): Promise<Env> {
  const { parseEnv } = await import('./config/env.js');
  return parseEnv(process.env);
}

async function openDatabase(env: Env, logger: Logger): Promise<Database> {
  const database = await import('./db/database.js');
  return database.openDatabase(env, logger);
}

async function serve(): Promise<void> {
  const env = await readEnv();
  const logger = createLogger(env.LOG_LEVEL);
  const { installProcessGuard } = await import('./process-guard.js');
  installProcessGuard({ logger });
  const stopSignal = untilSignal(logger);
  const { startService } = await import('./main.js');
  const service = await startService({ env, variables: process.env, logger });
  await stopSignal;
  await service.stop();
  logger.info('stopped');
}

async function migrateOnly(): Promise<void> {
  const env = await readEnv();
  const logger = createLogger(env.LOG_LEVEL);
  const database = await openDatabase(env, logger);
  const report = await database.readiness();
  await database.close();
  console.log(report.ready ? `database at ${database.location} is up to date` : report.problems.join('\n'));
}

/** Runs an admin command against the database; info-level start-up lines would only clutter its output. */
async function withDatabase(run: (pool: pg.Pool) => Promise<number>): Promise<number> {
  const env = await readEnv();
  const database = await openDatabase(env, createLogger(env.LOG_LEVEL === 'info' ? 'warn' : env.LOG_LEVEL));
  try {
    return await run(database.pool);
  } finally {
    await database.close();
  }
}

const print = (line: string) => console.log(line);
const printError = (line: string) => console.error(line);

function refuse(words: string): void {
  console.error(words);
  process.exitCode = 2;
}

/**
 * Help, the version and mistakes in the command words, answered before .env is read: true when
 * answered. `migrate --help` shows the usage and must never migrate.
 */
function answeredWithoutRunning(argv: readonly string[]): boolean {
  const help = helpFor(argv);
  const [command = 'serve', ...rest] = argv;
  if (help?.kind === 'usage') console.log(help.text);
  else if (help?.kind === 'unknown') refuse(`jitbot: unknown command "${help.command}"\n\n${OVERALL_USAGE}`);
  else if (command !== '--version' && !isCommand(command))
    refuse(`jitbot: unknown command "${command}"\n\n${OVERALL_USAGE}`);
  else if (rest.length > 0 && (command === '--version' || COMMANDS_WITHOUT_ARGUMENTS.has(command)))
    refuse(
      `jitbot ${command} takes no arguments; given: ${rest.join(' ')}\n\n${COMMAND_USAGE[command] ?? COMMAND_USAGE.version}`,
    );
  else if (command === 'version' || command === '--version') console.log(version());
  else return false;
  return true;
}

async function main(argv: string[]): Promise<void> {
  if (answeredWithoutRunning(argv)) return;
  const command = argv[0] ?? 'serve';
  const { loadDotEnv } = await import('./config/dotenv.js');
  const loaded = loadDotEnv(join(process.cwd(), '.env'), process.env);
  if (loaded.length > 0) console.error(`read ${loaded.length} settings from .env`);
  switch (command) {
    case 'serve':
      return serve();
    case 'migrate':
      return migrateOnly();
    case 'grants': {
      const { runGrantsCommand } = await import('./grants-command.js');
      process.exitCode = await withDatabase((pool) => runGrantsCommand(argv.slice(1), pool, print));
      return;
    }
    case 'audit': {
      const { runAuditExport } = await import('./audit-export-command.js');
      const { runAuditCommand } = await import('./audit-command.js');
      process.exitCode = await withDatabase((pool) =>
        argv[1] === 'export'
          ? runAuditExport(argv.slice(2), pool, process.stdout, printError)
          : runAuditCommand(argv.slice(1), pool, print),
      );
      return;
    }
    case 'report': {
      const { runReportCommand } = await import('./report-command.js');
      process.exitCode = await withDatabase((pool) =>
        runReportCommand(argv.slice(1), pool, print, printError),
      );
      return;
    }
    case 'reconcile': {
      const { runReconcileCommand } = await import('./reconcile-command.js');
      const env = await readEnv();
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
    case 'manifest': {
      const { runManifestCommand } = await import('./manifest-command.js');
      process.exitCode = runManifestCommand(
        argv.slice(1),
        process.env,
        (text) => process.stdout.write(text),
        printError,
      );
      return;
    }
    case 'doctor': {
      const { runDoctor } = await import('./doctor/run-doctor.js');
      process.exitCode = await runDoctor({ variables: process.env, write: (line) => console.log(line) });
      return;
    }
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
