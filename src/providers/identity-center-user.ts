import { DescribeUserCommand, GetUserIdCommand } from '@aws-sdk/client-identitystore';
import { hasAwsCode, type IdentityCenterCall } from '../aws/identity-center.js';
import type { IdentityCenterSettings, IdentityCenterTarget } from '../domain/catalog.js';
import type { CallContext, Holder, PrincipalOutcome, SlackPerson } from '../ports/access-provider.js';

/** The most items one page of an Identity Center list may hold: a listing takes as few calls as it can. */
export const IDENTITY_CENTER_MAX_RESULTS = 100;

/** Where the holder signs in, when the catalog names the AWS access portal. */
export function signInNote(settings: IdentityCenterSettings): { readonly signIn?: string } {
  return settings.portalUrl ? { signIn: `Sign in through the AWS access portal: ${settings.portalUrl}` } : {};
}

/** `Identity Center user alice@example.com`: who an Identity Center grant goes to. */
export function identityCenterUserWords(person: SlackPerson, principal: string): string {
  return `Identity Center user ${person.email ?? principal}`;
}

/**
 * The Identity Store user a Slack person is: found by the Slack email as userName or as one of the
 * user's emails (`identityCenter.userMatch`), and refused when the store says it is disabled (a
 * store that reports no status counts as enabled).
 */
export async function findIdentityCenterUser(
  settings: IdentityCenterSettings,
  identityStore: IdentityCenterCall['identityStore'],
  target: IdentityCenterTarget,
  person: SlackPerson,
  context: CallContext,
): Promise<PrincipalOutcome> {
  const email = person.email?.toLowerCase();
  if (!email)
    return {
      ok: false,
      reason:
        'Your Slack profile has no email, and jitbot finds your Identity Center user by it. Ask a Slack admin to add it.',
    };
  const AttributePath = settings.userMatch === 'email' ? 'emails.value' : 'userName';
  const matched = settings.userMatch === 'email' ? 'email' : 'user name';
  const about = {
    targetId: target.id,
    resource: settings.identityStoreId,
    resourceWords: `identity store ${settings.identityStoreId}`,
  };
  let userId: string;
  try {
    const found = await identityStore(
      { ...about, operation: 'GetUserId', principal: email },
      context,
      (client) =>
        client.send(
          new GetUserIdCommand({
            IdentityStoreId: settings.identityStoreId,
            AlternateIdentifier: { UniqueAttribute: { AttributePath, AttributeValue: email } },
          }),
        ),
    );
    if (!found.UserId) throw new Error('GetUserId answered without a UserId');
    userId = found.UserId;
  } catch (error) {
    if (!hasAwsCode(error, 'ResourceNotFoundException')) throw error;
    return {
      ok: false,
      reason: `There is no Identity Center user with the ${matched} ${email}. Ask your Identity Center admins to create it, or to give it your Slack email.`,
    };
  }
  const user = await identityStore(
    { ...about, operation: 'DescribeUser', principal: userId },
    context,
    (client) =>
      client.send(new DescribeUserCommand({ IdentityStoreId: settings.identityStoreId, UserId: userId })),
  );
  if (user.UserStatus === 'DISABLED')
    return {
      ok: false,
      reason: `Your Identity Center user ${email} is disabled, so it cannot be given access. Ask your Identity Center admins to enable it.`,
    };
  return { ok: true, principal: userId };
}

/**
 * The users `userIds` as holders, each named by their Identity Store user name (what a target's
 * `standingMembers` lists), read with DescribeUser once per user for this call. A user deleted
 * since it was listed keeps its id as its name: the holding is still reported.
 */
export async function holdersNamed(
  settings: IdentityCenterSettings,
  identityStore: IdentityCenterCall['identityStore'],
  target: IdentityCenterTarget,
  userIds: readonly string[],
  context: CallContext,
): Promise<Holder[]> {
  const holders: Holder[] = [];
  for (const userId of new Set(userIds)) {
    holders.push({
      principal: userId,
      name: await userNameOf(settings, identityStore, target, userId, context),
    });
  }
  return holders;
}

async function userNameOf(
  settings: IdentityCenterSettings,
  identityStore: IdentityCenterCall['identityStore'],
  target: IdentityCenterTarget,
  userId: string,
  context: CallContext,
): Promise<string> {
  try {
    const user = await identityStore(
      {
        operation: 'DescribeUser',
        targetId: target.id,
        principal: userId,
        resource: settings.identityStoreId,
        resourceWords: `identity store ${settings.identityStoreId}`,
      },
      context,
      (client) =>
        client.send(new DescribeUserCommand({ IdentityStoreId: settings.identityStoreId, UserId: userId })),
    );
    return user.UserName ?? userId;
  } catch (error) {
    if (hasAwsCode(error, 'ResourceNotFoundException')) return userId;
    throw error;
  }
}
