import { describe, expect, it } from 'vitest';
import {
  DRIFT_GRACE_SECONDS,
  type DriftInput,
  type Finding,
  findDrift,
  type GrantFacts,
  grantIdFromName,
  ORPHAN_AFTER_SECONDS,
  type TargetReading,
} from '../../src/domain/drift.js';

const NOW = new Date('2026-12-01T12:00:00Z');
const ago = (seconds: number) => new Date(NOW.getTime() - seconds * 1000);
const later = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);
const LONG_AGO = ago(86_400);

const RESOURCE = 'aws-iam-group:111111111111:jit-admin';
const ALICE = { principal: 'alice', name: 'alice' };
const OKTA_BOB = { principal: '00u1bob', name: 'bob@example.com' };
const POLICY_BASE = 'arn:aws:iam::111111111111:policy/jit/generated/';

function buildReading(overrides: Partial<TargetReading> = {}): TargetReading {
  return {
    targetId: 'prod-admin',
    resource: RESOURCE,
    holders: [ALICE],
    standingMembers: [],
    baselined: true,
    baseline: [],
    ...overrides,
  };
}

/** An active grant jitbot added an hour ago, to alice, expiring in an hour. */
function buildGrant(overrides: Partial<GrantFacts> = {}): GrantFacts {
  return {
    id: 'GNT-AAAAAAAA',
    targetId: 'prod-admin',
    resource: RESOURCE,
    principal: 'alice',
    status: 'active',
    preExisting: false,
    added: true,
    addAttempted: true,
    expiresAt: later(3600),
    endedAt: null,
    changedAt: ago(3600),
    ...overrides,
  };
}

/** alice's grant, ended (revoked) `seconds` ago. */
function endedGrant(seconds: number, overrides: Partial<GrantFacts> = {}): GrantFacts {
  return buildGrant({
    status: 'revoked',
    expiresAt: ago(seconds),
    endedAt: ago(seconds),
    changedAt: ago(seconds),
    ...overrides,
  });
}

function drift(overrides: Partial<DriftInput> = {}): Finding[] {
  return findDrift({
    now: NOW,
    readings: [],
    grants: [],
    schedules: [],
    generatedPolicies: [],
    ...overrides,
  });
}

const kinds = (findings: readonly Finding[]) => findings.map(({ kind }) => kind);

describe('holders of a target', () => {
  it('a holder jitbot did not grant is standing access, said plainly', () => {
    expect(drift({ readings: [buildReading()] })).toEqual([
      {
        kind: 'standing-access',
        key: 'standing-access:prod-admin:alice',
        targetId: 'prod-admin',
        resource: RESOURCE,
        principal: 'alice',
        name: 'alice',
        words:
          'alice holds prod-admin but jitbot did not grant it and alice is not one of its standingMembers: reported until the access is removed or alice is listed there',
      },
    ]);
  });

  it.each([
    ['a pending grant', [buildGrant({ status: 'pending' })], {}],
    ['an active grant', [buildGrant()], {}],
    ['a grant still revoking', [buildGrant({ status: 'revoking', expiresAt: ago(3600) })], {}],
    ['a live grant recorded pre-existing', [buildGrant({ preExisting: true, added: false })], {}],
    ['the baseline', [], { baseline: ['alice'] }],
    ['standingMembers, by name', [], { standingMembers: ['alice'] }],
    ['standingMembers, by name in another case', [], { standingMembers: ['Alice'] }],
  ] as const)('a holder explained by %s is fine', (_, grants, reading) => {
    expect(drift({ readings: [buildReading(reading)], grants })).toEqual([]);
  });

  it('standingMembers match the name people write or the principal grants record', () => {
    const reading = (standingMembers: string[]) => buildReading({ holders: [OKTA_BOB], standingMembers });
    expect(drift({ readings: [reading(['bob@example.com'])] })).toEqual([]);
    expect(drift({ readings: [reading(['00u1bob'])] })).toEqual([]);
    expect(kinds(drift({ readings: [reading(['bob'])] }))).toEqual(['standing-access']);
  });

  it('a grant of another resource or another person explains nothing', () => {
    const grants = [
      buildGrant({ resource: 'aws-iam-group:111111111111:other' }),
      buildGrant({ principal: 'carol', status: 'pending' }),
    ];
    expect(kinds(drift({ readings: [buildReading()], grants }))).toEqual(['standing-access']);
  });

  it('on the first reconcile a holder without a grant is adopted, once: the next run calls it standing access', () => {
    const first = drift({
      readings: [buildReading({ baselined: false, holders: [ALICE, OKTA_BOB] })],
      grants: [buildGrant()],
    });
    expect(first).toEqual([
      {
        kind: 'adopted',
        key: 'adopted:prod-admin:00u1bob',
        targetId: 'prod-admin',
        resource: RESOURCE,
        principal: '00u1bob',
        name: 'bob@example.com',
        words:
          'bob@example.com already held prod-admin when jitbot first checked it: recorded as pre-existing, which jitbot never removes',
      },
    ]);
    expect(kinds(drift({ readings: [buildReading({ holders: [OKTA_BOB] })] }))).toEqual(['standing-access']);
    expect(drift({ readings: [buildReading({ holders: [OKTA_BOB], baseline: ['00u1bob'] })] })).toEqual([]);
  });
});

