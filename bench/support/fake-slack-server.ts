/** The fake Slack Web API in a process of its own, so it does not share the client's event loop. */
import { startFakeSlack } from '../../test/support/fake-slack.js';

const slack = await startFakeSlack();
/** Wall-clock ms at which each trigger id's form was opened. */
const openedAt: Record<string, number> = {};
let opened = 0;
slack.on('views.open', (args) => {
  openedAt[String(args.trigger_id)] = performance.timeOrigin + performance.now();
  opened += 1;
  return {};
});
// Not Slack methods: let the benchmark wait until every form it asked for is open, and time them.
slack.on('bench.viewsOpened', () => ({ count: opened }));
slack.on('bench.openedAt', () => ({ openedAt }));
process.stdout.write(`${slack.url}\n`);
process.on('SIGTERM', () => {
  void slack.close().then(() => process.exit(0));
});
