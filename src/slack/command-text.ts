import { slashCommand } from './ids.js';

/** What `/request-aws-access <text>` asks for, parsed from the text alone (no lookups). */
export type CommandIntent =
  | { readonly kind: 'open-form' }
  | { readonly kind: 'help' }
  | { readonly kind: 'list' }
  | { readonly kind: 'status' }
  | { readonly kind: 'cancel'; readonly requestId: string }
  | {
      readonly kind: 'request';
      readonly targetId: string;
      readonly duration: string;
      readonly justification: string;
    }
  | { readonly kind: 'incomplete'; readonly problem: string };

const usage = () => `${slashCommand()} <target-id> <duration> <why you need it>`;

export function parseCommandText(text: string): CommandIntent {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const [first, second, ...rest] = words;
  if (first === undefined) return { kind: 'open-form' };
  switch (first.toLowerCase()) {
    case 'help':
      return { kind: 'help' };
    case 'list':
      return { kind: 'list' };
    case 'status':
      return { kind: 'status' };
    case 'cancel':
      return second
        ? { kind: 'cancel', requestId: second.toUpperCase() }
        : {
            kind: 'incomplete',
            problem: `Say which request to cancel: \`${slashCommand()} cancel REQ-…\` (see \`status\`).`,
          };
  }
  if (second === undefined) {
    return {
      kind: 'incomplete',
      problem: `Say for how long and why: \`${usage()}\`, e.g. \`${first} 2h investigating INC-123\`.`,
    };
  }
  if (rest.length === 0) {
    return { kind: 'incomplete', problem: `Say why you need access: \`${usage()}\`.` };
  }
  return { kind: 'request', targetId: first, duration: second, justification: rest.join(' ') };
}
