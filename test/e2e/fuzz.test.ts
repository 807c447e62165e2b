/**
 * Malformed, oversized and type-confused bodies against /slack/events (commands, interactions,
 * options, events; form and JSON; signed, unsigned and badly signed), then a normal request is
 * still served end to end. CI runs a slice; `npm run fuzz` runs 10,000 (FUZZ_COUNT, FUZZ_SEED).
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_SLASH_COMMAND } from '../../src/slack/ids.js';
import { fuzzCases, sendFuzz } from '../support/fuzz-slack.js';
import { grantSteps } from '../support/grant-steps.js';
import { SIGNING_SECRET } from '../support/service-process.js';
import { PEOPLE, TEST_CATALOG_DATA } from '../support/test-catalog.js';
import { useJitbot } from '../support/use-jitbot.js';

const COUNT = Number(process.env.FUZZ_COUNT ?? 1500);
const SEED = Number(process.env.FUZZ_SEED ?? 20261206);

const jitbot = useJitbot(TEST_CATALOG_DATA);
const { grantFor } = grantSteps(() => jitbot, { approver: PEOPLE.approver1 });

describe('fuzzing /slack/events', () => {
  it(
    `survives ${COUNT} malformed requests, then grants a normal request`,
    async () => {
      const cases = fuzzCases({
        count: COUNT,
        seed: SEED,
        secret: SIGNING_SECRET,
        command: DEFAULT_SLASH_COMMAND,
      });
      const tally = await sendFuzz(jitbot.baseUrl, cases);
      // The figures the fuzz run is for; printed whatever the outcome.
      process.stdout.write(
        `fuzz (seed ${SEED}): tried ${tally.tried}, crashed ${tally.crashed}, 5xx ${tally.serverErrors}, ` +
          `cut ${tally.cut}, by status ${JSON.stringify(tally.byStatus)}\n`,
      );
      expect(tally.tried).toBe(COUNT);
      expect(tally.crashed).toBe(0);
      expect(tally.firstServerError).toEqual([]);
      expect((await fetch(`${jitbot.baseUrl}/healthz`)).status).toBe(200);
      const grant = await grantFor('prod-admin', 'UFUZZAFTER1');
      expect(jitbot.aws.account('111111111111').groups.get('jit-prod-admin')?.has('ufuzzafter1')).toBe(true);
      expect(grant.status).toBe('active');
    },
    Math.max(60_000, COUNT * 30),
  );
});
