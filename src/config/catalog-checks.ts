import type { Catalog } from '../domain/catalog.js';
import { formatDuration, parseDuration } from '../domain/duration.js';
import { explicitKey } from './catalog-build.js';
import { checkGeneratedPolicyTarget } from './catalog-generated-policy.js';
import {
  type AccountReference,
  checkIdentityCenter,
  checkIdentityCenterTarget,
  identityCenterContext,
} from './catalog-identity-center.js';
import { checkPartitions } from './catalog-partitions.js';
import type { Path, Problem, Redaction } from './catalog-problems.js';
import { DEAD_LETTER_ARN, ROLE_ARN } from './catalog-schema.js';
import { checkTarget, type Data, recordOf, type TargetContext } from './catalog-target-checks.js';

/**
 * Rules that relate several values: unique ids, references, orderings and counts. They read the
 * unvalidated data and skip anything the schema will already report as malformed, so one run
 * lists these problems next to the schema's instead of after the schema problems are fixed.
 */

export function checkCatalog(catalog: unknown, redaction: Redaction): Problem[] {
  const root = recordOf(catalog) ?? {};
  const accounts = listOf(root.accounts);
  const targets = listOf(root.targets);
  const references = accountReferences(accounts, redaction);
  const accountIds = references.map(({ id, written, fields, index }) => {
    const accountId = fields.accountId;
    const awsAccountId = typeof accountId === 'string' && /^\d{12}$/.test(accountId) ? accountId : undefined;
    const awsAccountIdHidden = redaction.hides(['accounts', index, 'accountId']);
    const role = fields.connectorRoleArn;
    const partition = typeof role === 'string' && ROLE_ARN.test(role) ? role.split(':')[1] : undefined;
    const partitionHidden = redaction.hides(['accounts', index, 'connectorRoleArn']);
    return { id, written, awsAccountId, awsAccountIdHidden, partition, partitionHidden };
  });
  const context: TargetContext = { accountIds, hasOkta: recordOf(root.okta) !== undefined, redaction };
  const identityCenter = recordOf(root.identityCenter);
  const sso = identityCenterContext(identityCenter, redaction);
  return [
    ...checkReminder(recordOf(root.settings), redaction),
    ...uniqueIds('accounts', accounts, redaction),
    ...accounts.flatMap((account, index) => checkAccount(recordOf(account), ['accounts', index], redaction)),
    ...checkIdentityCenter(identityCenter, references, redaction),
    ...checkPartitions(root, redaction),
    ...uniqueIds('targets', targets, redaction),
    ...targets.flatMap((target, index) => [
      ...checkTarget(recordOf(target), ['targets', index], context),
      ...checkIdentityCenterTarget(recordOf(target), ['targets', index], sso, redaction),
      ...checkGeneratedPolicyTarget(recordOf(target), ['targets', index], context),
    ]),
  ];
}

/** Every account with an id, for references to it. */
function accountReferences(accounts: readonly unknown[], redaction: Redaction): AccountReference[] {
  return accounts.flatMap((account, index) => {
    const fields = recordOf(account);
    const id = fields?.id;
    if (fields === undefined || typeof id !== 'string') return [];
    return [{ id, written: redaction.asWritten(['accounts', index, 'id'], id), fields, index }];
  });
}

/** A reminder after the request has timed out would never be sent. */
function checkReminder(settings: Data | undefined, redaction: Redaction): Problem[] {
  const reminder =
    typeof settings?.approvalReminder === 'string' ? parseDuration(settings.approvalReminder) : undefined;
  const timeoutText = settings?.approvalTimeout ?? '24h';
  const timeout = typeof timeoutText === 'string' ? parseDuration(timeoutText) : undefined;
  if (reminder === undefined || timeout === undefined || reminder < timeout) return [];
  const path = ['settings', 'approvalReminder'];
  const shown = redaction.hides(['settings', 'approvalTimeout']) ? '' : ` (${formatDuration(timeout)})`;
  return [
    {
      path,
      message: `must be shorter than approvalTimeout${shown}: approvers are reminded while the request still waits for them`,
    },
  ];
}

function uniqueIds(section: string, items: readonly unknown[], redaction: Redaction): Problem[] {
  const firstIndex = new Map<string, number>();
  return items.flatMap((item, index) => {
    const id = recordOf(item)?.id;
    if (typeof id !== 'string') return [];
    const first = firstIndex.get(id);
    if (first === undefined) {
      firstIndex.set(id, index);
      return [];
    }
    const path = [section, index, 'id'];
    const subject = redaction.subject(path, id);
    return [
      {
        path,
        message: `${subject} is already the id of ${section}[${first}]; ids must be unique, so rename one`,
      },
    ];
  });
}

