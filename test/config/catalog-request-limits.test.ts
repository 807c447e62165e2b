import { describe, expect, it } from 'vitest';
import { buildCatalogData, parse, problemLines } from './catalog-builders.js';

const withSettings = (settings: Record<string, unknown>) =>
  buildCatalogData({ settings: { adminChannel: 'C0EXAMPLE1', ...settings } });

describe('settings.requestRateLimit and settings.maxPendingRequests', () => {
  it('default to 10 requests per 10 minutes and 5 waiting', () => {
    const { settings } = parse(buildCatalogData());
    expect(settings.requestRateLimit).toEqual({ requests: 10, perSeconds: 600 });
    expect(settings.maxPendingRequests).toBe(5);
  });

  it('read what is written; a key left out keeps its default', () => {
    const { settings } = parse(
      withSettings({ requestRateLimit: { requests: 3, per: '1h' }, maxPendingRequests: 2 }),
    );
    expect(settings.requestRateLimit).toEqual({ requests: 3, perSeconds: 3600 });
    expect(settings.maxPendingRequests).toBe(2);
    expect(parse(withSettings({ requestRateLimit: { per: '30m' } })).settings.requestRateLimit).toEqual({
      requests: 10,
      perSeconds: 1800,
    });
  });

  it('refuse unknown or misspelt keys, naming the ones allowed', () => {
    expect(problemLines(withSettings({ requestRateLimit: { request: 5, burst: 2 } }))).toEqual([
      'settings.requestRateLimit: unknown key "request"; did you mean "requests"?',
      'settings.requestRateLimit: unknown key "burst"; the keys allowed here are: requests, per',
    ]);
    expect(problemLines(withSettings({ requestRateLimits: { requests: 5 } }))).toEqual([
      expect.stringMatching(/^settings: unknown key "requestRateLimits"; did you mean "requestRateLimit"\?/),
    ]);
  });

  it('refuse values that are not a count and a duration, in words', () => {
    expect(
      problemLines(
        withSettings({ requestRateLimit: { requests: 0, per: 'soon' }, maxPendingRequests: 'five' }),
      ),
    ).toEqual([
      'settings.requestRateLimit.requests: 0 must be 1 or more',
      'settings.requestRateLimit.per: "soon" is not a duration; write a number followed by s, m, h, d or w, e.g. 15m, 2h, 1d or 1h30m',
      'settings.maxPendingRequests: "five" must be a whole number, 1 or more',
    ]);
    expect(problemLines(withSettings({ requestRateLimit: 10, maxPendingRequests: 2.5 }))).toEqual([
      'settings.requestRateLimit: 10 must be requests: and per:, e.g. { requests: 10, per: 10m }',
      'settings.maxPendingRequests: 2.5 must be a whole number, 1 or more',
    ]);
  });
});
