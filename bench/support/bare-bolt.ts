/** The baseline: a Bolt app that only acks the slash command. Args: port, Slack API URL. */
import { App } from '@slack/bolt';
import { BOT_TOKEN, SIGNING_SECRET } from '../../test/support/service-process.js';

const [port, slackApiUrl] = process.argv.slice(2);
const app = new App({
  signingSecret: SIGNING_SECRET,
  token: BOT_TOKEN,
  tokenVerificationEnabled: false,
  botId: 'BJITBOT',
  botUserId: 'UJITBOT',
  clientOptions: { slackApiUrl: slackApiUrl ?? '' },
});
app.command('/request-aws-access', async ({ ack }) => ack());
await app.start(Number(port));
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  void app.stop().then(() => process.exit(0));
});
