// Which policy the benchmark decides with: the shipped default if it is there and loads, else the bench fixture.
// Both come with their raw artifacts (published to KV for the PDP replicas) and the MCP server config (domain gates).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  loadPolicyDirectory,
  parsePolicyArtifacts,
  type LoadedPolicy,
  type RawPolicyArtifacts,
} from '@ironcurtain/policy-engine';
import { fixturePolicy } from './fixture-policy.ts';

export interface PolicySource {
  kind: 'shipped-default' | 'bench-fixture';
  /** Why the fixture was used, when it was. */
  fallbackReason?: string;
  policy: LoadedPolicy;
  artifacts: RawPolicyArtifacts;
  mcpServers: Record<string, unknown>;
}

const shippedPolicyDir = fileURLToPath(new URL('../../../libs/default-policy/policy', import.meta.url));

/** The shipped policy, or the fixture when it cannot be loaded or `useFixture` asks for it. */
export async function loadPolicySource(useFixture = false): Promise<PolicySource> {
  try {
    if (useFixture) throw new Error('BENCH_POLICY=fixture');
    // loadPolicyDirectory validates; the raw files are read again for the KV bundle the replicas load.
    const policy = await loadPolicyDirectory(shippedPolicyDir);
    const read = (name: string) => readJsonIfPresent(join(shippedPolicyDir, name));
    const artifacts: RawPolicyArtifacts = {
      compiledPolicy: await read('compiled-policy.json'),
      toolAnnotations: await read('tool-annotations.json'),
      dynamicLists: await read('dynamic-lists.json'),
    };
    const mcpServers = (await read('mcp-servers.json')) as Record<string, unknown> | undefined;
    if (mcpServers === undefined) throw new Error(`mcp-servers.json is missing in ${shippedPolicyDir}`);
    return { kind: 'shipped-default', policy, artifacts, mcpServers };
  } catch (error) {
    const fixture = fixturePolicy();
    return {
      kind: 'bench-fixture',
      fallbackReason: (error as Error).message,
      policy: parsePolicyArtifacts(fixture.artifacts),
      artifacts: fixture.artifacts,
      mcpServers: fixture.mcpServers,
    };
  }
}

async function readJsonIfPresent(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
