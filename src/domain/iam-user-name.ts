import type { UserMapping } from './catalog.js';

export type IamUserNameOutcome =
  | { readonly ok: true; readonly userName: string }
  /** Plain words for the requester: why there is no IAM user name and who can fix it. */
  | { readonly ok: false; readonly reason: string };

/** IAM's own rule for user names. */
const IAM_USER_NAME = /^[\w+=,.@-]{1,64}$/;

function isIamUserName(name: string): boolean {
  return IAM_USER_NAME.test(name);
}

/**
 * Which IAM user a Slack person is in one account. The explicit list wins (by Slack user id,
 * then by email in lower case, as the catalog stores its keys); then the account's rule, if any.
 */
export function iamUserNameOf(
  person: { readonly userId: string; readonly email?: string },
  mapping: UserMapping,
  accountName: string,
): IamUserNameOutcome {
  const email = person.email?.trim();
  const explicit =
    lookup(mapping.explicit, person.userId) ??
    (email ? lookup(mapping.explicit, email.toLowerCase()) : undefined);
  if (explicit !== undefined) return checked(explicit, accountName, 'the catalog lists');
  if (mapping.otherwise === undefined)
    return {
      ok: false,
      reason: `There is no IAM user for you in ${accountName}: the catalog maps only listed people there. Ask a jitbot admin to add you to the account's userMapping.`,
    };
  if (!email)
    return {
      ok: false,
      reason: `jitbot cannot find your IAM user in ${accountName} because your Slack profile shows no email address. Add one to your Slack profile, or ask a jitbot admin to map your Slack user id in the catalog.`,
    };
  const at = email.lastIndexOf('@');
  if (at < 1)
    return {
      ok: false,
      reason: `jitbot cannot derive your IAM user in ${accountName} from the email "${email}" in your Slack profile. Ask a jitbot admin to map you in the catalog.`,
    };
  const derived = mapping.otherwise === 'email' ? email : email.slice(0, at);
  return checked(derived, accountName, 'your email gives');
}

/** hasOwn so that a key such as "constructor" can never resolve to an inherited property. */
function lookup(explicit: Readonly<Record<string, string>>, key: string): string | undefined {
  return Object.hasOwn(explicit, key) ? explicit[key] : undefined;
}

function checked(name: string, accountName: string, source: string): IamUserNameOutcome {
  if (isIamUserName(name)) return { ok: true, userName: name };
  return {
    ok: false,
    reason: `The IAM user name ${source} for you in ${accountName}, "${name}", is not a valid IAM user name (1-64 letters, digits or +=,.@_-). Ask a jitbot admin to map you explicitly in the catalog.`,
  };
}
