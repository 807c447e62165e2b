import { type CallRecorder, type ExternalCall, ProviderError } from '../ports/access-provider.js';
import { type AwsCall, awsErrorFacts, toProviderError } from './aws-errors.js';

/** One AWS call as the audit log records it, minus what the outcome fills in. */
export type AwsCallRecord = Omit<ExternalCall, 'outcome' | 'providerRequestId' | 'errorCode' | 'error'>;

/**
 * Sends one AWS call and reports it through `record` either way (invariant 6). A failure is thrown
 * as a ProviderError whose `cause` is the SDK error, so a caller can treat one code (NoSuchEntity
 * on revoke) as an expected outcome with `awsErrorCode(error.cause)`.
 */
export async function callAws<O extends { readonly $metadata: { readonly requestId?: string } }>(
  record: CallRecorder,
  entry: AwsCallRecord,
  call: AwsCall,
  send: () => Promise<O>,
): Promise<O> {
  let output: O;
  try {
    output = await send();
  } catch (error) {
    const failure = toProviderError(error, call);
    await record({
      ...entry,
      outcome: 'error',
      errorCode: error instanceof ProviderError ? error.code : awsErrorFacts(error).code,
      error: failure.message,
      ...(failure.providerRequestId !== undefined ? { providerRequestId: failure.providerRequestId } : {}),
    });
    throw failure;
  }
  const requestId = output.$metadata.requestId;
  await record({
    ...entry,
    outcome: 'ok',
    ...(requestId !== undefined ? { providerRequestId: requestId } : {}),
  });
  return output;
}
