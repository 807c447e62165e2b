import { formatDuration, parseDuration } from '../domain/duration.js';
import { explicitKey } from './catalog-build.js';
import type { Path, Problem, Redaction } from './catalog-problems.js';
import { ROLE_ARN } from './catalog-schema.js';
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
  const accountIds = accounts.flatMap((account, index) => {
    const fields = recordOf(account);
    const id = fields?.id;
    const accountId = fields?.accountId;
    const awsAccountId = typeof accountId === 'string' && /^\d{12}$/.test(accountId) ? accountId : undefined;
    const awsAccountIdHidden = redaction.hides(['accounts', index, 'accountId']);
    return typeof id === 'string'
      ? [
          {
            id,
            written: redaction.asWritten(['accounts', index, 'id'], id),
            awsAccountId,
            awsAccountIdHidden,
          },
        ]
      : [];
  });
  const context: TargetContext = { accountIds, hasOkta: recordOf(root.okta) !== undefined, redaction };
  return [
    ...checkReminder(recordOf(root.settings), redaction),
    ...uniqueIds('accounts', accounts, redaction),
    ...accounts.flatMap((account, index) => checkAccount(recordOf(account), ['accounts', index], redaction)),
    ...uniqueIds('targets', targets, redaction),
    ...targets.flatMap((target, index) => checkTarget(recordOf(target), ['targets', index], context)),
  ];
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
