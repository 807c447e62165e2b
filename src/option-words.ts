import { describeError, field } from './errors.js';

/**
 * What node's argument parser refused, in words that name the options there are: its own text
 * for an unknown option talks about positional arguments, which only confuses.
 */
export function optionWords(error: unknown, options: Readonly<Record<string, unknown>>): string {
  const known = Object.keys(options).map((name) => `--${name}`);
  const list = `${known.slice(0, -1).join(', ')} and ${known.at(-1)}`;
  const code = field(error, 'code');
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const given = /'([^']+)'/.exec(describeError(error))?.[1] ?? 'that option';
    return `there is no option ${given}: the options are ${list}`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const given = /'(--[a-z]+)/.exec(describeError(error))?.[1];
    return given ? `${given} needs a value` : describeError(error);
  }
  return describeError(error);
}
