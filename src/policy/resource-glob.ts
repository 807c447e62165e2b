/**
 * IAM's resource wildcards (`*` any run of characters, `?` exactly one) as sets of strings.
 * Containment is checked on the patterns themselves: a requested pattern is inside an allowed
 * one when the allowed one can absorb it symbol by symbol. That is sound (never says yes
 * wrongly): a requested `*` is absorbed only by an allowed `*`, and an allowed `?` takes one
 * literal character or a requested `?`, never a requested `*`. It may say no to a few exotic
 * equivalent spellings (`?*` inside `*?`), which is the safe direction.
 */
export function globCovers(outer: string, inner: string): boolean {
  const n = outer.length;
  const m = inner.length;
  // covers[i * (m + 1) + j]: outer from i covers inner from j; filled from the ends backwards.
  const covers = new Uint8Array((n + 1) * (m + 1));
  const at = (i: number, j: number) => covers[i * (m + 1) + j] === 1;
  covers[n * (m + 1) + m] = 1;
  for (let i = n - 1; i >= 0; i--) {
    const o = outer[i];
    for (let j = m; j >= 0; j--) {
      const c = inner[j];
      let yes: boolean;
      if (o === '*') yes = at(i + 1, j) || (j < m && at(i, j + 1));
      else if (c === undefined) yes = false;
      else if (o === '?') yes = c !== '*' && at(i + 1, j + 1);
      else yes = c === o && at(i + 1, j + 1);
      covers[i * (m + 1) + j] = yes ? 1 : 0;
    }
  }
  return at(0, 0);
}

const FILLERS = ['jitbot', 'jitbot/jitbot', 'jitbot:jitbot'];

/**
 * A concrete resource the pattern matches, for the simulator: each `*` filled, each `?` an `x`.
 * The first filling `fits` accepts is taken (an object needs a `/` where a bucket must not have one).
 */
export function concreteSample(pattern: string, fits: (resource: string) => boolean): string | undefined {
  if (!/[*?]/.test(pattern)) return fits(pattern) ? pattern : undefined;
  return FILLERS.map((filler) => pattern.replace(/\*/g, filler).replace(/\?/g, 'x')).find(fits);
}
