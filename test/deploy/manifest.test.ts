import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WebClient } from '@slack/web-api';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEFAULT_SLASH_COMMAND, SHORTCUTS, SLACK_EVENTS_PATH } from '../../src/slack/ids.js';

/**
 * The Slack app manifests against the code: every Web API method src/ calls must be covered by a
 * bot scope, no scope may be granted that nothing needs, and the command and interactivity
 * settings must match what the listeners register. The methods are found by reading src/, so a
 * new call without its scope fails here instead of in a customer's workspace.
 */

const ROOT = join(import.meta.dirname, '..', '..');
const SRC = join(ROOT, 'src');

/**
 * The bot scopes each Web API method needs (from its page on api.slack.com/methods). A method
 * with an empty list needs none. A method the code calls that is missing here fails the test:
 * look it up and add it, then add its scopes to both manifests.
 */
const METHOD_SCOPES: Readonly<Record<string, readonly string[]>> = {
  'auth.test': [],
  'chat.postMessage': ['chat:write'],
  'chat.postEphemeral': ['chat:write'],
  'chat.update': ['chat:write'],
  'chat.delete': ['chat:write'],
  'conversations.open': ['im:write'],
  'conversations.info': ['channels:read', 'groups:read'],
  'usergroups.list': ['usergroups:read'],
  'usergroups.users.list': ['usergroups:read'],
  // users:read for the profile, users:read.email for profile.email, which is the mapping key.
  'users.info': ['users:read', 'users:read.email'],
  'users.lookupByEmail': ['users:read.email'],
  'views.open': [],
  'views.push': [],
  'views.update': [],
  'views.publish': [],
};

/** Scopes that an app feature needs rather than a method call. */
const COMMAND_SCOPE = 'commands';

/** Bolt's listener helpers that call the Web API on the listener's behalf. */
const BOLT_HELPERS: Readonly<Record<string, string>> = { say: 'chat.postMessage' };

interface Manifest {
  features: {
    app_home: { messages_tab_enabled: boolean; home_tab_enabled: boolean };
    bot_user: { display_name: string };
    slash_commands: { command: string; url?: string; usage_hint: string; description: string }[];
    shortcuts?: { name: string; type: string; callback_id: string; description: string }[];
  };
  oauth_config: { scopes: { bot: string[] } };
  settings: {
    interactivity: { is_enabled: boolean; request_url?: string };
    socket_mode_enabled: boolean;
    event_subscriptions?: { request_url?: string; bot_events?: string[] };
  };
}

function loadManifest(name: string): Manifest {
  return parse(readFileSync(join(ROOT, 'slack', name), 'utf8')) as Manifest;
}

const manifests = {
  http: loadManifest('manifest.yaml'),
  socket: loadManifest('manifest.socket-mode.yaml'),
};

function sourceFiles(dir: string): { path: string; text: string }[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => ({ path: join(dir, file), text: readFileSync(join(dir, file), 'utf8') }));
}

/** `users.info` -> the function on a real WebClient, so `list.users.includes(` is not a method. */
function isWebApiMethod(client: WebClient, method: string): boolean {
  let node: unknown = client;
  for (const part of method.split('.')) {
    if (typeof node !== 'object' || node === null) return false;
    node = (node as Record<string, unknown>)[part];
  }
  return typeof node === 'function';
}

/** Every Web API method the given source calls, with one file that calls it. */
function discoverMethods(files: { path: string; text: string }[]): Map<string, string> {
  const client = new WebClient();
  // The API families (chat, users, ...) are plain objects; logger, requestQueue are class instances.
  const families = Object.entries(client)
    .filter(([, value]) => typeof value === 'object' && value !== null)
    .filter(([, value]) => Object.getPrototypeOf(value) === Object.prototype)
    .map(([key]) => key);
  const call = new RegExp(`\\.((?:${families.join('|')})(?:\\.[A-Za-z]+)+)\\s*\\(`, 'g');
  const apiCall = /\bapiCall\(\s*['"`]([\w.]+)['"`]/g;
  const helper = new RegExp(`\\b(${Object.keys(BOLT_HELPERS).join('|')})\\s*\\(`, 'g');
  const found = new Map<string, string>();
  for (const { path, text } of files) {
    for (const [, method] of text.matchAll(call)) {
      if (method && isWebApiMethod(client, method)) found.set(method, path);
    }
    for (const [, method] of text.matchAll(apiCall)) if (method) found.set(method, path);
    // `say(` only counts where a Bolt listener destructures it, not any function named say.
    if (/\{[^}]*\bsay\b[^}]*\}/.test(text)) {
      for (const [, name] of text.matchAll(helper)) {
        const method = name ? BOLT_HELPERS[name] : undefined;
        if (method) found.set(method, path);
      }
    }
  }
  return found;
}

