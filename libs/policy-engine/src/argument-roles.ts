/** Every argument role a tool annotation may assign, in IronCurtain's spelling. */
export const argumentRoles = [
  'read-path',
  'write-path',
  'delete-path',
  'write-history',
  'delete-history',
  'fetch-url',
  'git-remote-url',
  'github-owner',
  'github-repo',
  'branch-name',
  'commit-message',
  'email-body',
  'email-address',
  'share-permission',
  'none',
] as const;

/** One argument role: what an argument's value means to the policy. */
export type ArgumentRole = (typeof argumentRoles)[number];

/** How a role's values are canonicalized and checked: as paths, URLs, identifiers or not at all. */
export type RoleKind = 'path' | 'url' | 'identifier' | 'opaque';

const roleKinds: Readonly<Record<ArgumentRole, RoleKind>> = {
  'read-path': 'path',
  'write-path': 'path',
  'delete-path': 'path',
  'write-history': 'path',
  'delete-history': 'path',
  'fetch-url': 'url',
  'git-remote-url': 'url',
  'github-owner': 'identifier',
  'github-repo': 'identifier',
  'branch-name': 'opaque',
  'commit-message': 'opaque',
  'email-body': 'opaque',
  'email-address': 'opaque',
  'share-permission': 'opaque',
  none: 'opaque',
};

/** The kind of a role; `opaque` roles are not resource identifiers and never need a rule of their own. */
export function roleKindOf(role: ArgumentRole): RoleKind {
  return roleKinds[role];
}

/** True for roles that identify a resource (paths, URLs, identifiers): each is evaluated against the rules. */
export function isResourceRole(role: ArgumentRole): boolean {
  return roleKinds[role] !== 'opaque';
}

/** True when `value` is one of {@link argumentRoles}. */
export function isArgumentRole(value: unknown): value is ArgumentRole {
  return typeof value === 'string' && Object.hasOwn(roleKinds, value);
}
