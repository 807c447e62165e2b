/**
 * Malformed, oversized and type-confused requests for /slack/events, made from the shapes Slack
 * really sends (slash commands, block_actions, view_submission, block_suggestion, events) by a
 * seeded generator, so a failing case can be sent again by its seed and index.
 */
import { createHmac } from 'node:crypto';

export interface FuzzCase {
  readonly label: string;
  readonly body: Buffer;
  readonly headers: Record<string, string>;
}

export interface FuzzTally {
  tried: number;
  /** Requests after which the service no longer answered /healthz: it went down. */
  crashed: number;
  /** Connections the service cut without an answer while it stayed up (an oversized body). */
  cut: number;
  /** Answers of 500 and above. */
  serverErrors: number;
  readonly byStatus: Record<string, number>;
  readonly firstServerError: string[];
}

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const ODD_STRINGS = [
  '',
  ' ',
  '\u0000',
  '\u202e\u200b\ufeff',
  '<!channel> <@U1> *bold*',
  '%00%ff',
  '__proto__',
  'constructor',
  '../../etc/passwd',
  'REQ-',
  'REQ-00000000',
  'GNT-ZZZZZZZZ',
  '💥'.repeat(50),
  'x'.repeat(5000),
  '{"a":',
  'null',
];

function oddValue(next: () => number, depth = 0): Json {
  const pick = Math.floor(next() * 11);
  switch (pick) {
    case 0:
      return null;
    case 1:
      return next() < 0.5;
    case 2:
      return Math.floor(next() * 2 ** 53) * (next() < 0.5 ? -1 : 1);
    case 3:
      return next() * 1e308;
    case 4:
      return [];
    case 5:
      return {};
    case 6:
      return depth > 3 ? 'deep' : [oddValue(next, depth + 1), oddValue(next, depth + 1)];
    case 7:
      return depth > 3 ? 'deep' : { value: oddValue(next, depth + 1), type: oddValue(next, depth + 1) };
    default:
      return ODD_STRINGS[Math.floor(next() * ODD_STRINGS.length)] ?? '';
  }
}

/** Replaces, deletes or retypes one value somewhere inside `value`. */
function mutate(value: Json, next: () => number): Json {
  if (value === null || typeof value !== 'object') return oddValue(next);
  if (Array.isArray(value)) {
    if (value.length === 0 || next() < 0.2) return next() < 0.5 ? oddValue(next) : [...value, oddValue(next)];
    const index = Math.floor(next() * value.length);
    const copy = [...value];
    copy[index] = next() < 0.6 ? mutate(copy[index] ?? null, next) : oddValue(next);
    return copy;
  }
  const keys = Object.keys(value);
  if (keys.length === 0 || next() < 0.1) return oddValue(next);
  const key = keys[Math.floor(next() * keys.length)] ?? '';
  const copy: { [key: string]: Json } = { ...value };
  const roll = next();
  if (roll < 0.2) delete copy[key];
  else if (roll < 0.6) copy[key] = mutate(copy[key] ?? null, next);
  else copy[key] = oddValue(next);
  return copy;
}

const TEAM = 'TFAKE';
const USER = { id: 'UFUZZ1', username: 'fuzz', team_id: TEAM };

function seeds(command: string): Record<string, Json> {
  return {
    command: {
      command,
      text: 'prod-admin 1h fuzzing the parser',
      user_id: USER.id,
      user_name: 'fuzz',
      team_id: TEAM,
      channel_id: 'D0FUZZ',
      trigger_id: '1.2.fuzz',
      response_url: 'http://127.0.0.1:9/response',
    },
    blockActions: {
      type: 'block_actions',
      user: USER,
      team: { id: TEAM, domain: 'fake' },
      trigger_id: '1.2.fuzz',
      response_url: 'http://127.0.0.1:9/response',
      container: { type: 'message', channel_id: 'D0FUZZ', message_ts: '1.2' },
      channel: { id: 'D0FUZZ' },
      message: { ts: '1.2', text: 'x', blocks: [] },
      actions: [{ action_id: 'approve', block_id: 'decision', value: 'REQ-FUZZ0001', type: 'button' }],
    },
    viewSubmission: {
      type: 'view_submission',
      user: USER,
      team: { id: TEAM, domain: 'fake' },
      trigger_id: '1.2.fuzz',
      view: {
        id: 'VFUZZ',
        callback_id: 'request_access',
        private_metadata: '{}',
        state: {
          values: {
            target: { target: { type: 'static_select', selected_option: { value: 'prod-admin' } } },
            duration: { duration: { type: 'static_select', selected_option: { value: '3600' } } },
            justification: { justification: { type: 'plain_text_input', value: 'fuzzing' } },
          },
        },
      },
    },
    blockSuggestion: {
      type: 'block_suggestion',
      user: USER,
      team: { id: TEAM },
      action_id: 'target',
      block_id: 'target',
      value: 'pro',
    },
    event: {
      type: 'event_callback',
      team_id: TEAM,
      api_app_id: 'AFUZZ',
      event_id: 'Ev0FUZZ',
      event_time: 1,
      event: { type: 'app_home_opened', user: USER.id, channel: 'D0FUZZ', tab: 'home' },
    },
    urlVerification: { type: 'url_verification', challenge: 'fuzz', token: 'legacy' },
  };
}

