import { describe, expect, it } from 'vitest';
import { parseCommandText } from '../../src/slack/command-text.js';

describe('parseCommandText', () => {
  it.each([
    ['', { kind: 'open-form' }],
    ['   ', { kind: 'open-form' }],
    ['help', { kind: 'help' }],
    ['LIST', { kind: 'list' }],
    ['status', { kind: 'status' }],
    ['cancel req-7k3m9qx2', { kind: 'cancel', requestId: 'REQ-7K3M9QX2' }],
    [
      'prod-admin 2h investigating  INC-123 <!channel>',
      {
        kind: 'request',
        targetId: 'prod-admin',
        duration: '2h',
        justification: 'investigating INC-123 <!channel>',
      },
    ],
  ])('reads %j', (text, intent) => {
    expect(parseCommandText(text)).toEqual(intent);
  });

  it.each([
    ['cancel', /Say which request to cancel/],
    ['prod-admin', /Say for how long and why.*prod-admin 2h investigating INC-123/],
    ['prod-admin 2h', /Say why you need access/],
  ])('explains what is missing from %j', (text, problem) => {
    const intent = parseCommandText(text);
    expect(intent.kind).toBe('incomplete');
    expect(intent.kind === 'incomplete' && intent.problem).toMatch(problem);
  });
});
