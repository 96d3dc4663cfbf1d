import { z } from 'zod';

/** An environment variable holding milliseconds: a whole number from 1 to one hour, `fallback` when unset. */
export function envMilliseconds(fallback: number) {
  return z.coerce.number().int().min(1).max(3_600_000).default(fallback);
}

/** An environment variable holding a comma-separated list; blanks and empty items are dropped; unset is `[]`. */
export const envCommaList = z
  .string()
  .default('')
  .transform((value) =>
    value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== ''),
  );