describe('an ended grant whose holder is still there', () => {
  it('is a stuck expiry once the grace after its end has passed', () => {
    const findings = drift({ readings: [buildReading()], grants: [endedGrant(DRIFT_GRACE_SECONDS + 1)] });
    expect(findings).toEqual([
      {
        kind: 'stuck-expiry',
        key: 'stuck-expiry:GNT-AAAAAAAA',
        targetId: 'prod-admin',
        resource: RESOURCE,
        principal: 'alice',
        name: 'alice',
        grantId: 'GNT-AAAAAAAA',
        words:
          'alice still holds prod-admin although grant GNT-AAAAAAAA ended at 2026-12-01T11:49:59Z: jitbot takes it away again',
      },
    ]);
  });

  it.each([DRIFT_GRACE_SECONDS, DRIFT_GRACE_SECONDS - 1, 0])(
    'is not judged yet %i seconds after it ended: IAM may still show the removed member',
    (seconds) => {
      expect(drift({ readings: [buildReading()], grants: [endedGrant(seconds)] })).toEqual([]);
    },
  );

  it("counts from jitbot's last change when that came after the end", () => {
    const grant = endedGrant(3600, { changedAt: ago(DRIFT_GRACE_SECONDS - 1) });
    expect(drift({ readings: [buildReading()], grants: [grant] })).toEqual([]);
  });

  it('a failed grant jitbot may have added is a stuck expiry too', () => {
    const grants = [endedGrant(3600, { status: 'failed', added: null })];
    expect(kinds(drift({ readings: [buildReading()], grants }))).toEqual(['stuck-expiry']);
  });

  it('is kept when the grant found the access already there: pre-existing access is never taken', () => {
    const grants = [endedGrant(3600, { preExisting: true, added: false })];
    expect(drift({ readings: [buildReading()], grants })).toEqual([]);
  });

  it('the latest grant that read the membership decides', () => {
    const preExistingThenOwn = [
      endedGrant(7200, { id: 'GNT-BBBBBBBB', preExisting: true, added: false }),
      endedGrant(3600),
    ];
    expect(drift({ readings: [buildReading()], grants: preExistingThenOwn }).map(({ key }) => key)).toEqual([
      'stuck-expiry:GNT-AAAAAAAA',
    ]);
    const ownThenPreExisting = [
      endedGrant(7200),
      endedGrant(3600, { id: 'GNT-BBBBBBBB', preExisting: true, added: false }),
    ];
    expect(drift({ readings: [buildReading()], grants: ownThenPreExisting })).toEqual([]);
  });

  it.each([
    ['never sent the add', { addAttempted: false, added: null }],
    ['was told the add did nothing', { added: false }],
    ['never read the membership', { preExisting: null, addAttempted: false, added: null }],
  ])('a grant that %s did not give the access: the holder is standing access', (_, overrides) => {
    const grants = [endedGrant(3600, { status: 'failed', ...overrides })];
    expect(kinds(drift({ readings: [buildReading()], grants }))).toEqual(['standing-access']);
  });

  it('any grant of the holder changed within the grace holds the finding back', () => {
    const grant = (seconds: number) => endedGrant(seconds, { status: 'failed', added: false });
    expect(drift({ readings: [buildReading()], grants: [grant(DRIFT_GRACE_SECONDS)] })).toEqual([]);
    expect(kinds(drift({ readings: [buildReading()], grants: [grant(DRIFT_GRACE_SECONDS + 1)] }))).toEqual([
      'standing-access',
    ]);
  });

  it('on the first reconcile a stuck expiry is not adopted: jitbot gave that access', () => {
    const findings = drift({ readings: [buildReading({ baselined: false })], grants: [endedGrant(3600)] });
    expect(kinds(findings)).toEqual(['stuck-expiry']);
  });
});

