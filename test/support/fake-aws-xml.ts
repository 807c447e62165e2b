import { type FakeAwsAccount, FakeAwsError } from './fake-aws-state.js';
import { checkPath, type FakePolicy } from './fake-iam-policies.js';

const NAMESPACES = {
  sts: 'https://sts.amazonaws.com/doc/2011-06-15/',
  iam: 'https://iam.amazonaws.com/doc/2010-05-08/',
} as const;

export function escapeXml(value: string): string {
  return value.replace(/[<>&'"]/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** The Query protocol's success envelope: `<XResponse><XResult>…</XResult><ResponseMetadata>`. */
export function queryResponse(
  service: 'sts' | 'iam',
  action: string,
  result: string,
  requestId: string,
): string {
  const resultXml = result.length > 0 ? `<${action}Result>${result}</${action}Result>` : '';
  return `<${action}Response xmlns="${NAMESPACES[service]}">${resultXml}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`;
}

export function queryError(error: FakeAwsError, requestId: string): string {
  const type = error.status >= 500 ? 'Receiver' : 'Sender';
  return `<ErrorResponse xmlns="${NAMESPACES.iam}"><Error><Type>${type}</Type><Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
}

const CREATED = '2026-01-01T00:00:00Z';

export function xmlUser(name: string, accountId: string): string {
  const safe = escapeXml(name);
  return `<Path>/</Path><UserName>${safe}</UserName><UserId>AIDA${idOf(name)}</UserId><Arn>arn:aws:iam::${accountId}:user/${safe}</Arn><CreateDate>${CREATED}</CreateDate>`;
}

export function xmlGroup(name: string, accountId: string, path = '/jit/'): string {
  const safe = escapeXml(name);
  const safePath = escapeXml(path);
  return `<Path>${safePath}</Path><GroupName>${safe}</GroupName><GroupId>AGPA${idOf(name)}</GroupId><Arn>arn:aws:iam::${accountId}:group${safePath}${safe}</Arn><CreateDate>${CREATED}</CreateDate>`;
}

/** A Policy element; the Description only where IAM gives it (GetPolicy, not CreatePolicy or ListPolicies). */
function xmlPolicy(policy: FakePolicy, attachments: number, withDescription = false): string {
  const description =
    withDescription && policy.description !== undefined
      ? `<Description>${escapeXml(policy.description)}</Description>`
      : '';
  const created = policy.createdAt.toISOString();
  return `<PolicyName>${escapeXml(policy.name)}</PolicyName><PolicyId>${policy.id}</PolicyId><Arn>${escapeXml(policy.arn)}</Arn><Path>${escapeXml(policy.path)}</Path><DefaultVersionId>v1</DefaultVersionId><AttachmentCount>${attachments}</AttachmentCount><PermissionsBoundaryUsageCount>0</PermissionsBoundaryUsageCount><IsAttachable>true</IsAttachable>${description}<CreateDate>${created}</CreateDate><UpdateDate>${created}</UpdateDate>`;
}

/**
 * The managed-policy actions; undefined for any other action. IAM hands the document back
 * URL-encoded (RFC 3986) and the SDK leaves it so: a client has to decodeURIComponent it.
 */
function policyResult(
  account: FakeAwsAccount,
  action: string,
  params: Record<string, string>,
  pageSize: number,
): string | undefined {
  const arn = params.PolicyArn ?? '';
  switch (action) {
    case 'CreatePolicy': {
      const policy = account.createPolicy({
        name: params.PolicyName ?? '',
        path: params.Path ?? '/',
        document: params.PolicyDocument ?? '',
        ...(params.Description !== undefined ? { description: params.Description } : {}),
      });
      return `<Policy>${xmlPolicy(policy, 0)}</Policy>`;
    }
    case 'GetPolicy': {
      const policy = account.requirePolicyRecord(arn);
      return `<Policy>${xmlPolicy(policy, account.requirePolicy(arn).size, true)}</Policy>`;
    }
    case 'GetPolicyVersion': {
      const policy = account.requirePolicyRecord(arn);
      const version = params.VersionId ?? '';
      if (version !== 'v1')
        throw new FakeAwsError(
          'NoSuchEntity',
          404,
          `Policy ${arn} version ${version} does not exist or is not attachable.`,
        );
      return `<PolicyVersion><Document>${escapeXml(encodeURIComponent(policy.document))}</Document><VersionId>v1</VersionId><IsDefaultVersion>true</IsDefaultVersion><CreateDate>${policy.createdAt.toISOString()}</CreateDate></PolicyVersion>`;
    }
    case 'ListPolicies': {
      const { page, tail } = paged(listedPolicies(account, params), params, pageSize);
      const members = page
        .map((policy) => `<member>${xmlPolicy(policy, account.requirePolicy(policy.arn).size)}</member>`)
        .join('');
      return `<Policies>${members}</Policies>${tail}`;
    }
    case 'ListEntitiesForPolicy':
      return entitiesResult(account, params, pageSize);
    case 'DeletePolicy':
      account.deletePolicy(arn);
      return '';
    default:
      return undefined;
  }
}

/** ListPolicies' filters: Scope (AWS managed ones have `aws` for their account), OnlyAttached, PathPrefix. */
function listedPolicies(account: FakeAwsAccount, params: Record<string, string>): FakePolicy[] {
  const scope = params.Scope ?? 'All';
  const prefix = params.PathPrefix ?? '/';
  checkPath(prefix, 'pathPrefix');
  return account.listPolicies().filter((policy) => {
    const awsManaged = policy.arn.split(':')[4] === 'aws';
    if ((scope === 'Local' && awsManaged) || (scope === 'AWS' && !awsManaged)) return false;
    if (params.OnlyAttached === 'true' && account.requirePolicy(policy.arn).size === 0) return false;
    return policy.path.startsWith(prefix);
  });
}

const ENTITY_FILTERS = new Set(['User', 'Role', 'Group', 'LocalManagedPolicy', 'AWSManagedPolicy']);

/**
 * ListEntitiesForPolicy: the users, groups and roles the policy is attached to, paged across all
 * three as IAM does. The fake attaches policies to users only (every user's path is `/`), so
 * PolicyGroups and PolicyRoles are always empty; EntityFilter and PathPrefix narrow the users.
 */
function entitiesResult(account: FakeAwsAccount, params: Record<string, string>, pageSize: number): string {
  const filter = params.EntityFilter;
  if (filter !== undefined && !ENTITY_FILTERS.has(filter))
    throw new FakeAwsError(
      'ValidationError',
      400,
      `1 validation error detected: Value '${filter}' at 'entityFilter' failed to satisfy constraint: Member must satisfy enum value set: [User, Role, Group, LocalManagedPolicy, AWSManagedPolicy]`,
    );
  const prefix = params.PathPrefix ?? '/';
  checkPath(prefix, 'pathPrefix');
  const users = [...account.requirePolicy(params.PolicyArn ?? '')];
  const listed = filter === undefined || filter === 'User' ? users.filter(() => '/'.startsWith(prefix)) : [];
  const { page, tail } = paged(listed, params, pageSize);
  const members = page
    .map(
      (user) => `<member><UserName>${escapeXml(user)}</UserName><UserId>AIDA${idOf(user)}</UserId></member>`,
    )
    .join('');
  return `<PolicyGroups/><PolicyUsers>${members}</PolicyUsers><PolicyRoles/>${tail}`;
}

/** One page of a list, with IAM's IsTruncated and Marker (an index here). */
function paged<T>(all: readonly T[], params: Record<string, string>, pageSize: number) {
  const start = params.Marker !== undefined ? Number(params.Marker) : 0;
  const size = Math.min(pageSize, Number(params.MaxItems ?? 100));
  const more = start + size < all.length;
  return {
    page: all.slice(start, start + size),
    tail: `<IsTruncated>${more}</IsTruncated>${more ? `<Marker>${start + size}</Marker>` : ''}`,
  };
}

/** A stable IAM-style unique id for a name. */
function idOf(name: string): string {
  return Buffer.from(name).toString('hex').toUpperCase().padEnd(16, '0').slice(0, 16);
}

/** The `<XResult>` body of one IAM action against an account's state; throws FakeAwsError as IAM would fail. */
export function iamResult(
  account: FakeAwsAccount,
  action: string,
  params: Record<string, string>,
  pageSize: number,
): string {
  const policyXml = policyResult(account, action, params, pageSize);
  if (policyXml !== undefined) return policyXml;
  const userName = params.UserName ?? '';
  const groupName = params.GroupName ?? '';
  switch (action) {
    case 'GetUser':
      return `<User>${xmlUser(account.requireUser(userName), account.accountId)}</User>`;
    case 'ListGroupsForUser': {
      account.requireUser(userName);
      const { page, tail } = paged(account.groupsOf(userName), params, pageSize);
      const members = page
        .map((group) => `<member>${xmlGroup(group, account.accountId, account.pathOf(group))}</member>`)
        .join('');
      return `<Groups>${members}</Groups>${tail}`;
    }
    case 'ListAttachedUserPolicies': {
      account.requireUser(userName);
      const { page, tail } = paged(account.policiesOf(userName), params, pageSize);
      const members = page
        .map(
          (arn) =>
            `<member><PolicyName>${escapeXml(arn.slice(arn.lastIndexOf('/') + 1))}</PolicyName><PolicyArn>${escapeXml(arn)}</PolicyArn></member>`,
        )
        .join('');
      return `<AttachedPolicies>${members}</AttachedPolicies>${tail}`;
    }
    case 'AttachUserPolicy':
      account.attachPolicy(params.PolicyArn ?? '', userName);
      return '';
    case 'DetachUserPolicy':
      account.detachPolicy(params.PolicyArn ?? '', userName);
      return '';
    case 'GetGroup': {
      const { page, tail } = paged([...account.requireGroup(groupName)], params, pageSize);
      const users = page.map((user) => `<member>${xmlUser(user, account.accountId)}</member>`).join('');
      return `<Group>${xmlGroup(groupName, account.accountId, account.pathOf(groupName))}</Group><Users>${users}</Users>${tail}`;
    }
    case 'AddUserToGroup':
      account.addMember(groupName, userName);
      return '';
    case 'RemoveUserFromGroup':
      account.removeMember(groupName, userName);
      return '';
    default:
      throw new FakeAwsError('InvalidAction', 400, `Could not find operation ${action}`);
  }
}
