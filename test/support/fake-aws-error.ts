/** An AWS error the fake answers with: the code, the HTTP status real AWS uses for it, and words. */
export class FakeAwsError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
