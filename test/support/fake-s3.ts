import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** One stored version of an object, as S3 keeps it. */
export interface FakeS3Object {
  readonly key: string;
  readonly body: Buffer;
  readonly contentType: string | undefined;
  /** The x-amz-meta-* headers, without the prefix. */
  readonly metadata: Readonly<Record<string, string>>;
  readonly checksumSha256: string | undefined;
  readonly serverSideEncryption: string | undefined;
  readonly versionId: string;
}

export interface FakeS3Call {
  readonly action: string;
  readonly bucket: string;
  readonly key?: string;
  readonly accessKeyId?: string;
  readonly status: number;
  readonly errorCode?: string;
  /** The call was carried out, but the client never heard how. */
  readonly answerLost?: 'drop' | 'error';
}

export interface FakeBucketOptions {
  /** Object Lock's default retention; a bucket with Object Lock is versioned and needs a checksum on PUT. */
  readonly objectLock?: { readonly mode: 'COMPLIANCE' | 'GOVERNANCE'; readonly days: number };
}

class S3Error extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** A bucket: every version of every object kept, in the order written. */
export class FakeBucket {
  readonly versions = new Map<string, FakeS3Object[]>();
  constructor(
    readonly name: string,
    readonly options: FakeBucketOptions,
  ) {}

  /** The latest version of each object, by key. */
  objects(): FakeS3Object[] {
    return [...this.versions.keys()]
      .sort()
      .map((key) => this.object(key))
      .filter((object): object is FakeS3Object => object !== undefined);
  }

  object(key: string): FakeS3Object | undefined {
    return this.versions.get(key)?.at(-1);
  }

  put(object: FakeS3Object): void {
    this.versions.set(object.key, [...(this.versions.get(object.key) ?? []), object]);
  }
}

const XMLNS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * S3's REST API, path-style (`/<bucket>/<key>`), for the real S3Client with `forcePathStyle`:
 * PutObject, GetObject, HeadBucket, ListObjectsV2 and GetObjectLockConfiguration. It checks a
 * PUT's checksum against its bytes, asks for one where Object Lock does, keeps every version, and
 * can fail the next calls of an action or lose their answers after doing them.
 */
export class FakeS3 {
  readonly calls: FakeS3Call[] = [];
  private readonly buckets = new Map<string, FakeBucket>();
  private readonly failures = new Map<
    string,
    { code: string; status: number; message: string; remaining: number }
  >();
  private readonly lostAnswers = new Map<string, { how: 'drop' | 'error'; remaining: number }>();

  addBucket(name: string, options: FakeBucketOptions = {}): FakeBucket {
    const bucket = new FakeBucket(name, options);
    this.buckets.set(name, bucket);
    return bucket;
  }

  removeBucket(name: string): void {
    this.buckets.delete(name);
  }

  bucket(name: string): FakeBucket {
    const bucket = this.buckets.get(name);
    if (!bucket) throw new Error(`no fake bucket ${name}`);
    return bucket;
  }

  /** The next `times` calls of `action` (PutObject, ...) fail with `code` (AccessDenied, NoSuchBucket, ...). */
  failNext(
    action: string,
    failure: { code: string; status: number; times?: number; message?: string },
  ): void {
    this.failures.set(action, {
      code: failure.code,
      status: failure.status,
      message: failure.message ?? `injected ${failure.code}`,
      remaining: failure.times ?? 1,
    });
  }

  /** The next `times` calls of `action` are carried out, then the connection is cut or S3 answers 500. */
  loseNextAnswers(action: string, loss: { how: 'drop' | 'error'; times?: number }): void {
    this.lostAnswers.set(action, { how: loss.how, remaining: loss.times ?? 1 });
  }

  clearFailures(action: string): void {
    this.failures.delete(action);
    this.lostAnswers.delete(action);
  }

  callsTo(action: string): FakeS3Call[] {
    return this.calls.filter((call) => call.action === action);
  }

