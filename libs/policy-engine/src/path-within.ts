/**
 * `within(target, directory)` on resolved absolute paths: the target is the directory itself or lies under it.
 * A plain string-prefix test would put `/data/sandbox2` inside `/data/sandbox`; this does not. It runs for every
 * path value against every protected entry and rule, so it compares in place instead of building `directory + "/"`.
 */
export function isWithin(target: string, directory: string): boolean {
  if (target === directory) return true;
  if (directory.endsWith('/')) return target.startsWith(directory);
  return (
    target.length > directory.length &&
    target.charCodeAt(directory.length) === 47 &&
    target.startsWith(directory)
  );
}