/** The names registered with `app.command(...)`, literal or through a constant in src/slack. */
function registeredCommands(): string[] {
  const files = sourceFiles(join(SRC, 'slack'));
  const all = files.map((file) => file.text).join('\n');
  const names: string[] = [];
  for (const [, argument] of all.matchAll(/\.command\(\s*([^,\s]+)\s*,/g)) {
    if (!argument) continue;
    // The configured name (SLACK_COMMAND) defaults to the one the manifests declare.
    if (argument === 'slashCommand()') {
      names.push(DEFAULT_SLASH_COMMAND);
      continue;
    }
    const literal = /^['"`](.+)['"`]$/.exec(argument)?.[1];
    const constant = new RegExp(`\\bconst ${argument}\\s*=\\s*['"\`]([^'"\`]+)['"\`]`).exec(all)?.[1];
    const name = literal ?? constant;
    if (!name) throw new Error(`cannot resolve the command name ${argument} registered in src/slack`);
    names.push(name);
  }
  return names;
}

/** The callback ids registered with `app.shortcut(...)`, through the SHORTCUTS constants. */
function registeredShortcuts(): string[] {
  const text = sourceFiles(join(SRC, 'slack'))
    .map((file) => file.text)
    .join('\n');
  return [...text.matchAll(/\bapp\.shortcut\(\s*SHORTCUTS\.(\w+)/g)].map(([, key]) => {
    const id = key ? SHORTCUTS[key as keyof typeof SHORTCUTS] : undefined;
    if (!id) throw new Error(`app.shortcut names SHORTCUTS.${key}, which does not exist`);
    return id;
  });
}

function registeredEvents(): string[] {
  const text = sourceFiles(SRC)
    .map((file) => file.text)
    .join('\n');
  return [...text.matchAll(/\bapp\.event\(\s*['"`]([\w.]+)['"`]/g)].flatMap(([, name]) =>
    name ? [name] : [],
  );
}

const discovered = discoverMethods(sourceFiles(SRC));
const usedMethods = [...discovered.keys()].sort();
const commands = registeredCommands();

function requiredScopes(): Set<string> {
  const scopes = new Set<string>(usedMethods.flatMap((method) => METHOD_SCOPES[method] ?? []));
  if (commands.length > 0) scopes.add(COMMAND_SCOPE);
  return scopes;
}

describe('method discovery', () => {
  it('finds the calls jitbot is known to make, so a broken pattern cannot pass vacuously', () => {
    expect([...discovered.keys()]).toEqual(
      expect.arrayContaining(['auth.test', 'chat.postMessage', 'chat.update', 'views.open', 'users.info']),
    );
  });

  it('finds calls through any client variable, apiCall and Bolt say, and ignores lookalikes', () => {
    const found = discoverMethods([
      { path: 'a.ts', text: 'await web.conversations.open({ users });' },
      { path: 'b.ts', text: "await client.apiCall('users.lookupByEmail', { email });" },
      { path: 'c.ts', text: 'app.message(async ({ say }) => { await say("hi"); });' },
      { path: 'd.ts', text: 'if (list.users.includes(id)) return; rule.chat.notAMethod();' },
    ]);
    expect([...found.keys()].sort()).toEqual([
      'chat.postMessage',
      'conversations.open',
      'users.lookupByEmail',
    ]);
  });
});

describe.each(Object.entries(manifests))('the %s manifest', (_mode, manifest) => {
  const granted = manifest.oauth_config.scopes.bot;

  it('knows the scopes of every Web API method the code calls', () => {
    const unknown = usedMethods.filter((method) => !(method in METHOD_SCOPES));
    expect(
      unknown.map((method) => `${method} (called in ${discovered.get(method)}): add it to METHOD_SCOPES`),
    ).toEqual([]);
  });

  it('grants a scope for every Web API method the code calls', () => {
    const missing = usedMethods.flatMap((method) =>
      (METHOD_SCOPES[method] ?? [])
        .filter((scope) => !granted.includes(scope))
        .map((scope) => `${method} needs ${scope}`),
    );
    expect(missing).toEqual([]);
  });

  it('grants no scope that no call or feature needs', () => {
    const required = requiredScopes();
    expect(granted.filter((scope) => !required.has(scope))).toEqual([]);
    expect(new Set(granted).size).toBe(granted.length);
  });

  it('declares exactly the slash commands the listeners register, with the usage hint', () => {
    expect(commands).toEqual(['/request-aws-access']);
    expect(manifest.features.slash_commands.map((command) => command.command)).toEqual(commands);
    expect(manifest.features.slash_commands[0]?.usage_hint).toBe(
      '[target] [duration] [justification] | help | list | status | cancel <id>',
    );
    expect(granted).toContain(COMMAND_SCOPE);
  });

  it('turns on interactivity for the buttons and modals, and the Messages tab for DMs', () => {
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.features.app_home.messages_tab_enabled).toBe(true);
  });

  it('subscribes to exactly the events the code listens to', () => {
    expect(registeredEvents()).toEqual(['app_home_opened']);
    expect(manifest.settings.event_subscriptions?.bot_events ?? []).toEqual(registeredEvents());
  });

  it('turns on the Home tab the code publishes, and declares exactly the global shortcuts it answers', () => {
    expect(usedMethods).toContain('views.publish');
    expect(manifest.features.app_home.home_tab_enabled).toBe(true);
    expect(registeredShortcuts()).toEqual(['request_access']);
    const shortcuts = manifest.features.shortcuts ?? [];
    expect(shortcuts.map((shortcut) => shortcut.callback_id)).toEqual(registeredShortcuts());
    for (const shortcut of shortcuts) expect(shortcut.type).toBe('global');
  });
});

describe('HTTP mode and Socket Mode', () => {
  it('HTTP mode sends commands and clicks to the endpoint the HTTP receiver serves', () => {
    const { http } = manifests;
    const receiverPath = SLACK_EVENTS_PATH;
    expect(receiverPath).toBe('/slack/events');
    expect(http.settings.socket_mode_enabled).toBe(false);
    expect(http.settings.interactivity.request_url).toBe(`https://jitbot.example.com${receiverPath}`);
    expect(http.settings.event_subscriptions?.request_url).toBe(`https://jitbot.example.com${receiverPath}`);
    for (const command of http.features.slash_commands) {
      expect(command.url).toBe(`https://jitbot.example.com${receiverPath}`);
    }
  });

  it('Socket Mode has no request URLs and says which app-level token it needs', () => {
    const { socket } = manifests;
    expect(socket.settings.socket_mode_enabled).toBe(true);
    const text = readFileSync(join(ROOT, 'slack', 'manifest.socket-mode.yaml'), 'utf8');
    expect(text).not.toMatch(/^\s*(request_)?url:/m);
    expect(text).toContain('connections:write');
    // connections:write belongs on the app-level token; a bot scope of that name does not exist.
    expect(socket.oauth_config.scopes.bot).not.toContain('connections:write');
  });

  it('both variants grant the same scopes and the same command', () => {
    const { http, socket } = manifests;
    expect([...socket.oauth_config.scopes.bot].sort()).toEqual([...http.oauth_config.scopes.bot].sort());
    const withoutUrl = (m: Manifest) => m.features.slash_commands.map(({ url: _url, ...rest }) => rest);
    expect(withoutUrl(socket)).toEqual(withoutUrl(http));
    expect(socket.features.app_home).toEqual(http.features.app_home);
    expect(socket.features.shortcuts).toEqual(http.features.shortcuts);
    expect(socket.settings.event_subscriptions?.bot_events).toEqual(
      http.settings.event_subscriptions?.bot_events,
    );
  });
});
