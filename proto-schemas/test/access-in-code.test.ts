// The access declaration against the code: every service's src/ (the CLI's too) is read for its bus calls, and a
// call with a subject or bucket its service is not granted in access.ts fails here, naming the file and line. So a
// new `request(bus, X, …)` cannot ship without its grant — which would otherwise surface only as a permissions
// violation (a timeout, a deny) on a stack with the derived NATS permissions.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  bucketAccess,
  endpointAccess,
  eventAccess,
  isPrincipal,
  principals,
  type Principal,
} from '@ironcurtain/proto-schemas';
import { busUsesIn, importedNames, sourceFiles, type BusUse } from './bus-usage.js';

const root = join(import.meta.dirname, '..', '..');
const servicesDirectory = join(root, 'services');
const librariesDirectory = join(root, 'libs');

/** What `principal` would be refused for `use`, or undefined when the declaration grants it. */
function refusalOf(principal: Principal, use: BusUse): string | undefined {
  const where = `${use.file}:${use.line}`;
  switch (use.kind) {
    case 'unresolved':
      return `${where}: cannot tell which subject or bucket \`${use.text}\` uses; name the proto-schemas constant`;
    case 'serve':
    case 'request': {
      const access = endpointAccess.find(
        (candidate) => candidate.definition.subject === use.definition.subject,
      );
      const subject = use.definition.subject;
      if (access === undefined) return `${where}: ${subject} is not declared in access.ts`;
      if ((access.addressing === 'instance') !== use.isAddressed) {
        return `${where}: ${subject} must be used ${use.isAddressed ? 'plainly' : 'addressed to one instance'}`;
      }
      const isGranted =
        use.kind === 'serve' ? access.servedBy === principal : access.requestedBy.includes(principal);
      return isGranted ? undefined : `${where}: ${principal} may not ${use.kind} ${subject}`;
    }
    case 'publish':
    case 'subscribe': {
      const access = eventAccess.find((candidate) => candidate.definition.subject === use.definition.subject);
      const subject = use.definition.subject;
      if (access === undefined) return `${where}: ${subject} is not declared in access.ts`;
      const isGranted =
        use.kind === 'publish' ? access.publishedBy === principal : access.subscribedBy.includes(principal);
      return isGranted ? undefined : `${where}: ${principal} may not ${use.kind} ${subject}`;
    }
    case 'bucket': {
      const access = bucketAccess.find((candidate) => candidate.bucket === use.bucket);
      if (access === undefined) return `${where}: KV bucket ${use.bucket} is not declared in access.ts`;
      const isWriter = access.writtenBy.includes(principal);
      if (use.isWriting)
        return isWriter ? undefined : `${where}: ${principal} may not write KV ${use.bucket}`;
      return isWriter || access.readBy.includes(principal)
        ? undefined
        : `${where}: ${principal} may not read KV ${use.bucket}`;
    }
  }
}

/** The bus calls each library makes on behalf of whoever imports it (libs/bus itself is the bus, not a user). */
async function libraryUses(): Promise<Map<string, BusUse[]>> {
  const uses = new Map<string, BusUse[]>();
  for (const library of await readdir(librariesDirectory)) {
    if (library === 'bus') continue;
    const found = await busUsesIn(join(librariesDirectory, library, 'src'), root).catch(() => []);
    if (found.length > 0) uses.set(`@ironcurtain/${library}`, found);
  }
  return uses;
}

/**
 * Every bus call a service makes: its own, and those of each library it imports something from (a library's
 * calls count for every importer: stricter than per function, never looser).
 */
async function usesOfService(service: string, libraries: Map<string, BusUse[]>): Promise<BusUse[]> {
  const directory = join(servicesDirectory, service, 'src');
  const uses = await busUsesIn(directory, root);
  const sources = await Promise.all((await sourceFiles(directory)).map((file) => readFile(file, 'utf8')));
  for (const [library, libraryCalls] of libraries) {
    if (sources.some((source) => importedNames(source, library).size > 0)) uses.push(...libraryCalls);
  }
  return uses;
}

const services = (await readdir(servicesDirectory, { withFileTypes: true }))
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

describe('bus calls in the code', () => {
  it('come from services that are all principals, and every principal has its service', () => {
    expect(services.filter((service) => !isPrincipal(service))).toEqual([]);
    expect([...principals].sort()).toEqual(services);
  });

  it.each(services)('of %s use only what access.ts grants it', async (service) => {
    const uses = await usesOfService(service, await libraryUses());
    const refusals = uses.flatMap((use) => refusalOf(service as Principal, use) ?? []);
    expect(refusals).toEqual([]);
  });

  it('are found at all: the scan sees the calls it exists to check', async () => {
    const libraries = await libraryUses();
    const summary = async (service: string): Promise<string[]> =>
      (await usesOfService(service, libraries)).map((use) =>
        use.kind === 'bucket'
          ? `${use.isWriting ? 'write' : 'read'} ${use.bucket}`
          : use.kind === 'unresolved'
            ? use.text
            : `${use.kind} ${use.definition.subject}`,
      );
    expect(await summary('policy-decision-point')).toEqual(
      expect.arrayContaining([
        'serve pdp.toolcall.v1',
        'request mcpgw.execute.v1',
        'request escalation.open.v1',
        'publish pdp.evt.decision.v1',
        'read policy',
      ]),
    );
    expect(await summary('session-orchestrator')).toEqual(
      expect.arrayContaining([
        'request pdp.toolcall.v1',
        'write sessions',
        'subscribe egress.evt.llm-usage.v1',
      ]),
    );
    expect(await summary('cli')).toEqual(
      expect.arrayContaining([
        'request escalation.resolve.v1',
        'write policy',
        'subscribe audit.evt.record.v1',
      ]),
    );
  });

  it('are refused when not granted: the check itself can fail', () => {
    const endpointNamed = (subject: string) =>
      endpointAccess.find((access) => access.definition.subject === subject)!.definition;
    const forged: BusUse = {
      file: 'services/session-orchestrator/src/forged.ts',
      line: 1,
      kind: 'request',
      definition: endpointNamed('escalation.resolve.v1'),
      isAddressed: false,
    };
    expect(refusalOf('session-orchestrator', forged)).toMatch(/may not request escalation\.resolve\.v1/);
    const plainExecute: BusUse = { ...forged, definition: endpointNamed('mcpgw.execute.v1') };
    expect(refusalOf('policy-decision-point', plainExecute)).toMatch(/must be used addressed/);
    const policyWrite: BusUse = { file: 'x.ts', line: 1, kind: 'bucket', bucket: 'policy', isWriting: true };
    expect(refusalOf('policy-decision-point', policyWrite)).toMatch(/may not write KV policy/);
    const unknownBucket: BusUse = { ...policyWrite, bucket: 'decision-nonces' };
    expect(refusalOf('mcp-gateway', unknownBucket)).toMatch(/decision-nonces is not declared/);
  });
});