function formOf(fields: Json): string {
  if (fields === null || typeof fields !== 'object' || Array.isArray(fields)) return String(fields);
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) {
    params.append(key, typeof value === 'string' ? value : JSON.stringify(value));
  }
  return params.toString();
}

/** `count` cases from `seed`; about one in ten unsigned, wrongly signed or badly timed. */
export function* fuzzCases(options: {
  readonly count: number;
  readonly seed: number;
  readonly secret: string;
  readonly command: string;
}): Generator<FuzzCase> {
  const next = random(options.seed);
  const shapes = seeds(options.command);
  const names = Object.keys(shapes);
  for (let index = 0; index < options.count; index += 1) {
    const name = names[Math.floor(next() * names.length)] ?? 'command';
    let value: Json = shapes[name] ?? null;
    const mutations = 1 + Math.floor(next() * 4);
    for (let step = 0; step < mutations; step += 1) value = mutate(value, next);
    // Each case differs, so the replay guard does not answer them all after the first.
    const nonce = `${options.seed}-${index}`;
    const encoding = next();
    let text: string;
    let contentType = 'application/x-www-form-urlencoded';
    if (name === 'command') text = `${formOf(value)}&fuzz=${nonce}`;
    else if (encoding < 0.6) text = `${new URLSearchParams({ payload: JSON.stringify(value), fuzz: nonce })}`;
    else if (encoding < 0.7)
      text = `payload=${['null', '[]', '1', '"x"', 'true', '{', ''][index % 7]}&fuzz=${nonce}`;
    else {
      contentType = 'application/json';
      text = JSON.stringify(value);
      if (encoding > 0.95) text = text.slice(0, Math.max(1, Math.floor(text.length / 2)));
    }
    let body = Buffer.from(text);
    const shape = next();
    if (shape < 0.02)
      body = Buffer.alloc(1_100_000 + Math.floor(next() * 1000), 0x61); // over the limit
    else if (shape < 0.04)
      body = Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28, ...body]); // not UTF-8
    else if (shape < 0.06)
      contentType = ['text/plain', 'application/xml', '', 'multipart/form-data'][index % 4] ?? '';
    const signing = next();
    const now = Math.floor(Date.now() / 1000);
    const timestamp = signing < 0.03 ? now + 600 : signing < 0.05 ? now - 600 : now;
    const secret = signing > 0.95 ? `${options.secret}-wrong` : options.secret;
    const signature = createHmac('sha256', secret).update(`v0:${timestamp}:`).update(body).digest('hex');
    const headers: Record<string, string> = {
      'content-type': contentType,
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': `v0=${signature}`,
    };
    if (signing > 0.9 && signing <= 0.95) {
      delete headers['x-slack-signature'];
      delete headers['x-slack-request-timestamp'];
    }
    if (next() < 0.03) headers['x-slack-retry-num'] = ['1', 'x', '-1', '99999999999'][index % 4] ?? '1';
    yield { label: `${name}#${index}`, body, headers };
  }
}

/** Sends every case with `concurrency` in flight and counts how the service answered. */
export async function sendFuzz(
  baseUrl: string,
  cases: Iterable<FuzzCase>,
  concurrency = 16,
): Promise<FuzzTally> {
  const tally: FuzzTally = {
    tried: 0,
    crashed: 0,
    cut: 0,
    serverErrors: 0,
    byStatus: {},
    firstServerError: [],
  };
  const stillUp = () =>
    fetch(`${baseUrl}/healthz`).then(
      (response) => response.status === 200,
      () => false,
    );
  const iterator = cases[Symbol.iterator]();
  async function lane(): Promise<void> {
    for (let item = iterator.next(); !item.done; item = iterator.next()) {
      const { label, body, headers } = item.value;
      tally.tried += 1;
      try {
        const response = await fetch(`${baseUrl}/slack/events`, { method: 'POST', headers, body });
        await response.arrayBuffer();
        tally.byStatus[response.status] = (tally.byStatus[response.status] ?? 0) + 1;
        if (response.status >= 500) {
          tally.serverErrors += 1;
          if (tally.firstServerError.length < 5) tally.firstServerError.push(`${label}: ${response.status}`);
        }
      } catch {
        if (await stillUp()) tally.cut += 1;
        else tally.crashed += 1;
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, lane));
  return tally;
}
