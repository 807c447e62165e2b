/**
 * The did-you-mean: the names nearest a misspelt one, by edit distance, case-insensitive.
 * A wildcard pattern is compared on its text before the first wildcard, against the same
 * length of each name, so 's3:GetObjcet*' still finds s3:GetObject.
 */

const MAX_SUGGESTIONS = 3;

export function closestNames(typed: string, names: readonly string[]): readonly string[] {
  const wildcard = typed.search(/[*?]/);
  const stem = (wildcard === -1 ? typed : typed.slice(0, wildcard)).toLowerCase();
  if (stem === '') return [];
  const limit = Math.max(1, Math.floor(stem.length * 0.4));
  const scored = names
    .map((name) => {
      const candidate = name.toLowerCase();
      const compared = wildcard === -1 ? candidate : candidate.slice(0, stem.length);
      return { name, distance: editDistance(stem, compared) };
    })
    .filter((entry) => entry.distance <= limit)
    .sort((a, b) => a.distance - b.distance || a.name.localeCompare(b.name, 'en'));
  return scored.slice(0, MAX_SUGGESTIONS).map((entry) => entry.name);
}

/** Edit distance counting a swap of two neighbouring letters as one edit (optimal string alignment). */
function editDistance(a: string, b: string): number {
  const rows = [Array.from({ length: b.length + 1 }, (_, index) => index)];
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const above = rows[i - 1] ?? [];
      let best = Math.min(
        (above[j] ?? 0) + 1,
        (row[j - 1] ?? 0) + 1,
        (above[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, (rows[i - 2]?.[j - 2] ?? 0) + 1);
      row[j] = best;
    }
    rows.push(row);
  }
  return rows[a.length]?.[b.length] ?? 0;
}
