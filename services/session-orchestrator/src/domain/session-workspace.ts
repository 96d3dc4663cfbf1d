import { AppError } from '@ironcurtain/errors';
import type { WorkspaceCheck } from '@ironcurtain/policy-engine';
import type { SessionRecord } from './session-record.js';

/** The error code of a refused workspace (`session.start.v1`); the CLI exits 2 on it. */
export const workspaceRefusedCode = 'WORKSPACE_REFUSED';

/**
 * The workspace a session starts or resumes with, as a real path, or undefined for a session in its own sandbox.
 * This service is the authority (the CLI that asks may be on another machine): the directory is checked here on
 * every start and resume with `check` (`checkWorkspace` of the policy engine). A resumed session keeps the
 * workspace it started with — naming another, or one for a session that had none, is refused — and is refused
 * when that directory is gone or now resolves elsewhere. Only the builtin agent works in a workspace for now.
 * Throws AppError `WORKSPACE_REFUSED` with what to do.
 */
export function sessionWorkspaceOf(
  request: { workspace?: string | undefined; agent: string },
  previous: SessionRecord | undefined,
  check: (path: string) => WorkspaceCheck,
): string | undefined {
  const requested = request.workspace;
  if (previous !== undefined && requested !== undefined) {
    const asked = check(requested);
    const isSame = asked.isAllowed && asked.workspace === previous.workspace;
    if (!isSame) {
      throw refused(
        `session ${previous.sessionId} ${previous.workspace === undefined ? 'has no workspace' : `works in ${previous.workspace}`}` +
          ', and a session keeps the workspace it started with; resume it without --workspace, or start a new session',
      );
    }
  }
  const workspace = previous === undefined ? requested : previous.workspace;
  if (workspace === undefined) return undefined;
  const agent = previous?.agent ?? request.agent;
  if (agent !== 'builtin') {
    throw refused(
      `--workspace works with the builtin agent only for now; agent "${agent}" runs in a container whose /workspace ` +
        'is its own sandbox. Start it without --workspace, or use --agent builtin',
    );
  }
  const verdict = check(workspace);
  if (!verdict.isAllowed) throw refused(verdict.message);
  if (previous?.workspace !== undefined && verdict.workspace !== previous.workspace) {
    throw refused(
      `session ${previous.sessionId} worked in ${previous.workspace}, which now resolves to ${verdict.workspace}; ` +
        'put the directory back where it was, or start a new session',
    );
  }
  return verdict.workspace;
}

function refused(message: string): AppError {
  return new AppError(workspaceRefusedCode, message);
}