describe('an active grant whose holder is gone', () => {
  const gone = (grant: GrantFacts, reading = buildReading({ holders: [] })) =>
    drift({ readings: [reading], grants: [grant] });

  it('was removed outside jitbot', () => {
    expect(gone(buildGrant())).toEqual([
      {
        kind: 'lost-grant',
        key: 'lost-grant:GNT-AAAAAAAA',
        targetId: 'prod-admin',
        principal: 'alice',
        grantId: 'GNT-AAAAAAAA',
        words:
          "alice's grant GNT-AAAAAAAA of prod-admin is active but the access is gone, removed outside jitbot: jitbot ends the grant and tells its holder",
      },
    ]);
  });

  it('is not judged within the grace after jitbot added or extended it', () => {
    expect(gone(buildGrant({ changedAt: ago(DRIFT_GRACE_SECONDS) }))).toEqual([]);
    expect(kinds(gone(buildGrant({ changedAt: ago(DRIFT_GRACE_SECONDS + 1) })))).toEqual(['lost-grant']);
  });

  it('after expiry and the backstop delay was ended by the backstop, which the normal revocation closes', () => {
    expect(kinds(gone(buildGrant({ expiresAt: ago(299) })))).toEqual(['lost-grant']);
    expect(gone(buildGrant({ expiresAt: ago(300) }))).toEqual([]);
  });

  it.each([
    ['pre-existing', buildGrant({ preExisting: true, added: false })],
    ['one whose add did nothing', buildGrant({ added: false })],
    ['pending', buildGrant({ status: 'pending' })],
    ['revoking', buildGrant({ status: 'revoking' })],
  ])('a grant that is %s is no lost grant', (_, grant) => {
    expect(gone(grant)).toEqual([]);
  });

  it('is judged only where the resource was read, and not while the holder is there', () => {
    expect(drift({ readings: [], grants: [buildGrant()] })).toEqual([]);
    expect(gone(buildGrant(), buildReading({ resource: 'okta-group:00gother', holders: [] }))).toEqual([]);
    expect(gone(buildGrant(), buildReading())).toEqual([]);
  });

  it('is reported once when two targets share the resource', () => {
    const readings = [buildReading({ holders: [] }), buildReading({ targetId: 'prod-admin-2', holders: [] })];
    expect(kinds(drift({ readings, grants: [buildGrant()] }))).toEqual(['lost-grant']);
  });
});

describe('schedules in group jitbot', () => {
  const schedule = { account: 'prod', name: 'jitbot-GNT-AAAAAAAA' };
  const seen = (grants: GrantFacts[]) => drift({ schedules: [schedule], grants });

  it('of a grant that ended more than 10 minutes ago are orphans, deleted', () => {
    expect(seen([endedGrant(ORPHAN_AFTER_SECONDS + 1)])).toEqual([
      {
        kind: 'orphan-schedule',
        key: 'orphan-schedule:prod:jitbot-GNT-AAAAAAAA',
        targetId: 'prod-admin',
        account: 'prod',
        schedule: 'jitbot-GNT-AAAAAAAA',
        grantId: 'GNT-AAAAAAAA',
        words:
          'schedule jitbot-GNT-AAAAAAAA in account prod belongs to grant GNT-AAAAAAAA, which ended at 2026-12-01T11:49:59Z: jitbot deletes it, so it cannot end a later grant early',
      },
    ]);
    expect(kinds(seen([endedGrant(3600, { status: 'failed' })]))).toEqual(['orphan-schedule']);
  });

  it('of a grant that ended 10 minutes ago or less are left alone', () => {
    expect(seen([endedGrant(ORPHAN_AFTER_SECONDS)])).toEqual([]);
  });

  it.each(['pending', 'active', 'revoking'] as const)(
    'of a %s grant stay: a failing revocation keeps its backstop',
    (status) => {
      expect(seen([buildGrant({ status, expiresAt: LONG_AGO, changedAt: LONG_AGO })])).toEqual([]);
    },
  );

  it('of a grant this database does not know are reported and never deleted', () => {
    expect(seen([])).toEqual([
      {
        kind: 'unknown-schedule',
        key: 'unknown-schedule:prod:jitbot-GNT-AAAAAAAA',
        account: 'prod',
        schedule: 'jitbot-GNT-AAAAAAAA',
        grantId: 'GNT-AAAAAAAA',
        words:
          'schedule jitbot-GNT-AAAAAAAA in account prod names grant GNT-AAAAAAAA, which this jitbot does not know (another install in the account?): reported, never deleted',
      },
    ]);
  });

  it('not named after a grant are ignored', () => {
    const schedules = ['nightly-report', 'jitbot-nightly', 'jitbot-GNT-AAAAAAA', 'other-GNT-AAAAAAAA'].map(
      (name) => ({
        account: 'prod',
        name,
      }),
    );
    expect(drift({ schedules })).toEqual([]);
  });
});