  async handle(
    request: IncomingMessage,
    response: ServerResponse,
    accessKeyId: string | undefined,
  ): Promise<void> {
    const body = await readBytes(request);
    const url = new URL(request.url ?? '/', 'http://fake');
    const [bucketName = '', ...rest] = url.pathname.slice(1).split('/');
    const key = rest.length > 0 ? rest.map(decodeURIComponent).join('/') : undefined;
    const action = actionOf(request.method ?? 'GET', key, url.searchParams);
    const requestId = randomUUID();
    const base = { action, bucket: bucketName, ...(key !== undefined ? { key } : {}), accessKeyId };
    let answer: { status: number; headers: Record<string, string>; xml: string };
    try {
      this.injected(action);
      const bucket = this.buckets.get(bucketName);
      if (!bucket) throw new S3Error('NoSuchBucket', 404, 'The specified bucket does not exist');
      answer = { status: 200, ...this.run(action, bucket, key, request, body, url.searchParams) };
    } catch (error) {
      const failure =
        error instanceof S3Error ? error : new S3Error('InternalError', 500, (error as Error).message);
      answer = {
        status: failure.status,
        headers: {},
        xml: `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${failure.code}</Code><Message>${escapeXml(failure.message)}</Message><BucketName>${escapeXml(bucketName)}</BucketName><RequestId>${requestId}</RequestId></Error>`,
      };
      this.calls.push({ ...base, status: failure.status, errorCode: failure.code });
      respond(response, request.method, answer, requestId);
      return;
    }
    const lost = this.takeLostAnswer(action);
    this.calls.push({ ...base, status: 200, ...(lost ? { answerLost: lost } : {}) });
    if (lost === 'drop') {
      response.socket?.destroy();
      return;
    }
    if (lost === 'error') {
      respond(
        response,
        request.method,
        {
          status: 500,
          headers: {},
          xml: `<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>injected: answer lost</Message><RequestId>${requestId}</RequestId></Error>`,
        },
        requestId,
      );
      return;
    }
    respond(response, request.method, answer, requestId);
  }

  private run(
    action: string,
    bucket: FakeBucket,
    key: string | undefined,
    request: IncomingMessage,
    body: Buffer,
    query: URLSearchParams,
  ): { headers: Record<string, string>; xml: string } {
    switch (action) {
      case 'PutObject':
        return this.putObject(bucket, key ?? '', request, body);
      case 'GetObject': {
        const object = bucket.object(key ?? '');
        if (!object) throw new S3Error('NoSuchKey', 404, 'The specified key does not exist.');
        return {
          headers: { 'content-type': object.contentType ?? 'binary/octet-stream' },
          xml: object.body.toString('utf8'),
        };
      }
      case 'HeadBucket':
        return { headers: {}, xml: '' };
      case 'ListObjectsV2':
        return { headers: {}, xml: listXml(bucket, query.get('prefix') ?? '') };
      case 'GetObjectLockConfiguration': {
        const lock = bucket.options.objectLock;
        if (!lock)
          throw new S3Error(
            'ObjectLockConfigurationNotFoundError',
            404,
            'Object Lock configuration does not exist for this bucket',
          );
        return {
          headers: {},
          xml: `<?xml version="1.0" encoding="UTF-8"?><ObjectLockConfiguration ${XMLNS}><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>${lock.mode}</Mode><Days>${lock.days}</Days></DefaultRetention></Rule></ObjectLockConfiguration>`,
        };
      }
      default:
        throw new S3Error('NotImplemented', 501, `the fake S3 does not do ${action}`);
    }
  }

