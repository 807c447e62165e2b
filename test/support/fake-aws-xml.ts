import { type FakeAwsAccount, FakeAwsError } from './fake-aws-state.js';

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

function xmlPolicy(arn: string, attachments: number): string {
  const name = arn.slice(arn.lastIndexOf('/') + 1);
  const path = arn.slice(arn.indexOf(':policy') + ':policy'.length, arn.lastIndexOf('/') + 1);
  return `<PolicyName>${escapeXml(name)}</PolicyName><PolicyId>ANPA${idOf(name)}</PolicyId><Arn>${escapeXml(arn)}</Arn><Path>${escapeXml(path)}</Path><DefaultVersionId>v1</DefaultVersionId><AttachmentCount>${attachments}</AttachmentCount><IsAttachable>true</IsAttachable><CreateDate>${CREATED}</CreateDate><UpdateDate>${CREATED}</UpdateDate>`;
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
    case 'GetPolicy': {
      const arn = params.PolicyArn ?? '';
      return `<Policy>${xmlPolicy(arn, account.requirePolicy(arn).size)}</Policy>`;
    }
    case 'AttachUserPolicy':
      account.attachPolicy(params.PolicyArn ?? '', userName);
      return '';
    case 'DetachUserPolicy':
      account.detachPolicy(params.PolicyArn ?? '', userName);
      return '';
    case 'GetGroup': {
      const members = account.requireGroup(groupName);
      const users = [...members]
        .map((user) => `<member>${xmlUser(user, account.accountId)}</member>`)
        .join('');
      return `<Group>${xmlGroup(groupName, account.accountId, account.pathOf(groupName))}</Group><Users>${users}</Users><IsTruncated>false</IsTruncated>`;
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
