import { AppError, ErrorCode } from '@ironcurtain/errors';
import { natsPermissionsOfPerson, personNameProblem } from '@ironcurtain/proto-schemas';
import { permissionsFor } from '../stack/nats-config.js';
import { renderNatsPermissions, type NatsPermissionsToRender } from '../stack/nats-permissions-text.js';
import type { DeployNatsUser } from './deploy-nats-config.js';
import { deployPrincipals } from './deploy-layout.js';
import { userPublicKeyPattern, type PersonRecord } from './person-record.js';

/** How to derive each user's permissions; the defaults are the access declaration's (tests may narrow them). */
export interface PeopleNatsConfigOptions {
  permissionsOfService?: (principal: string) => NatsPermissionsToRender;
  permissionsOfPerson?: (person: PersonRecord) => NatsPermissionsToRender;
}

const header = [
  '# Written by `ironcurtain deploy user add|revoke` (and `deploy init`). Do not edit: the next of them rewrites it.',
  '# deploy/nats/nats-server.conf includes it after the service users (.deploy/nats-server.conf). nats-server reads',
  '# one `authorization` only, the last: so while there are people this file repeats every service user of that',
  '# file beside the people, and with no people it holds nothing and the service users stand alone.',
];

/**
 * The people file of a deployment: with no people, comments only; else an `authorization` block with every service
 * user (the public keys `deploy init` wrote, the same derived permissions) and one nkey user per person with the
 * permissions of their role (`natsPermissionsOfPerson`). Public keys only. Anything that is not a user public key or
 * a person's name is refused before a line is written, so nothing read from a file can break out of its field.
 */
export function renderPeopleNatsConfig(
  services: readonly DeployNatsUser[],
  people: readonly PersonRecord[],
  options: PeopleNatsConfigOptions = {},
): string {
  if (people.length === 0) return [...header, '# No people yet.', ''].join('\n');
  const permissionsOfService = options.permissionsOfService ?? permissionsFor;
  const permissionsOfPerson =
    options.permissionsOfPerson ?? ((person: PersonRecord) => natsPermissionsOfPerson(person));
  const serviceLines = services.flatMap(({ principal, publicKey }) => {
    assertPublicKey(publicKey, principal);
    return [
      `    # ${principal}: its seed is secrets/${principal}.nk`,
      `    { nkey: ${JSON.stringify(publicKey)}, permissions: ${renderNatsPermissions(permissionsOfService(principal))} }`,
    ];
  });
  const peopleLines = people.flatMap((person) => {
    const problem = personNameProblem(person.name);
    if (problem !== undefined) {
      throw new AppError(
        ErrorCode.ConfigInvalid,
        `${JSON.stringify(person.name)} is not a person: ${problem}`,
      );
    }
    assertPublicKey(person.publicKey, person.name);
    return [
      `    # person ${person.name} (${person.role}): people/${person.name}.nk`,
      `    { nkey: ${JSON.stringify(person.publicKey)}, permissions: ${renderNatsPermissions(permissionsOfPerson(person))} }`,
    ];
  });
  return [...header, 'authorization {', '  users = [', ...serviceLines, ...peopleLines, '  ]', '}', ''].join(
    '\n',
  );
}

function assertPublicKey(publicKey: string, owner: string): void {
  if (!userPublicKeyPattern.test(publicKey)) {
    throw new AppError(
      ErrorCode.ConfigInvalid,
      `the key of ${JSON.stringify(owner)} is not a NATS user public key (U…, 56 characters)`,
    );
  }
}

const serviceUserLine = /^ {4}# ([a-z0-9-]+): its seed is secrets\/\1\.nk\n {4}\{ nkey: "(U[A-Z2-7]{55})",/gm;

/**
 * The service users of `.deploy/nats-server.conf` as `deploy init` writes them (`renderDeployNatsConfig`): each
 * principal's public key. Every principal of the deployment must be there exactly once; anything else means the
 * file is not one `deploy init` wrote, and the people file, which must repeat it, cannot be made.
 */
export function serviceUsersOfNatsConfig(text: string, file: string): DeployNatsUser[] {
  const users = [...text.matchAll(serviceUserLine)].map((match) => ({
    principal: match[1] as string,
    publicKey: match[2] as string,
  }));
  const found = users.map((user) => user.principal).sort();
  const expected = [...deployPrincipals].sort();
  if (found.length !== expected.length || found.some((principal, index) => principal !== expected[index])) {
    throw new AppError(
      ErrorCode.ConfigInvalid,
      `${file} does not hold one user for each of ${expected.join(', ')} as \`ironcurtain deploy init\` writes ` +
        'them; write it again with `ironcurtain deploy init --rotate` (then restart the stack)',
    );
  }
  return users;
}
