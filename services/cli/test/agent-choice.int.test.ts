// `--agent auto`: a container agent only when the Docker engine answers and its provider key is set, else the
// builtin agent, with the reason for the user. Against the real engine scripts/setup starts, and one that is not there.
import { describe, expect, it } from 'vitest';
import { chooseAgent } from '../src/domain/session/agent-choice.js';

describe('ironcurtain start --agent auto', () => {
  it('keeps a named agent as it is', async () => {
    expect(await chooseAgent('claude-code', {})).toEqual({ agent: 'claude-code' });
  });

  it('uses the builtin agent when no provider key is set', async () => {
    const choice = await chooseAgent('auto', { DOCKER_HOST: process.env['DOCKER_HOST'] });
    expect(choice.agent).toBe('builtin');
    expect(choice.note).toContain('no provider key');
  });

  it('uses the builtin agent, saying why, when Docker does not answer', async () => {
    const choice = await chooseAgent('auto', {
      ANTHROPIC_API_KEY: 'sk-ant-test',
      DOCKER_HOST: 'unix:///nonexistent/docker.sock',
    });
    expect(choice.agent).toBe('builtin');
    expect(choice.note).toContain('Docker is not reachable at unix:///nonexistent/docker.sock');
  });

  it('picks the agent of the key that is set when Docker answers', async () => {
    const docker = process.env['DOCKER_HOST'];
    expect(
      await chooseAgent('auto', { ANTHROPIC_API_KEY: 'sk-ant-test', DOCKER_HOST: docker }),
    ).toMatchObject({
      agent: 'claude-code',
    });
    expect(await chooseAgent('auto', { OPENAI_API_KEY: 'sk-test', DOCKER_HOST: docker })).toMatchObject({
      agent: 'codex',
    });
  });

  it("prefers config.json's preferredDockerAgent, and counts the provider keys config.json holds", async () => {
    const docker = process.env['DOCKER_HOST'];
    const bothKeys = { ANTHROPIC_API_KEY: 'sk-ant-test', OPENAI_API_KEY: 'sk-test', DOCKER_HOST: docker };
    expect(await chooseAgent('auto', bothKeys)).toMatchObject({ agent: 'claude-code' });
    expect(await chooseAgent('auto', bothKeys, { preferredAgent: 'codex' })).toMatchObject({
      agent: 'codex',
    });
    // No key in the environment, but config.json hands the egress an OpenAI key.
    expect(
      await chooseAgent(
        'auto',
        { DOCKER_HOST: docker },
        { preferredAgent: 'claude-code', configuredKeys: ['OPENAI_API_KEY'] },
      ),
    ).toMatchObject({ agent: 'codex' });
  });
});
