import { describe, expect, it } from 'vitest';
import {
  buildCatalogData,
  buildOktaTarget,
  buildSsoGroupTarget,
  ENV,
  parse,
  problemLines,
  withTarget,
} from './catalog-builders.js';

const withSettings = (settings: Record<string, unknown>) =>
  buildCatalogData({ settings: { adminChannel: 'C0EXAMPLE1', ...settings } });

describe('settings.reconcileInterval', () => {
  it('defaults to 15 minutes', () => {
    expect(parse(buildCatalogData()).settings.reconcileIntervalSeconds).toBe(900);
  });

  it.each([
    ['1m', 60],
    ['90s', 90],
    ['1h', 3600],
  ])('reads %s as %i seconds', (reconcileInterval, seconds) => {
    expect(parse(withSettings({ reconcileInterval })).settings.reconcileIntervalSeconds).toBe(seconds);
  });

  it('refuses less than a minute, saying why and what to write', () => {
    expect(problemLines(withSettings({ reconcileInterval: '59s' }))).toEqual([
      `settings.reconcileInterval: "59s" is shorter than 1m; each run reads every target's members from AWS and Okta, so write 1m or more`,
    ]);
  });

  it('refuses what is not a duration, in the words of every duration', () => {
    expect(problemLines(withSettings({ reconcileInterval: 'hourly' }))).toEqual([
      'settings.reconcileInterval: "hourly" is not a duration; write a number followed by s, m, h, d or w, e.g. 15m, 2h, 1d or 1h30m',
    ]);
    expect(problemLines(withSettings({ reconcileInterval: 15 }))).toEqual([
      'settings.reconcileInterval: 15 must be a duration with a unit; write a number followed by s, m, h, d or w, e.g. 15m, 2h, 1d or 1h30m',
    ]);
  });

  it('never shows a value that came from the environment', () => {
    const lines = problemLines(withSettings({ reconcileInterval: `\${RECONCILE}` }), {
      ...ENV,
      RECONCILE: '5s',
    });
    expect(lines).toEqual([
      `settings.reconcileInterval: the value of \${RECONCILE} is shorter than 1m; each run reads every target's members from AWS and Okta, so write 1m or more`,
    ]);
  });
});

describe('a target on drift', () => {
  it('has no standing members and alerts, unless told otherwise', () => {
    const [target] = parse(buildCatalogData()).targets;
    expect(target?.standingMembers).toEqual([]);
    expect(target?.onDrift).toBe('alert');
  });

  it.each([
    ['an IAM group', withTarget({ standingMembers: ['terraform-ci'], onDrift: 'remove' })],
    [
      'an Okta group',
      buildCatalogData({
        targets: [buildOktaTarget({ standingMembers: ['ops@example.com'], onDrift: 'remove' })],
      }),
    ],
    [
      'an Identity Center group',
      buildCatalogData({
        identityCenter: {
          account: 'prod',
          instanceArn: 'arn:aws:sso:::instance/ssoins-1234567890abcdef',
          identityStoreId: 'd-1234567890',
        },
        targets: [buildSsoGroupTarget({ standingMembers: ['ops@example.com'], onDrift: 'remove' })],
      }),
    ],
  ])('on %s reads standingMembers and onDrift as written', (_, data) => {
    const [target] = parse(data).targets;
    expect(target?.standingMembers).toEqual([expect.stringMatching(/^(?:terraform-ci|ops@example\.com)$/)]);
    expect(target?.onDrift).toBe('remove');
  });

  it('keeps its standing members frozen, so nothing can add one at run time', () => {
    const [target] = parse(withTarget({ standingMembers: ['terraform-ci', 'break-glass-admin'] })).targets;
    expect(target?.standingMembers).toEqual(['terraform-ci', 'break-glass-admin']);
    expect(Object.isFrozen(target?.standingMembers)).toBe(true);
  });

  it('refuses a standing member that is empty or has spaces around it: it could never match, and remove would take that access', () => {
    expect(problemLines(withTarget({ standingMembers: ['', ' alice', 'bob '] }))).toEqual([
      'targets[0].standingMembers[0]: "" must be an IAM user name, Okta login or Identity Center user name, not empty and without spaces around it',
      'targets[0].standingMembers[1]: " alice" must be an IAM user name, Okta login or Identity Center user name, not empty and without spaces around it',
      'targets[0].standingMembers[2]: "bob " must be an IAM user name, Okta login or Identity Center user name, not empty and without spaces around it',
    ]);
  });

  it('refuses standingMembers that is not a list of names', () => {
    expect(problemLines(withTarget({ standingMembers: 'alice' }))).toEqual([
      'targets[0].standingMembers: "alice" must be a list, not text',
    ]);
    expect(problemLines(withTarget({ standingMembers: [42] }))).toEqual([
      'targets[0].standingMembers[0]: 42 must be text, not a number',
    ]);
  });

  it('refuses an onDrift other than alert or remove, saying what each does', () => {
    expect(problemLines(withTarget({ onDrift: 'delete' }))).toEqual([
      'targets[0].onDrift: "delete" must be alert (report standing access in adminChannel) or remove (take it away at once)',
    ]);
    expect(problemLines(withTarget({ onDrift: true }))).toEqual([
      'targets[0].onDrift: true must be alert (report standing access in adminChannel) or remove (take it away at once)',
    ]);
  });

  it('suggests the key meant when it is misspelt', () => {
    expect(problemLines(withTarget({ standingMember: ['alice'], ondrift: 'remove' }))).toEqual([
      'targets[0]: unknown key "standingMember"; did you mean "standingMembers"?',
      'targets[0]: unknown key "ondrift"; did you mean "onDrift"?',
    ]);
  });
});
