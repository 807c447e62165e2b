/**
 * How lifecycles are started. At a steady offered rate (the default): lifecycle i starts at
 * i / rate from the first, whatever the others are doing, as people's requests arrive; jitbot
 * keeps up when as many finish per minute as start. A cap on the lifecycles in flight stops an
 * overloaded jitbot from being buried: a start then waits for a finish, so falling behind shows as
 * fewer lifecycles per minute than offered. Or as fast as jitbot accepts: `lanes` lifecycles at
 * a time, each lane starting its next one when its last is done (closed loop).
 */
import { epochNow, type Lifecycle, StuckLifecycle } from './steps.js';

export type LoadShape =
  | { readonly kind: 'rate'; readonly perMinute: number; readonly maxInFlight: number }
  | { readonly kind: 'lanes'; readonly lanes: number };

export interface LoadResult {
  readonly done: Lifecycle[];
  readonly stuck: StuckLifecycle[];
  /** The most lifecycles that were in flight at once. */
  readonly peakInFlight: number;
  /** Starts that had to wait for the cap (rate shape). */
  readonly heldBack: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function driveLoad(
  shape: LoadShape,
  total: number,
  run: (index: number) => Promise<Lifecycle>,
): Promise<LoadResult> {
  const done: Lifecycle[] = [];
  const stuck: StuckLifecycle[] = [];
  let inFlight = 0;
  let peakInFlight = 0;
  let heldBack = 0;
  const finished = new Set<() => void>();
  const one = async (index: number) => {
    inFlight += 1;
    peakInFlight = Math.max(peakInFlight, inFlight);
    try {
      done.push(await run(index));
    } catch (error) {
      // A failed request counts against the run, as a stuck step does; the others go on.
      stuck.push(
        error instanceof StuckLifecycle
          ? error
          : new StuckLifecycle(index, `a request that failed (${String(error)})`, undefined),
      );
    } finally {
      inFlight -= 1;
      for (const wake of finished) wake();
      finished.clear();
    }
  };

  if (shape.kind === 'lanes') {
    let next = 0;
    const lane = async () => {
      for (let index = next++; index < total; index = next++) await one(index);
    };
    await Promise.all(Array.from({ length: shape.lanes }, lane));
    return { done, stuck, peakInFlight, heldBack };
  }

  const gap = 60_000 / shape.perMinute;
  const started = epochNow();
  const running: Promise<void>[] = [];
  for (let index = 0; index < total; index += 1) {
    const wait = started + index * gap - epochNow();
    if (wait > 0) await sleep(wait);
    if (inFlight >= shape.maxInFlight) {
      heldBack += 1;
      while (inFlight >= shape.maxInFlight) await new Promise<void>((resolve) => finished.add(resolve));
    }
    running.push(one(index));
  }
  await Promise.all(running);
  return { done, stuck, peakInFlight, heldBack };
}
