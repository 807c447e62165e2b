import type { OktaGroupTarget, OktaSettings } from '../../src/domain/catalog.js';
import { createOktaClient, type OktaClientOptions } from '../../src/okta/okta-client.js';
import type { AccessProvider, CallContext, ExternalCall } from '../../src/ports/access-provider.js';
import { createOktaGroupProvider } from '../../src/providers/okta-group.js';
import { FakeOkta } from '../support/fake-okta.js';

export const TOKEN = '00TestTokenThatMustNeverLeak0123456789abcdef';
export const CONTEXT: CallContext = { requestId: 'REQ-1', grantId: 'G-1', actor: 'U123' };

export interface OktaHarness {
  readonly okta: FakeOkta;
  readonly settings: OktaSettings;
  readonly provider: AccessProvider<OktaGroupTarget>;
  readonly recorded: ExternalCall[];
  readonly target: OktaGroupTarget;
  stop(): Promise<void>;
}

export function buildOktaTarget(groupId: string, overrides: Partial<OktaGroupTarget> = {}): OktaGroupTarget {
  return {
    kind: 'okta-group',
    id: 'okta-admins',
    name: 'Okta Admins',
    groupId,
    durations: { defaultSeconds: 3600, maxSeconds: 14_400 },
    approvers: { users: ['UAPPROVER'], userGroups: [], required: 1 },
    selfApproval: false,
    breakglass: false,
    standingMembers: [],
    onDrift: 'alert',
    ...overrides,
  };
}

/** jitbot's own Okta client, through createOktaClient, against a fake Okta over HTTP. */
export async function startOktaHarness(
  options: { userMatch?: OktaSettings['userMatch']; token?: string; client?: OktaClientOptions } = {},
): Promise<OktaHarness> {
  const okta = new FakeOkta({ token: TOKEN });
  const orgUrl = await okta.start();
  const settings: OktaSettings = {
    orgUrl,
    token: options.token ?? TOKEN,
    userMatch: options.userMatch ?? 'login',
  };
  const group = okta.addGroup({ name: 'okta-admins' });
  const recorded: ExternalCall[] = [];
  const provider = createOktaGroupProvider({
    settings,
    client: createOktaClient(settings, { maxWaitMs: 5_000, ...options.client }),
    record: async (call) => {
      recorded.push(call);
    },
  });
  return { okta, settings, provider, recorded, target: buildOktaTarget(group.id), stop: () => okta.stop() };
}
