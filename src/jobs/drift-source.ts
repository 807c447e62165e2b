import { claimDriftRun, finishDriftRun, nextDriftRunDue } from '../db/drift-repository.js';
import type { Logger } from '../log/logger.js';
import { type ReconcileDeps, reconcile } from '../workflow/reconcile.js';
import type { DueWorkSource } from './worker.js';

/**
 * The periodic drift run, every `settings.reconcileInterval`, once across replicas: the replica
 * that claims the due time runs it, in the background, so a slow account never holds up
 * revocations. It heals what is jitbot's to heal (see `FixMode`).
 */
export function createDriftSource(deps: ReconcileDeps, logger: Logger): DueWorkSource {
  let running: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  let closed = false;
  const interval = deps.catalog.settings.reconcileIntervalSeconds;

  async function run(): Promise<void> {
    try {
      const report = await reconcile(deps, { mode: 'heal', actor: 'jitbot' });
      const open = report.findings.filter((finding) => finding.kind !== 'adopted').length;
      logger.info(
        { findings: open, fresh: report.fresh.size, fixed: report.fixes.filter((fix) => fix.ok).length },
        'drift run finished',
      );
      for (const line of report.unread) logger.warn(line);
    } catch (error) {
      logger.error({ err: error }, 'a drift run failed; the next one is due in one interval');
    }
    await finishDriftRun(deps.pool).catch((error: unknown) =>
      logger.warn({ err: error }, 'could not record the end of a drift run'),
    );
  }

  return {
    name: 'drift',
    async runDue() {
      if (running || closed) return 0;
      if (!(await claimDriftRun(deps.pool, interval))) return 0;
      running = run().finally(() => {
        running = undefined;
        wake?.();
      });
      return 1;
    },
    nextDueAt: async () => (running ? undefined : nextDriftRunDue(deps.pool)),
    attach: (onSettled) => {
      wake = onSettled;
    },
    close: () => {
      closed = true;
    },
    drain: async () => {
      await running;
    },
  };
}
