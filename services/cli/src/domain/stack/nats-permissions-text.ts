import { AppError, ErrorCode } from '@ironcurtain/errors';
import { serviceResponses } from '@ironcurtain/proto-schemas';

/** What one NATS user may do: the shape `permissionsFor` returns. */
export interface NatsPermissionsToRender {
  publish: readonly string[];
  subscribe: readonly string[];
  /** May publish to the reply subject of a request it received. */
  allowResponses?: boolean;
}

// Subjects as our declaration writes them (tokens, `.`, `*`, `>`, `$JS…`, `_INBOX…`): nothing that could close a
// quoted string or start a comment in the config file, so a bad entry fails here instead of widening a user's rights.
const safeSubject = /^[A-Za-z0-9_$*>.-]+$/;

/**
 * The `permissions` value of one user in a nats-server config: `{ publish: { allow: [...] }, subscribe: { allow:
 * [...] }, allow_responses: { max, expires } }` (proto-schemas `serviceResponses`). Subjects are written as JSON strings, which the config parser reads as quoted
 * strings. An empty list stays `allow: []`, which nats-server reads as "nothing" — never as "everything".
 */
export function renderNatsPermissions(permissions: NatsPermissionsToRender): string {
  for (const subject of [...permissions.publish, ...permissions.subscribe]) {
    if (!safeSubject.test(subject)) {
      throw new AppError(
        ErrorCode.ConfigInvalid,
        `refusing to write the NATS subject ${JSON.stringify(subject)} into a server config: subjects are made of ` +
          'letters, digits and _ $ * > . - only',
      );
    }
  }
  const responses =
    permissions.allowResponses === true
      ? `, allow_responses: { max: ${serviceResponses.maxMessages}, expires: "${serviceResponses.expires}" }`
      : '';
  return (
    `{ publish: { allow: ${JSON.stringify(permissions.publish)} }, ` +
    `subscribe: { allow: ${JSON.stringify(permissions.subscribe)} }${responses} }`
  );
}
