import { argumentRoles, type ArgumentRole } from '@ironcurtain/policy-engine';

/**
 * The roles each known server's arguments may carry. A filesystem tool has no business with a URL role, a fetch
 * tool none with a path: keeping the model to these sets keeps a wrong guess from opening a resource kind the
 * server cannot even reach.
 */
export const defaultServerRoles: Readonly<Record<string, readonly ArgumentRole[]>> = {
  filesystem: ['read-path', 'write-path', 'delete-path', 'none'],
  git: [
    'read-path',
    'write-path',
    'delete-path',
    'write-history',
    'delete-history',
    'git-remote-url',
    'branch-name',
    'commit-message',
    'none',
  ],
  fetch: ['fetch-url', 'none'],
  proxy: ['none'],
  github: ['github-owner', 'github-repo', 'branch-name', 'commit-message', 'read-path', 'none'],
};

/** The roles `server` may use: `overrides[server]`, else the default set, else every role. */
export function rolesForServer(
  server: string,
  overrides: Readonly<Record<string, readonly ArgumentRole[]>> = {},
): readonly ArgumentRole[] {
  return overrides[server] ?? defaultServerRoles[server] ?? argumentRoles;
}
