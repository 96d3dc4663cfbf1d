// A small policy in IronCurtain's formats for the PDP tests: reads under <home>/Documents are allowed, pushes escalate.
import { computePolicyHash, parsePolicyArtifacts } from '@ironcurtain/policy-engine';

const schema = (properties: Record<string, unknown>, required: string[]) => ({
  type: 'object',
  properties,
  required,
  additionalProperties: false,
});
const string = { type: 'string' };

export function testArtifacts(documentsDir: string, options: { pushDecision?: 'escalate' | 'allow' } = {}) {
  const tools = [
    {
      toolName: 'read_file',
      serverName: 'filesystem',
      comment: 'read',
      args: { path: ['read-path'] },
      inputSchema: schema({ path: string }, ['path']),
    },
    {
      toolName: 'write_file',
      serverName: 'filesystem',
      comment: 'write',
      args: { path: ['write-path'], content: ['none'] },
      inputSchema: schema({ path: string, content: string }, ['path', 'content']),
    },
    {
      toolName: 'git_push',
      serverName: 'git',
      comment: 'push',
      args: { remote: ['git-remote-url'] },
      inputSchema: schema({ remote: string }, ['remote']),
    },
  ];
  const rule = (name: string, condition: unknown, then: string) => ({
    name,
    description: name,
    principle: 'test',
    if: condition,
    then,
    reason: `because of ${name}`,
  });
  return {
    compiledPolicy: {
      generatedAt: '2026-11-24T00:00:00Z',
      constitutionHash: 'c',
      inputHash: 'i',
      rules: [
        rule(
          'allow-read-documents',
          { server: ['filesystem'], paths: { roles: ['read-path'], within: documentsDir } },
          'allow',
        ),
        rule(
          'push-needs-approval',
          { server: ['git'], tool: ['git_push'] },
          options.pushDecision ?? 'escalate',
        ),
      ],
    },
    toolAnnotations: {
      generatedAt: '2026-11-24T00:00:00Z',
      servers: {
        filesystem: { inputHash: 'f', tools: tools.filter((tool) => tool.serverName === 'filesystem') },
        git: { inputHash: 'g', tools: tools.filter((tool) => tool.serverName === 'git') },
      },
    },
  };
}

/** The KV bundle `ironcurtain policy activate` publishes for these artifacts. */
export function bundleOf(artifacts: ReturnType<typeof testArtifacts>) {
  return {
    version: 1,
    policyHash: computePolicyHash(artifacts),
    activatedAt: new Date().toISOString(),
    compiledPolicy: artifacts.compiledPolicy,
    toolAnnotations: artifacts.toolAnnotations,
  };
}

export const loadTestPolicy = (documentsDir: string) => parsePolicyArtifacts(testArtifacts(documentsDir));
