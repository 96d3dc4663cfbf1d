/** The name of a trail file in its session folder. */
export const trailFileName = 'audit.jsonl';

/**
 * The name a torn tail is set aside under, beside the trail: `audit.jsonl.torn-<time>` (colons and the dot of the
 * time replaced, so the name is valid everywhere and sorts by time).
 */
export function tornTailFileName(now: Date, trail = trailFileName): string {
  return `${trail}.torn-${now.toISOString().replaceAll(':', '-').replace('.', '-')}`;
}

/** Whether `name` is a torn tail set aside from `trail`. */
export function isTornTailFileName(name: string, trail = trailFileName): boolean {
  return name.startsWith(`${trail}.torn-`);
}