function checkAccount(account: Data | undefined, path: Path, redaction: Redaction): Problem[] {
  if (account === undefined) return [];
  return [
    ...roleAccounts(account, path, redaction),
    ...explicitDuplicates(recordOf(account.userMapping), path),
    ...deadLetterProblems(account, path),
  ];
}

/** A dead-letter queue serves the backstop schedules, so it needs them, in the same partition. */
function deadLetterProblems(account: Data, path: Path): Problem[] {
  const queue = account.deadLetterArn;
  // A malformed ARN is reported by the schema.
  if (typeof queue !== 'string' || !DEAD_LETTER_ARN.test(queue)) return [];
  const at = [...path, 'deadLetterArn'];
  if (typeof account.schedulerRoleArn !== 'string')
    return [
      {
        path: at,
        message:
          'is set but schedulerRoleArn is not: without the scheduler role there are no backstop schedules whose failures could go to the queue; add schedulerRoleArn or remove deadLetterArn',
      },
    ];
  const partition = (arn: unknown) => (typeof arn === 'string' ? /^arn:([\w-]+):/.exec(arn)?.[1] : undefined);
  const roles = partition(account.schedulerRoleArn);
  if (roles === undefined || roles === partition(queue)) return [];
  return [
    {
      path: at,
      message: `is in the partition ${partition(queue)}, but the account's roles are in ${roles}: use a queue of the same partition (arn:${roles}:sqs:…)`,
    },
  ];
}

/** jitbot assumes each role in the account it manages, so a role elsewhere is a wrong ARN. */
function roleAccounts(account: Data, path: Path, redaction: Redaction): Problem[] {
  const accountId = account.accountId;
  // A malformed accountId is reported by the schema; comparing against it would only add noise.
  if (typeof accountId !== 'string' || !/^\d{12}$/.test(accountId)) return [];
  return ['connectorRoleArn', 'schedulerRoleArn'].flatMap((key) => {
    const arn = account[key];
    const inAccount = typeof arn === 'string' ? ROLE_ARN.exec(arn)?.[1] : undefined;
    if (inAccount === undefined || inAccount === accountId) return [];
    const shown = !redaction.hides([...path, key]) && !redaction.hides([...path, 'accountId']);
    const which = shown
      ? `the role is in account ${inAccount}, but accountId is ${accountId}`
      : "the role's account is not accountId";
    const message = `${which}; jitbot assumes this role in the account it manages, so use a role in that account or correct accountId`;
    return [{ path: [...path, key], message }];
  });
}

/** Two spellings of one email would silently map one person to two IAM users. */
function explicitDuplicates(mapping: Data | undefined, path: Path): Problem[] {
  const explicit = recordOf(mapping?.explicit);
  const seen = new Map<string, string>();
  return Object.keys(explicit ?? {}).flatMap((user) => {
    const earlier = seen.get(explicitKey(user));
    seen.set(explicitKey(user), user);
    if (earlier === undefined) return [];
    const message = `the key ${JSON.stringify(user)} is the same email as ${JSON.stringify(earlier)} (case does not count); keep one`;
    return [{ path: [...path, 'userMapping', 'explicit'], message }];
  });
}

function listOf(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

/**
 * The start-up and doctor warning for a catalog that finds people's accounts from their Slack
 * email without limiting its domain: where Slack lets people edit their email, someone who sets
 * theirs to alice@anything.example becomes IAM user alice (email-local-part), and emails in a
 * domain the company does not control name people it cannot vouch for. Undefined when none applies.
 */
export function emailDomainWarning(catalog: Catalog): { problem: string; fix: string } | undefined {
  if (catalog.settings.allowedEmailDomains !== undefined) return undefined;
  const fromEmail = [
    ...catalog.accounts.flatMap((account) => {
      const { explicit, otherwise } = account.userMapping;
      if (otherwise !== undefined) return [`account ${account.id} (userMapping ${otherwise})`];
      return Object.keys(explicit).some((key) => key.includes('@'))
        ? [`account ${account.id} (userMapping explicit emails)`]
        : [];
    }),
    ...(catalog.okta ? [`okta (userMatch ${catalog.okta.userMatch})`] : []),
    ...(catalog.identityCenter ? [`identityCenter (userMatch ${catalog.identityCenter.userMatch})`] : []),
  ];
  if (fromEmail.length === 0) return undefined;
  return {
    problem:
      `settings.allowedEmailDomains is not set, but ${fromEmail.join(', ')} find people's accounts from their Slack email, ` +
      'which people may be able to change: an email in any domain is accepted',
    fix: 'set settings.allowedEmailDomains to the email domains your company controls, e.g. allowedEmailDomains: [example.com]',
  };
}
