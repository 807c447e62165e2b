/** The fake Slack Web API in a process of its own, so it does not share the client's event loop. */
import { startFakeSlack } from '../../test/support/fake-slack.js';

const slack = await startFakeSlack();
process.stdout.write(`${slack.url}\n`);
process.on('SIGTERM', () => {
  void slack.close().then(() => process.exit(0));
});
