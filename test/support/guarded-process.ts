/**
 * A process with jitbot's process guard and nothing else, for the guard's test: it throws from a
 * timer and leaves a rejection unhandled `FAULTS` times, then says whether it is still serving.
 */
import { createLogger } from '../../src/log/logger.js';
import { withRequestContext } from '../../src/log/request-context.js';
import { installProcessGuard } from '../../src/process-guard.js';

const faults = Number(process.argv[2] ?? 1);
const maxExceptions = Number(process.argv[3] ?? 20);
installProcessGuard({ logger: createLogger('info'), maxExceptions });

let fired = 0;
withRequestContext({ method: 'POST', path: '/slack/events', slackType: 'block_actions' }, () => {
  for (let index = 0; index < faults; index += 1) {
    setTimeout(() => {
      fired += 1;
      throw new Error(`a listener bug #${index}`);
    }, 5);
    void Promise.reject(new Error(`an unawaited call #${index}`));
  }
});
setTimeout(() => {
  process.stdout.write(`still serving after ${fired} exceptions\n`);
  process.exit(0);
}, 200);
