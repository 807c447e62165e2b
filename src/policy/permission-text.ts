/**
 * The "Permissions" text of a request: one statement a line,
 * `<action>[,<action>...] <resource ARN>[,<resource ARN>...]`. This reads its shape only; what
 * the actions and resources mean is checked against the action data and the bounds later.
 */

export const MAX_PERMISSION_CHARS = 3000;
export const MAX_PERMISSION_LINES = 50;

const EXAMPLE = 's3:GetObject,s3:ListBucket arn:aws:s3:::my-bucket,arn:aws:s3:::my-bucket/*';

export interface PermissionLine {
  /** 1-based, counting blank lines, so it is the line the requester sees in the form. */
  readonly line: number;
  readonly actions: readonly string[];
  readonly resources: readonly string[];
}

export type PermissionText =
  | { readonly ok: true; readonly lines: readonly PermissionLine[] }
  | { readonly ok: false; readonly problems: readonly string[] };

export function parsePermissionText(text: string): PermissionText {
  if (text.length > MAX_PERMISSION_CHARS) {
    return refuse(
      `The permissions are ${text.length} characters long and at most ${MAX_PERMISSION_CHARS} are read; use wildcards such as s3:Get* or fewer resources.`,
    );
  }
  const numbered = text
    .split(/\r\n|\r|\n/)
    .map((content, index) => ({ line: index + 1, content: content.trim() }));
  const written = numbered.filter(({ content }) => content !== '');
  if (written.length === 0)
    return refuse(
      `Write at least one line of permissions: the actions, a space, then the resource ARNs, e.g. ${EXAMPLE}.`,
    );
  if (written.length > MAX_PERMISSION_LINES) {
    return refuse(
      `The permissions have ${written.length} lines and at most ${MAX_PERMISSION_LINES} are read; put several actions or resources on one line, separated by commas.`,
    );
  }
  const problems: string[] = [];
  const lines: PermissionLine[] = [];
  for (const { line, content } of written) {
    const parsed = parseLine(line, content);
    if (typeof parsed === 'string') problems.push(parsed);
    else lines.push(parsed);
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, lines };
}

const refuse = (problem: string): PermissionText => ({ ok: false, problems: [problem] });

function parseLine(line: number, content: string): PermissionLine | string {
  // Only printable ASCII can be part of an action or an ARN; anything else is a paste accident.
  if (/[^\x20-\x7e\t]/.test(content)) {
    return `line ${line}: has a character that cannot be part of an action or an ARN (a control character or a non-ASCII letter); retype the line by hand.`;
  }
  const parts = content.replace(/\s*,\s*/g, ',').split(/\s+/);
  const [actionPart = '', resourcePart = ''] = parts;
  if (parts.length !== 2) {
    const what =
      parts.length === 1
        ? 'has no space between the actions and the resources'
        : `has ${parts.length} parts separated by spaces`;
    return `line ${line}: ${what}; write the actions, one space, then the resource ARNs, each list separated by commas, e.g. ${EXAMPLE}.`;
  }
  if (/^arn:/i.test(actionPart) && !/^arn:/i.test(resourcePart)) {
    return `line ${line}: starts with a resource; write the actions first, then the resources, e.g. ${EXAMPLE}.`;
  }
  const actions = actionPart.split(',');
  const resources = resourcePart.split(',');
  if ([...actions, ...resources].includes('')) {
    return `line ${line}: has an empty item between commas or a comma at an end; remove the extra comma.`;
  }
  return { line, actions, resources };
}
