/**
 * Who may get access at all, whatever the target: checked when a request is prepared, before any
 * approver is asked. The principal is found from the person's Slack email, so the email must be
 * in a domain the company controls, and the Slack account must be a full member of jitbot's own
 * workspace: not a guest, not someone from another organisation (Slack Connect), not an app.
 */

/** What Slack's own facts about a person rule out. */
export type SlackRefusal =
  | 'deactivated'
  | 'bot'
  | 'app-user'
  | 'other-workspace'
  | 'single-channel-guest'
  | 'guest';

export interface RequesterRefusal {
  /** What failed, for the audit log. */
  readonly check: SlackRefusal | 'email-domain';
  /** Plain words for the requester: what is wrong and who can fix it. */
  readonly words: string;
}

/** The fields of a Slack profile these checks read (prepare-request's SlackProfile). */
export interface CheckedPerson {
  readonly email?: string;
  readonly inactive: boolean;
  readonly refusal?: SlackRefusal;
}

const SLACK_WORDS: Readonly<Record<SlackRefusal, string>> = {
  deactivated:
    'Your Slack account is deactivated, so it cannot get access. Ask a Slack admin if that is a mistake.',
  bot: 'The request came from a bot user, and only people can get access.',
  'app-user': "The request came from an app's Slack user, and only people can get access.",
  'other-workspace':
    'Your Slack account belongs to another workspace or organisation (a Slack Connect user, for example), and jitbot gives access only to members of its own workspace. Ask an admin of this workspace for an account in it.',
  'single-channel-guest':
    'You are a single-channel guest in this Slack workspace, and jitbot gives access only to full members. Ask a Slack admin to make you a full member if you need access.',
  guest:
    'You are a guest in this Slack workspace, and jitbot gives access only to full members. Ask a Slack admin to make you a full member if you need access.',
};

/** The domain of an email with exactly one @ and something before it, in lower case; else undefined. */
export function emailDomainOf(email: string): string | undefined {
  const parts = email.trim().split('@');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return undefined;
  return parts[1].toLowerCase();
}

/**
 * Exact, case-insensitive match of the whole domain: `example.com.evil.io` and `evilexample.com`
 * are other people's domains, and a subdomain is not allowed unless it is listed itself.
 */
export function isAllowedEmail(email: string, allowedDomains: readonly string[]): boolean {
  const domain = emailDomainOf(email);
  return domain !== undefined && allowedDomains.includes(domain);
}

export function checkRequester(
  person: CheckedPerson,
  allowedDomains: readonly string[] | undefined,
): RequesterRefusal | undefined {
  if (person.refusal) return { check: person.refusal, words: SLACK_WORDS[person.refusal] };
  if (person.inactive)
    return {
      check: 'deactivated',
      words: 'your Slack account is deactivated or a bot, so it cannot get access',
    };
  if (allowedDomains === undefined) return undefined;
  const listed = allowedDomains.join(', ');
  const email = person.email?.trim();
  if (!email) {
    return {
      check: 'email-domain',
      words: `jitbot cannot see an email address on your Slack profile, and access goes only to people with an email in ${listed}. Add your work email to your Slack profile, or ask a jitbot admin to check that the app has the users:read.email scope.`,
    };
  }
  if (isAllowedEmail(email, allowedDomains)) return undefined;
  return {
    check: 'email-domain',
    words: `Your Slack email ${email} is not in an allowed domain (${listed}); ask a Slack admin to change it to your work email, or a jitbot admin to add its domain to settings.allowedEmailDomains if your company owns it.`,
  };
}