describe('generated policies', () => {
  const policy = (name: string, attachedTo: string[] = []) => ({
    account: 'prod',
    arn: `${POLICY_BASE}${name}`,
    attachedTo,
  });

  it('of a grant that ended more than 10 minutes ago are orphans, detached and deleted', () => {
    const stamped = policy('jitbot-GNT-AAAAAAAA-20261201T110000Z', ['alice']);
    expect(drift({ generatedPolicies: [stamped], grants: [endedGrant(ORPHAN_AFTER_SECONDS + 1)] })).toEqual([
      {
        kind: 'orphan-policy',
        key: `orphan-policy:${stamped.arn}`,
        targetId: 'prod-admin',
        account: 'prod',
        policyArn: stamped.arn,
        grantId: 'GNT-AAAAAAAA',
        words:
          'generated policy jitbot-GNT-AAAAAAAA-20261201T110000Z in account prod (attached to alice) belongs to grant GNT-AAAAAAAA, which ended at 2026-12-01T11:49:59Z: jitbot detaches and deletes it',
      },
    ]);
  });

  it('of a grant ended 10 minutes ago or less, or live, are left alone', () => {
    const generatedPolicies = [policy('jitbot-GNT-AAAAAAAA')];
    expect(drift({ generatedPolicies, grants: [endedGrant(ORPHAN_AFTER_SECONDS)] })).toEqual([]);
    expect(drift({ generatedPolicies, grants: [buildGrant({ status: 'revoking' })] })).toEqual([]);
  });

  it('of a grant this database does not know are reported with who holds them, never deleted', () => {
    const unknown = policy('jitbot-GNT-BBBBBBBB', ['alice', 'carol']);
    expect(
      drift({ generatedPolicies: [unknown, policy('jitbot-GNT-CCCCCCCC')] }).map(({ words }) => words),
    ).toEqual([
      'generated policy jitbot-GNT-BBBBBBBB in account prod (attached to alice, carol) names grant GNT-BBBBBBBB, which this jitbot does not know (another install in the account?): reported, never deleted',
      'generated policy jitbot-GNT-CCCCCCCC in account prod (attached to nobody) names grant GNT-CCCCCCCC, which this jitbot does not know (another install in the account?): reported, never deleted',
    ]);
  });

  it('outside /jit/generated/ or not named after a grant are ignored', () => {
    const generatedPolicies = [
      { account: 'prod', arn: 'arn:aws:iam::111111111111:policy/jit/jitbot-GNT-AAAAAAAA', attachedTo: [] },
      policy('read-logs'),
      policy('jitbot-GNT-AAAAAAAA-tomorrow'),
    ];
    expect(drift({ generatedPolicies, grants: [endedGrant(3600)] })).toEqual([]);
  });
});

describe('what a reading is compared with', () => {
  it('IAM user names without regard to case: a grant to Alice.Smith explains the holder alice.smith', () => {
    const holder = { principal: 'alice.smith', name: 'alice.smith' };
    const grant = buildGrant({ principal: 'Alice.Smith' });
    expect(drift({ readings: [buildReading({ holders: [holder] })], grants: [grant] })).toEqual([]);
  });

  it('an ended grant explains a holder as a removal that did not stick only for two hours; later it is standing access', () => {
    const reading = buildReading();
    expect(kinds(drift({ readings: [reading], grants: [endedGrant(2 * 3600)] }))).toEqual(['stuck-expiry']);
    expect(kinds(drift({ readings: [reading], grants: [endedGrant(2 * 3600 + 1)] }))).toEqual([
      'standing-access',
    ]);
  });
});

