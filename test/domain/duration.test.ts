import { describe, expect, it } from 'vitest';
import { formatDuration, isoDurationSeconds, parseDuration } from '../../src/domain/duration.js';

describe('parseDuration', () => {
  it.each([
    ['90s', 90],
    ['15m', 900],
    ['2h', 7200],
    ['1d', 86_400],
    ['1w', 604_800],
    ['1h30m', 5400],
    [' 2H ', 7200],
  ])('reads %s as %i seconds', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it.each(['', '15', 'm', '1.5h', '-1h', '0m', '2 hours', '1y', 'h1'])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('formatDuration', () => {
  it.each([
    [900, '15m'],
    [5400, '1h30m'],
    [86_400, '1d'],
    [93_784, '1d2h3m4s'],
  ])('writes %i seconds as %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
    expect(parseDuration(text)).toBe(seconds);
  });
});

describe('isoDurationSeconds', () => {
  it.each([
    ['PT1H', 3600],
    ['PT12H', 43200],
    ['PT1H30M', 5400],
    ['PT45S', 45],
    ['P1D', 86400],
  ])('%s is %i seconds', (text, seconds) => {
    expect(isoDurationSeconds(text)).toBe(seconds);
  });

  it.each(['', 'P', 'PT', '1h', 'PT1X', 'P1W'])('%j is not a duration it reads', (text) => {
    expect(isoDurationSeconds(text)).toBeUndefined();
  });
});
