import type { PermissionSummary } from '../domain/request.js';
import { type AccessLevel, actionInfo } from './action-data.js';
import type { PolicyStatement, PolicySummary } from './policy-types.js';

/** What approvers read about a generated policy before they decide. */

const LEVEL_ORDER: readonly AccessLevel[] = ['List', 'Read', 'Write', 'Permissions management', 'Tagging'];

/**
 * Each action is counted once, under the first level the action data lists for it: for the
 * two-level actions that is the specific one ('Permissions management' or 'Tagging'), the
 * second always being the general 'Write'. The bold flags still catch every action whose levels
 * include Write or Permissions management, naming the more dangerous of the two.
 */
export async function summarize(statements: readonly PolicyStatement[]): Promise<PolicySummary> {
  const actions = [...new Set(statements.flatMap((statement) => statement.actions))].sort();
  const resources = new Set(statements.flatMap((statement) => statement.resources));
  const byLevel: Partial<Record<AccessLevel, number>> = {};
  const flagged: { action: string; level: AccessLevel }[] = [];
  for (const action of actions) {
    const levels = (await actionInfo(action))?.levels ?? [];
    // An action missing from the data cannot happen after generation; counting it as Write keeps it visible.
    const first = levels[0] ?? 'Write';
    byLevel[first] = (byLevel[first] ?? 0) + 1;
    const flag = flagLevel(levels.length > 0 ? levels : ['Write']);
    if (flag) flagged.push({ action, level: flag });
  }
  return { actions: actions.length, resources: resources.size, byLevel, flagged };
}

function flagLevel(levels: readonly AccessLevel[]): AccessLevel | undefined {
  if (levels.includes('Permissions management')) return 'Permissions management';
  return levels.includes('Write') ? 'Write' : undefined;
}

const count = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** "4 actions: List 1, Read 3, on 2 resources": what a policy allows, in a line. */
export function scopeWords(summary: PermissionSummary): string {
  const levels = LEVEL_ORDER.flatMap((level) => {
    const n = summary.byLevel[level];
    return n ? [`${level} ${n}`] : [];
  });
  const byLevel = levels.length > 0 ? `: ${levels.join(', ')},` : '';
  return `${count(summary.actions, 'action')}${byLevel} on ${count(summary.resources, 'resource')}`;
}

/** "4 actions: List 1, Read 3, on 2 resources; hard expiry 1h after approval". */
export function summaryWords(summary: PermissionSummary, expiryWords: string): string {
  return `${scopeWords(summary)}; hard expiry ${expiryWords}`;
}
