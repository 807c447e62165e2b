import { describe, expect, it } from 'vitest';
import type { PolicySummary } from '../../src/policy/generate-policy.js';
import { summaryWords } from '../../src/policy/policy-summary.js';

const summary = (over: Partial<PolicySummary>): PolicySummary => ({
  actions: 4,
  resources: 2,
  byLevel: { Read: 3, List: 1 },
  flagged: [],
  ...over,
});

describe('summaryWords', () => {
  it('counts the actions by level in a fixed order, then the resources and the expiry', () => {
    expect(summaryWords(summary({}), '1h after approval')).toBe(
      '4 actions: List 1, Read 3, on 2 resources; hard expiry 1h after approval',
    );
  });

  it('uses the singular for one', () => {
    expect(summaryWords(summary({ actions: 1, resources: 1, byLevel: { Write: 1 } }), '16:00 UTC')).toBe(
      '1 action: Write 1, on 1 resource; hard expiry 16:00 UTC',
    );
  });

  it('lists every level in the order List, Read, Write, Permissions management, Tagging', () => {
    const byLevel = { Tagging: 1, 'Permissions management': 2, Write: 3, Read: 4, List: 5 } as const;
    expect(summaryWords(summary({ actions: 15, byLevel }), '4h after approval')).toBe(
      '15 actions: List 5, Read 4, Write 3, Permissions management 2, Tagging 1, on 2 resources; hard expiry 4h after approval',
    );
  });
});
