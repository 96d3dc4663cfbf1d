import { AppError, ErrorCode } from '@ironcurtain/errors';

const units: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A time given on the command line: an ISO-8601 time (`2026-11-24T12:00:00Z`, a date alone is midnight UTC) or an
 * age before `now` (`90s`, `15m`, `2h`, `7d`). Returns ISO-8601 in UTC.
 */
export function parseTimeOption(option: string, text: string, now: Date): string {
  const relative = /^(\d{1,9})([smhd])$/.exec(text.trim());
  if (relative !== null) {
    const [, amount, unit] = relative;
    return new Date(now.getTime() - Number(amount) * (units[unit as string] ?? 0)).toISOString();
  }
  const isIsoLike = /^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text.trim());
  const instant = isIsoLike ? Date.parse(text.trim()) : Number.NaN;
  if (Number.isNaN(instant)) {
    throw new AppError(
      ErrorCode.ConfigInvalid,
      `${option} ${JSON.stringify(text)} is not a time: give an ISO-8601 time (2026-11-24T12:00:00Z) or an age ` +
        '(90s, 15m, 2h, 7d)',
    );
  }
  return new Date(instant).toISOString();
}