describe("a live grant's generated policy", () => {
  const ARN = `${POLICY_BASE}jitbot-GNT-AAAAAAAA`;
  const grant = buildGrant({
    targetId: 's3-scoped',
    resource: 'aws:111111111111:generated-policy/s3-scoped/REQ-1',
  });
  const seen = (attachedTo: string[]) => ({ account: 'prod', arn: ARN, attachedTo });

  it('attached to someone besides its holder: standing access of that person, naming the policy', () => {
    const findings = drift({
      grants: [grant],
      generatedPolicies: [seen(['alice', 'mallory'])],
      perRequestTargets: ['s3-scoped'],
    });
    expect(findings).toEqual([
      expect.objectContaining({
        kind: 'standing-access',
        key: `standing-access:s3-scoped:mallory:${ARN}`,
        principal: 'mallory',
        policyArn: ARN,
        account: 'prod',
      }),
    ]);
  });

  it('attached to its holder no more, or gone, while active: the grant is lost; not while settling, nor after the backstop', () => {
    const lost = (policies: ReturnType<typeof seen>[], g = grant) =>
      kinds(drift({ grants: [g], generatedPolicies: policies, perRequestTargets: ['s3-scoped'] }));
    expect(lost([seen([])])).toEqual(['lost-grant']);
    expect(lost([])).toEqual(['lost-grant']);
    expect(lost([seen(['alice'])])).toEqual([]);
    expect(lost([seen([])], { ...grant, changedAt: ago(DRIFT_GRACE_SECONDS) })).toEqual([]);
    expect(lost([seen([])], { ...grant, expiresAt: ago(301) })).toEqual([]);
  });

  it('only for targets whose policies were listed this run', () => {
    expect(drift({ grants: [grant], generatedPolicies: [], perRequestTargets: [] })).toEqual([]);
  });
});

describe('grantIdFromName', () => {
  it.each([
    ['jitbot-GNT-ABCDEFGH', 'GNT-ABCDEFGH'],
    ['jitbot-GNT-7K3M9QX2-20261206T160000Z', 'GNT-7K3M9QX2'],
    ['jitbot-GNT-ABCDEFG', undefined],
    ['jitbot-GNT-ABCDEFGHJ', undefined],
    ['jitbot-GNT-ABCDEFGI', undefined],
    ['jitbot-gnt-abcdefgh', undefined],
    ['jitbot-REQ-ABCDEFGH', undefined],
    ['jitbot-GNT-ABCDEFGH-20261206', undefined],
    ['jitbot-GNT-ABCDEFGH-20261206T160000Z-x', undefined],
    ['other-GNT-ABCDEFGH', undefined],
    ['GNT-ABCDEFGH', undefined],
    ['', undefined],
  ])('%j -> %j', (name, grantId) => {
    expect(grantIdFromName(name)).toBe(grantId);
  });
});

describe('the list of findings', () => {
  const everything = (now: Date): DriftInput => ({
    now,
    readings: [
      buildReading({ holders: [{ principal: 'zed', name: 'zed' }, OKTA_BOB] }),
      buildReading({
        targetId: 'okta-support',
        resource: 'okta-group:00gsupport',
        holders: [ALICE],
        baselined: false,
      }),
    ],
    grants: [
      buildGrant({ id: 'GNT-CCCCCCCC', principal: 'dora', expiresAt: later(86_400) }),
      endedGrant(3600, { id: 'GNT-DDDDDDDD', principal: 'zed' }),
    ],
    schedules: [
      { account: 'staging', name: 'jitbot-GNT-EEEEEEEE' },
      { account: 'prod', name: 'jitbot-GNT-DDDDDDDD' },
    ],
    generatedPolicies: [policy('jitbot-GNT-DDDDDDDD'), policy('jitbot-GNT-FFFFFFFF')],
  });
  const policy = (name: string) => ({ account: 'prod', arn: `${POLICY_BASE}${name}`, attachedTo: [] });

  it('is sorted by kind, then key', () => {
    expect(findDrift(everything(NOW)).map(({ key }) => key)).toEqual([
      'adopted:okta-support:alice',
      'standing-access:prod-admin:00u1bob',
      'lost-grant:GNT-CCCCCCCC',
      'stuck-expiry:GNT-DDDDDDDD',
      'orphan-schedule:prod:jitbot-GNT-DDDDDDDD',
      `orphan-policy:${POLICY_BASE}jitbot-GNT-DDDDDDDD`,
      'unknown-schedule:staging:jitbot-GNT-EEEEEEEE',
      `unknown-policy:${POLICY_BASE}jitbot-GNT-FFFFFFFF`,
    ]);
  });

  it('keeps its keys from one run to the next, so a finding seen again is not new', () => {
    const keys = (now: Date) => findDrift(everything(now)).map(({ key }) => key);
    expect(keys(later(900))).toEqual(keys(NOW));
  });

  it('lists one finding per situation even when a holder is read twice', () => {
    expect(drift({ readings: [buildReading({ holders: [ALICE, ALICE] })] })).toHaveLength(1);
  });
});
