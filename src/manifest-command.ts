import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { slackCommandProblem } from './config/env.js';
import { PACKAGE_ROOT } from './paths.js';
import { DEFAULT_SLASH_COMMAND } from './slack/ids.js';

export const MANIFEST_USAGE = `Usage:
  jitbot manifest [--socket-mode] [--url <https://host>]
                                         print the Slack app manifest for this configuration: the
                                         slash command is SLACK_COMMAND (default /request-aws-access),
                                         so a staging and a production app can share a workspace.
                                         --socket-mode: the Socket Mode variant (no request URLs);
                                         --url: where Slack reaches jitbot's PORT (HTTP mode).
                                         Paste the output at api.slack.com/apps > Create New App >
                                         From a manifest. Reads nothing but SLACK_COMMAND.`;

/** The placeholder address in the shipped manifests, replaced by --url. */
const PLACEHOLDER_URL = 'https://jitbot.example.com';

interface ManifestOptions {
  readonly socketMode: boolean;
  readonly url: string | undefined;
}

/** The options, or what is wrong with them in words. */
function readOptions(args: readonly string[]): ManifestOptions | string {
  let socketMode = false;
  let url: string | undefined;
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index];
    if (arg === '--socket-mode') socketMode = true;
    else if (arg === '--url') {
      url = args[index + 1];
      index += 1;
      if (!url || !/^https:\/\/[a-z0-9.-]+(:\d+)?$/i.test(url))
        return '--url needs the https address Slack reaches jitbot at, like https://jitbot.example.org (no path)';
    } else return `unknown option ${arg}`;
  }
  if (socketMode && url) return '--url is for HTTP mode; Socket Mode has no request URLs';
  return { socketMode, url };
}

/**
 * `jitbot manifest`: the shipped manifest with this installation's command (and URL) in place of
 * the defaults. Exit 2 on a mistake in the options or in SLACK_COMMAND.
 */
export function runManifestCommand(
  args: readonly string[],
  variables: Readonly<Record<string, string | undefined>>,
  write: (text: string) => void,
  err: (line: string) => void,
): number {
  const options = readOptions(args);
  if (typeof options === 'string') {
    err(`jitbot manifest: ${options}\n\n${MANIFEST_USAGE}`);
    return 2;
  }
  const command = variables.SLACK_COMMAND || DEFAULT_SLASH_COMMAND;
  const problem = slackCommandProblem(command);
  if (problem) {
    err(`jitbot manifest: SLACK_COMMAND ${problem}`);
    return 2;
  }
  const file = join(
    PACKAGE_ROOT,
    'slack',
    options.socketMode ? 'manifest.socket-mode.yaml' : 'manifest.yaml',
  );
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    err(`jitbot manifest: ${file} is not in this installation; run it from a checkout of jitbot`);
    return 1;
  }
  const renamed = text.replaceAll(DEFAULT_SLASH_COMMAND, command);
  write(options.url ? renamed.replaceAll(PLACEHOLDER_URL, options.url) : renamed);
  return 0;
}
