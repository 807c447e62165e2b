/** Waits between tries of a write: a cut connection is replaced within these. */
const RETRY_MS = [100, 400, 1600] as const;

/**
 * For the record of something already done outside the database (an AWS call made, a Slack
 * message posted): the record must not be lost to a passing hiccup (a connection cut, a full
 * pool), or jitbot would forget what it did and do it again. Tried again a few times over two
 * seconds; a database that stays away fails the caller, whose work is retried as a whole.
 */
export async function persistently<T>(write: () => Promise<T>): Promise<T> {
  for (const waitMs of RETRY_MS) {
    try {
      return await write();
    } catch {
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  }
  return write();
}