  private putObject(
    bucket: FakeBucket,
    key: string,
    request: IncomingMessage,
    body: Buffer,
  ): { headers: Record<string, string>; xml: string } {
    const header = (name: string) => {
      const value = request.headers[name];
      return typeof value === 'string' ? value : undefined;
    };
    if (header('content-encoding')?.includes('aws-chunked'))
      throw new S3Error('NotImplemented', 501, 'the fake S3 does not read aws-chunked bodies');
    const checksum = header('x-amz-checksum-sha256');
    if (checksum !== undefined && checksum !== createHash('sha256').update(body).digest('base64'))
      throw new S3Error('BadDigest', 400, 'The SHA256 you specified did not match the calculated checksum.');
    const md5 = header('content-md5');
    if (md5 !== undefined && md5 !== createHash('md5').update(body).digest('base64'))
      throw new S3Error('BadDigest', 400, 'The Content-MD5 you specified did not match what we received.');
    const anyChecksum =
      md5 !== undefined || Object.keys(request.headers).some((name) => name.startsWith('x-amz-checksum-'));
    if (bucket.options.objectLock && !anyChecksum)
      throw new S3Error(
        'InvalidRequest',
        400,
        'Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters',
      );
    const metadata = Object.fromEntries(
      Object.entries(request.headers)
        .filter(([name]) => name.startsWith('x-amz-meta-'))
        .map(([name, value]) => [name.slice('x-amz-meta-'.length), String(value)]),
    );
    const versionId = randomUUID().replace(/-/g, '');
    bucket.put({
      key,
      body,
      contentType: header('content-type'),
      metadata,
      checksumSha256: checksum,
      serverSideEncryption: header('x-amz-server-side-encryption'),
      versionId,
    });
    return {
      headers: {
        etag: `"${createHash('md5').update(body).digest('hex')}"`,
        ...(bucket.options.objectLock ? { 'x-amz-version-id': versionId } : {}),
        ...(checksum ? { 'x-amz-checksum-sha256': checksum } : {}),
      },
      xml: '',
    };
  }

  private injected(action: string): void {
    const failure = this.failures.get(action);
    if (!failure) return;
    failure.remaining -= 1;
    if (failure.remaining <= 0) this.failures.delete(action);
    throw new S3Error(failure.code, failure.status, failure.message);
  }

  private takeLostAnswer(action: string): 'drop' | 'error' | undefined {
    const loss = this.lostAnswers.get(action);
    if (!loss) return undefined;
    loss.remaining -= 1;
    if (loss.remaining <= 0) this.lostAnswers.delete(action);
    return loss.how;
  }
}

function actionOf(method: string, key: string | undefined, query: URLSearchParams): string {
  if (key !== undefined && key !== '')
    return (
      ({ PUT: 'PutObject', GET: 'GetObject', HEAD: 'HeadObject', DELETE: 'DeleteObject' } as const)[
        method as 'PUT'
      ] ?? method
    );
  if (method === 'HEAD') return 'HeadBucket';
  if (method === 'GET' && query.has('object-lock')) return 'GetObjectLockConfiguration';
  if (method === 'GET' && query.get('list-type') === '2') return 'ListObjectsV2';
  return `${method} bucket`;
}

function listXml(bucket: FakeBucket, prefix: string): string {
  const contents = bucket
    .objects()
    .filter((object) => object.key.startsWith(prefix))
    .map(
      (object) =>
        `<Contents><Key>${escapeXml(object.key)}</Key><Size>${object.body.length}</Size><ETag>"${createHash('md5').update(object.body).digest('hex')}"</ETag><StorageClass>STANDARD</StorageClass></Contents>`,
    );
  return `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult ${XMLNS}><Name>${escapeXml(bucket.name)}</Name><Prefix>${escapeXml(prefix)}</Prefix><KeyCount>${contents.length}</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>${contents.join('')}</ListBucketResult>`;
}

function respond(
  response: ServerResponse,
  method: string | undefined,
  answer: { status: number; headers: Record<string, string>; xml: string },
  requestId: string,
): void {
  const isXml = answer.xml.startsWith('<?xml');
  response.writeHead(answer.status, {
    ...(isXml ? { 'content-type': 'application/xml' } : {}),
    ...answer.headers,
    'x-amz-request-id': requestId,
  });
  // HEAD answers carry no body, errors included (the SDK reads the code from the status).
  response.end(method === 'HEAD' ? undefined : answer.xml);
}

async function readBytes(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
