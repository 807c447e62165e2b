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
      const all = account.groupsOf(userName);
      const start = params.Marker !== undefined ? Number(params.Marker) : 0;
      const size = Math.min(pageSize, Number(params.MaxItems ?? 100));
      const page = all.slice(start, start + size);
      const more = start + size < all.length;
      const members = page
        .map((group) => `<member>${xmlGroup(group, account.accountId, account.pathOf(group))}</member>`)
        .join('');
      return `<Groups>${members}</Groups><IsTruncated>${more}</IsTruncated>${more ? `<Marker>${start + size}</Marker>` : ''}`;
    }
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
