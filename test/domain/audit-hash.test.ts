import { describe, expect, it } from 'vitest';
import { checkLink, type StoredLink } from '../../src/domain/audit-chain-check.js';
import {
  type ChainedEvent,
  chainHash,
  chainInput,
  GENESIS_HASH,
  linkEvents,
} from '../../src/domain/audit-hash.js';

function buildEvent(overrides: Partial<ChainedEvent> = {}): ChainedEvent {
  return {
    id: '7',
    occurredAt: '2025-03-01T09:30:00.123456Z',
    actor: 'U123',
    action: 'request.approved',
    outcome: 'ok',
    requestId: 'REQ-1',
    grantId: null,
    targetId: 'prod-admin',
    details: '{"note": "ça va"}',
    ...overrides,
  };
}

describe('the chain encoding', () => {
  it('is the documented text: a format line, then each field as <UTF-8 bytes>:<value> or - for null', () => {
    expect(chainInput({ seq: 3, prevHash: GENESIS_HASH, event: buildEvent() })).toBe(
      [
        'jitbot-audit-chain-v1',
        '1:3',
        `64:${GENESIS_HASH}`,
        '1:7',
        '27:2025-03-01T09:30:00.123456Z',
        '4:U123',
        '16:request.approved',
        '2:ok',
        '5:REQ-1',
        '-',
        '10:prod-admin',
        // "ç" is two bytes in UTF-8.
        '18:{"note": "ça va"}',
        '',
      ].join('\n'),
    );
  });

  it('hashes that text with SHA-256, in lowercase hex: the same hash whichever tool computes it', () => {
    // Computed outside jitbot from the text above. Stored chains rely on it: it must never change.
    expect(chainHash({ seq: 3, prevHash: GENESIS_HASH, event: buildEvent() })).toBe(
      '4043f6b9c7002a88f9ea875acbc2b37f1a1cf70699272fecfbd21d6574b493c7',
    );
  });

  it('cannot be fooled by moving text between fields, or by an empty value for a missing one', () => {
    const base = chainHash({ seq: 1, prevHash: GENESIS_HASH, event: buildEvent() });
    const shifted = buildEvent({ actor: 'U123\n16:request.approved', action: '' });
    expect(chainHash({ seq: 1, prevHash: GENESIS_HASH, event: shifted })).not.toBe(base);
    const empty = buildEvent({ grantId: '' });
    expect(chainHash({ seq: 1, prevHash: GENESIS_HASH, event: empty })).not.toBe(base);
  });
});

describe('linking events', () => {
  it('starts from 64 zeros and links each event to the one before it, numbering on from the head', () => {
    const first = linkEvents(undefined, [buildEvent({ id: '1' }), buildEvent({ id: '2' })]);
    expect(first.map((link) => [link.seq, link.eventId])).toEqual([
      [1, 1],
      [2, 2],
    ]);
    expect(first[0]?.prevHash).toBe(GENESIS_HASH);
    expect(first[1]?.prevHash).toBe(first[0]?.hash);
    const last = first[1];
    if (!last) throw new Error('no link');
    const next = linkEvents({ seq: last.seq, hash: last.hash, eventId: last.eventId }, [
      buildEvent({ id: '5' }),
    ]);
    expect(next).toEqual([
      {
        seq: 3,
        eventId: 5,
        prevHash: last.hash,
        hash: chainHash({ seq: 3, prevHash: last.hash, event: buildEvent({ id: '5' }) }),
      },
    ]);
  });
});

describe('checking a stored link', () => {
  const events = [buildEvent({ id: '1' }), buildEvent({ id: '2', action: 'grant.activated' })];
  const [one, two] = linkEvents(undefined, events);
  if (!one || !two) throw new Error('no links');
  const after = { seq: one.seq, hash: one.hash, eventId: one.eventId };
  const stored = (overrides: Partial<StoredLink> = {}): StoredLink => ({
    ...two,
    chainedAt: new Date('2025-03-01T09:30:01Z'),
    event: events[1],
    ...overrides,
  });

  it.each([
    ['a sound link', stored(), undefined],
    ['a link after a gap', stored({ seq: 3 }), { kind: 'link-missing', seq: 2, found: 3 }],
    [
      'a link naming an earlier event',
      stored({ eventId: 1 }),
      { kind: 'misordered', seq: 2, eventId: 1, previousEventId: 1 },
    ],
    [
      'a link not following the one before',
      stored({ prevHash: GENESIS_HASH }),
      { kind: 'relinked', seq: 2, eventId: 2 },
    ],
    [
      'a link whose event is gone',
      stored({ event: undefined }),
      { kind: 'event-deleted', seq: 2, eventId: 2 },
    ],
    [
      'a link whose event was edited',
      stored({ event: buildEvent({ id: '2', action: 'grant.activated', details: '{"note": "changed"}' }) }),
      { kind: 'event-edited', seq: 2, eventId: 2 },
    ],
  ])('%s', (_name, link, problem) => {
    expect(checkLink(after, link)).toEqual(problem);
  });

  it('expects the first link at seq 1 after 64 zeros', () => {
    expect(checkLink(undefined, { ...one, chainedAt: new Date(), event: events[0] })).toBeUndefined();
    expect(checkLink(undefined, stored())).toEqual({ kind: 'link-missing', seq: 1, found: 2 });
  });
});
