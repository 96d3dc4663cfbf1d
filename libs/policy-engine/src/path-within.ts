/**
 * `within(target, directory)` on resolved absolute paths: the target is the directory itself or lies under it.
 * A plain string-prefix test would put `/data/sandbox2` inside `/data/sandbox`; this does not.
 */
export function isWithin(target: string, directory: string): boolean {
  if (target === directory) return true;
  const prefix = directory.endsWith('/') ? directory : `${directory}/`;
  return target.startsWith(prefix);
}
