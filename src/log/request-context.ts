import { AsyncLocalStorage } from 'node:async_hooks';

/** What a log line about a failure should say about the request that caused it. */
export type RequestContext = Readonly<Record<string, string | number | undefined>>;

const storage = new AsyncLocalStorage<RequestContext>();

/** Runs `work` with `context` added to what is known of the current request. */
export function withRequestContext<T>(context: RequestContext, work: () => T): T {
  return storage.run({ ...storage.getStore(), ...context }, work);
}

/** The request being served where this runs (followed across awaits and timers), if any. */
export function currentRequestContext(): RequestContext | undefined {
  return storage.getStore();
}
