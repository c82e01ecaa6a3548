/** How far a catch-up has come: the most documents seen waiting since it began, and the
 * share of them received. A catch-up begins when documents wait and ends when none do. */
export type CatchUp = { most: number; done: number };

/** The catch-up after the node reports `waiting` documents to receive. */
export function catchUp(before: CatchUp | null, waiting: number): CatchUp | null {
  if (waiting <= 0) return null;
  const most = Math.max(before?.most ?? 0, waiting);
  return { most, done: (most - waiting) / most };
}
