import { globCovers } from './resource-glob.js';

/**
 * The syntax of an action pattern: `service:Action`, IAM's `*` and `?` wildcards in the action
 * part only. A bare `*` or `s3*` is not a pattern here: a grant of every action of every
 * service is never least privilege.
 */

const PATTERN = /^([a-z0-9-]+):([a-z0-9*?-]+)$/i;

export interface ActionPattern {
  /** Lower case, as iam-data keys services. */
  readonly service: string;
  readonly action: string;
  readonly wildcard: boolean;
}

export function parseActionPattern(pattern: string): ActionPattern | undefined {
  const match = PATTERN.exec(pattern.trim());
  if (!match?.[1] || !match[2]) return undefined;
  return { service: match[1].toLowerCase(), action: match[2], wildcard: /[*?]/.test(match[2]) };
}

/**
 * IAM's own matching of the action part: `*` any run of characters, `?` one, case-insensitive.
 * A glob matcher in linear space and quadratic time at worst, never a regular expression: a
 * pattern of many wildcards (`s3:*?*?*?…`) must not backtrack for minutes on the event loop.
 */
export function actionPartMatches(actionPattern: string, actionPart: string): boolean {
  return globCovers(actionPattern.toLowerCase(), actionPart.toLowerCase());
}

/** Why a string is not an action pattern, in words that end with the fix; undefined when it is one. */
export function actionPatternMistake(pattern: string): string | undefined {
  if (parseActionPattern(pattern)) return undefined;
  const colon = pattern.indexOf(':');
  if (/^[*?]+$/.test(pattern)) {
    return `${pattern} would ask for every action of every service, which jitbot never grants; name the service and the actions, e.g. s3:Get*`;
  }
  if (colon === -1) return `${pattern} is not an action; write service:Action, e.g. s3:GetObject or s3:Get*`;
  if (/[*?]/.test(pattern.slice(0, colon))) {
    return `${pattern} has a wildcard in the service; name the service exactly and put wildcards after the colon, e.g. s3:Get*`;
  }
  return `${pattern} is not an action; an action is service:Action with only letters and digits, and * or ? as wildcards, e.g. s3:GetObject`;
}
