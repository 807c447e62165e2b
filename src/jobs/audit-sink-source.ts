import type pg from 'pg';
import { nextSinkRunDue } from '../db/audit-sink-repository.js';
import type { Logger } from '../log/logger.js';
import {
  type AuditSink,
  type ClaimedBatch,
  claimSinkBatch,
  prepareSink,
  type ShipOptions,
  SINK_DEFAULTS,
  writeSinkBatch,
} from '../workflow/ship-audit-chain.js';
import type { DueWorkSource } from './worker.js';

/** Whether the bucket keeps what is written (S3: Object Lock), said once at start. */
export interface RetentionCheck {
  readonly status: 'ok' | 'warn' | 'unknown';
  readonly words: string;
}

export interface AuditSinkSourceDeps {
  readonly pool: pg.Pool;
  readonly sink: AuditSink & { checkRetention?(): Promise<RetentionCheck> };
  readonly logger: Logger;
}

/**
 * Ships the audit chain to AUDIT_SINK: about every 10 seconds while links wait, a batch (up to
 * 5,000 events or 5 MB) per object, one replica at a time. The PUT runs in the background, so a
 * slow or unreachable bucket never holds up revocations. A failed batch stays pending, its reason
 * kept on the cursor and logged in words, and is written again, the same object, with backoff.
 */
export function createAuditSinkSource(
  deps: AuditSinkSourceDeps,
  options: ShipOptions = {},
  now: () => number = Date.now,
): DueWorkSource {
  const intervalMs = (options.intervalSeconds ?? SINK_DEFAULTS.intervalSeconds) * 1000;
  const { logger, sink } = deps;
  let prepared = false;
  let shipAt = 0;
  let failing = 0;
  let running: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  let closed = false;

  async function prepare(): Promise<void> {
    await prepareSink(deps);
    prepared = true;
    logger.info(`audit sink: shipping the audit chain to ${sink.destination}`);
    sink.checkRetention?.().then(
      (check) => {
        if (check.status === 'ok') logger.info(`audit sink: ${check.words}`);
        else logger.warn(`audit sink: ${check.words}`);
      },
      (error: unknown) => logger.warn({ err: error }, 'audit sink: could not check the bucket retention'),
    );
  }

  async function write(batch: ClaimedBatch): Promise<void> {
    const { object } = batch;
    if (batch.missing.length > 0)
      logger.error(
        { seqs: batch.missing },
        `audit sink: ${batch.missing.length} chained audit row(s) are gone from audit_events (first at seq ${batch.missing[0]}); they are shipped marked event_missing. Run jitbot audit verify`,
      );
    const outcome = await writeSinkBatch(deps, batch, options);
    const range = `seq ${object.firstSeq}-${object.lastSeq}`;
    if (outcome.ok) {
      if (failing > 0)
        logger.info(`audit sink: writing to ${sink.destination} again after ${failing} failed tries`);
      failing = 0;
      logger.info(
        { key: outcome.key, events: outcome.lines, firstSeq: object.firstSeq, lastSeq: object.lastSeq },
        `audit sink: wrote ${outcome.lines} events (${range}) to ${sink.destination}`,
      );
      shipAt = batch.more ? 0 : now() + intervalMs;
      return;
    }
    failing += 1;
    const seconds = Math.round(outcome.retryInMs / 1000);
    const line = `audit sink: could not write ${range} to ${sink.destination}: ${outcome.reason}. The batch stays pending and is written again in ${seconds} s (try ${outcome.attempts}); nothing is skipped`;
    if (failing === 1) logger.error({ key: object.key, attempts: outcome.attempts }, line);
    else logger.warn({ key: object.key, attempts: outcome.attempts }, line);
    shipAt = now() + outcome.retryInMs;
  }

  return {
    name: 'audit-sink',
    async runDue() {
      if (closed || running || now() < shipAt) return 0;
      if (!prepared) await prepare();
      const claim = await claimSinkBatch(deps, options);
      if (!claim.claimed || !claim.batch) {
        shipAt = now() + intervalMs;
        return 0;
      }
      running = write(claim.batch)
        .catch((error: unknown) => {
          logger.error({ err: error }, 'audit sink: could not record a batch; it is written again later');
          shipAt = now() + intervalMs;
        })
        .finally(() => {
          running = undefined;
          wake?.();
        });
      return 1;
    },
    async nextDueAt() {
      if (running) return undefined;
      if (!prepared) return new Date(shipAt);
      const due = await nextSinkRunDue(deps.pool, sink.destination);
      return due && new Date(Math.max(due.getTime(), shipAt));
    },
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
