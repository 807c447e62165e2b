/**
 * The audit sink in S3: each batch of the audit chain is one PutObject, signed as jitbot's own AWS
 * identity (not a connector role: the bucket lives in the account that runs jitbot, or one that
 * trusts it). Failures are thrown in words an operator can act on.
 */
import { createHash } from 'node:crypto';
import { GetObjectLockConfigurationCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { AuditSinkLocation } from '../config/env.js';
import { CHAIN_FORMAT } from '../domain/audit-hash.js';
import { outboundProxy } from '../http/outbound-proxy.js';
import { scrubSecrets } from '../log/logger.js';
import { awsErrorFacts } from './aws-errors.js';
import type { AwsCredentials } from './connector.js';

export interface S3AuditSinkOptions {
  readonly location: AuditSinkLocation;
  /** The bucket's region; default: the SDK's chain (AWS_REGION, the profile). */
  readonly region?: string;
  /** Tests only: a local fake, addressed path-style. */
  readonly endpoint?: string;
  /** Default: the SDK's credential chain (task or instance role, AWS_PROFILE, keys). */
  readonly credentials?: AwsCredentials;
  readonly maxAttempts?: number;
}

/** What the sink writes: the fields of AuditSinkObject (workflow/ship-audit-chain.ts) it needs. */
export interface S3SinkObject {
  readonly key: string;
  readonly body: Buffer;
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly prevHash: string;
  readonly headHash: string;
  readonly lines: number;
}

/** Whether the bucket keeps what jitbot writes: `ok`, a `warn` to log, or `unknown` (not allowed to look). */
export interface RetentionCheck {
  readonly status: 'ok' | 'warn' | 'unknown';
  readonly words: string;
}

export interface S3AuditSink {
  readonly destination: string;
  readonly prefix: string;
  put(object: S3SinkObject): Promise<void>;
  checkRetention(): Promise<RetentionCheck>;
  close(): void;
}

/** The error put() throws: `message` says what is wrong and what to do. */
export class AuditSinkError extends Error {
  readonly awsCode: string;
  constructor(message: string, awsCode: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AuditSinkError';
    this.awsCode = awsCode;
  }
}

export function destinationOf(location: AuditSinkLocation): string {
  return `s3://${location.bucket}${location.prefix === '' ? '' : `/${location.prefix}`}`;
}

export function createS3AuditSink(options: S3AuditSinkOptions): S3AuditSink {
  const { location } = options;
  const destination = destinationOf(location);
  const client = new S3Client({
    maxAttempts: options.maxAttempts ?? 3,
    requestHandler: {
      // Through the outbound proxy when there is one; destroyed with the client.
      ...outboundProxy().nodeAgents(),
      connectionTimeout: 5_000,
      requestTimeout: 30_000,
    },
    // A bucket in another region than the one configured still works, at one extra round trip.
    followRegionRedirects: true,
    ...(options.region !== undefined ? { region: options.region } : {}),
    ...(options.credentials !== undefined ? { credentials: options.credentials } : {}),
    ...(options.endpoint !== undefined ? { endpoint: options.endpoint, forcePathStyle: true } : {}),
  });
  const words = (error: unknown) => sinkErrorWords(error, location, options.region);

  return {
    destination,
    prefix: location.prefix,
    async put(object) {
      try {
        await client.send(
          new PutObjectCommand({
            Bucket: location.bucket,
            Key: object.key,
            Body: object.body,
            ContentType: 'application/x-ndjson',
            // A bucket with Object Lock takes a PUT only with a checksum; S3 checks it against the bytes.
            ChecksumSHA256: createHash('sha256').update(object.body).digest('base64'),
            // So a bucket policy that refuses unencrypted writes lets these through.
            ServerSideEncryption: 'AES256',
            // Metadata, not tags: tags would need s3:PutObjectTagging as well.
            Metadata: {
              format: CHAIN_FORMAT,
              'first-seq': String(object.firstSeq),
              'last-seq': String(object.lastSeq),
              'prev-hash': object.prevHash,
              'head-hash': object.headHash,
              lines: String(object.lines),
            },
          }),
        );
      } catch (error) {
        throw new AuditSinkError(words(error), awsErrorFacts(error).code, { cause: error });
      }
    },
    async checkRetention() {
      try {
        const output = await client.send(new GetObjectLockConfigurationCommand({ Bucket: location.bucket }));
        return retentionOf(destination, output.ObjectLockConfiguration);
      } catch (error) {
        const { code } = awsErrorFacts(error);
        if (code === 'ObjectLockConfigurationNotFoundError') return retentionOf(destination, undefined);
        if (code === 'AccessDenied')
          return {
            status: 'unknown',
            words: `jitbot may not read the Object Lock configuration of ${location.bucket}, so it cannot say whether the objects it writes are locked; grant s3:GetBucketObjectLockConfiguration on ${bucketArn(location, options.region)} to have it checked at start`,
          };
        return { status: 'unknown', words: `could not read the Object Lock configuration: ${words(error)}` };
      }
    },
    close: () => client.destroy(),
  };
}

interface LockConfiguration {
  readonly ObjectLockEnabled?: string;
  readonly Rule?: { readonly DefaultRetention?: { Mode?: string; Days?: number; Years?: number } };
}

function retentionOf(destination: string, config: LockConfiguration | undefined): RetentionCheck {
  const retention = config?.ObjectLockEnabled === 'Enabled' ? config.Rule?.DefaultRetention : undefined;
  if (!retention?.Mode)
    return {
      status: 'warn',
      words: `the objects jitbot writes to ${destination} are not locked (the bucket has no Object Lock default retention): anyone allowed to delete or overwrite them can. Turn on Object Lock with a default retention in COMPLIANCE mode (docs/audit-sink.md)`,
    };
  const period = retention.Years ? `${retention.Years} years` : `${retention.Days ?? 0} days`;
  if (retention.Mode !== 'COMPLIANCE')
    return {
      status: 'warn',
      words: `the objects jitbot writes to ${destination} are locked for ${period} in ${retention.Mode} mode: anyone allowed s3:BypassGovernanceRetention can still delete them. Use COMPLIANCE mode for audit evidence (docs/audit-sink.md)`,
    };
  return {
    status: 'ok',
    words: `objects written to ${destination} are locked for ${period} in COMPLIANCE mode`,
  };
}

function partitionOfRegion(region: string | undefined): string {
  if (region?.startsWith('cn-')) return 'aws-cn';
  if (region?.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

function bucketArn(location: AuditSinkLocation, region: string | undefined): string {
  return `arn:${partitionOfRegion(region)}:s3:::${location.bucket}`;
}

const REGION_MISMATCH = new Set([
  'PermanentRedirect',
  'AuthorizationHeaderMalformed',
  'IllegalLocationConstraintException',
]);
const BAD_CREDENTIALS = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'TokenRefreshRequired',
  'InvalidToken',
  'CredentialsProviderError',
]);
const DENIED = new Set(['AccessDenied', 'AllAccessDisabled', 'AccountProblem']);

/** Why a PUT to the sink failed, and what to do, in words; AWS's own words scrubbed and short. */
export function sinkErrorWords(
  error: unknown,
  location: AuditSinkLocation,
  region: string | undefined,
): string {
  const facts = awsErrorFacts(error);
  const { code } = facts;
  const destination = destinationOf(location);
  const aws = scrubSecrets(facts.awsMessage).replace(/\s+/g, ' ').trim().slice(0, 300);
  const quoted = aws.length > 0 ? `: "${aws}"` : '';
  const tail = ` (S3 error ${code}${facts.requestId ? `, request id ${facts.requestId}` : ''})`;
  if (code === 'NoSuchBucket')
    return `the bucket ${location.bucket} does not exist: create it with Object Lock as docs/audit-sink.md shows, or correct AUDIT_SINK${tail}`;
  if (DENIED.has(code) || (facts.httpStatus === 403 && !BAD_CREDENTIALS.has(code))) {
    const objects = `${bucketArn(location, region)}/${location.prefix === '' ? '' : `${location.prefix}/`}*`;
    return `jitbot's AWS identity may not write to ${destination}: allow it s3:PutObject on ${objects} (and kms:GenerateDataKey on the key, if the bucket encrypts with KMS), and check that the bucket policy does not deny it${quoted}${tail}`;
  }
  if (BAD_CREDENTIALS.has(code))
    return `AWS did not accept jitbot's credentials for S3: check the identity jitbot runs as (task or instance role, AWS_PROFILE, or keys) and the machine's clock${tail}`;
  if (REGION_MISMATCH.has(code) || facts.httpStatus === 301)
    return `the bucket ${location.bucket} is in another region than ${region ?? 'the one configured'}: set AUDIT_SINK_REGION to the bucket's region${tail}`;
  if (/region is missing/i.test(facts.awsMessage))
    return "no AWS region for the audit sink: set AUDIT_SINK_REGION to the bucket's region (or AWS_REGION)";
  if (code === 'BadDigest' || code === 'InvalidDigest')
    return `S3 found the object's checksum did not match its bytes (changed on the way); jitbot will write it again${tail}`;
  if (code.startsWith('KMS.'))
    return `the bucket's KMS key refused the write${quoted}: allow jitbot's AWS identity kms:GenerateDataKey on it${tail}`;
  if (code === 'TimeoutError' || code === 'SlowDown' || facts.serverFault || (facts.httpStatus ?? 0) >= 500)
    return `S3 did not take the object in time or had a temporary problem; jitbot will try again${tail}`;
  if (/^E[A-Z]+$/.test(code) || /socket hang up/i.test(facts.awsMessage))
    return `jitbot could not reach S3 (check the network, proxy or firewall); it will try again${tail}`;
  return `S3 refused the object${quoted}${tail}`;
}
