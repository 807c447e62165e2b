/**
 * The kinds of due work a workflow can tell the worker it has just written (`onWork`), each the
 * name of the worker's source that runs it. The worker then asks only those sources at once;
 * the others keep what it last learned of their due times.
 */
export const DUE_WORK = {
  jobs: 'jobs',
  revocations: 'revocations',
  warnings: 'expiry-warnings',
  timeouts: 'request-timeouts',
  reminders: 'approval-reminders',
  homes: 'app-home',
} as const;

export type DueWork = (typeof DUE_WORK)[keyof typeof DUE_WORK];

/**
 * Work written, and, when the writer knows it, when it falls due: then the worker needs no query
 * to learn it (a new request's decide-by, a new grant's expiry), which under load is most of them.
 */
export type DueNotice = DueWork | { readonly work: DueWork; readonly at: Date };

/**
 * Called after a commit that wrote due work, so this process starts it at once (or sleeps no
 * longer than until it falls due). With nothing named, every source is asked.
 */
export type OnWork = (...written: DueNotice[]) => void;

/** A new row of `work` falls due at `at` (none when it has no such time). */
export function dueAt(work: DueWork, at: Date | null | undefined): DueNotice[] {
  return at ? [{ work, at }] : [];
}
