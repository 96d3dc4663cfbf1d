// What an escalation carries of the agent's own form of the arguments: only a form that differs from the one that
// will run, and only when both fit the bus together.
import { describe, expect, it } from 'vitest';
import { escalationRequestOf, requestedArgumentsOf } from '../src/domain/escalation-request.js';

describe('requestedArgumentsOf', () => {
  const canonical = { path: '/home/u/.ironcurtain/sessions/s/sandbox/notes.md', mode: 'write' };

  it('keeps the asked form when the gateway changed it', () => {
    expect(requestedArgumentsOf({ path: 'notes.md', mode: 'write' }, canonical, 10_000)).toEqual({
      path: 'notes.md',
      mode: 'write',
    });
  });

  it('leaves it out when it is the canonical form, in any key order', () => {
    expect(requestedArgumentsOf({ mode: 'write', path: canonical.path }, canonical, 10_000)).toBeUndefined();
  });

  it('leaves it out when both forms together would not fit one message', () => {
    const asked = { path: 'notes.md', mode: 'write' };
    const both = JSON.stringify(asked).length + JSON.stringify(canonical).length;
    expect(requestedArgumentsOf(asked, canonical, both)).toEqual(asked);
    expect(requestedArgumentsOf(asked, canonical, both - 1)).toBeUndefined();
  });
});

describe('escalationRequestOf', () => {
  const call = {
    callId: 'c1',
    sessionId: 's1',
    serverName: 'filesystem',
    toolName: 'write_file',
    arguments: { path: 'notes.md' },
    attempt: 1,
  };
  const verdict = { decision: 'escalate' as const, rule: 'escalate-writes', reason: 'writes need approval' };
  const prepared = (canonicalArguments: Record<string, unknown>) => ({
    sandboxDir: '/sandbox',
    canonicalArguments,
    argsHash: 'a'.repeat(64),
    executor: 'gateway-1',
  });

  it('carries both forms when they differ, and the canonical one alone when they do not', () => {
    const differs = escalationRequestOf(call, prepared({ path: '/sandbox/notes.md' }), verdict, 10_000);
    expect(differs).toMatchObject({
      canonicalArguments: { path: '/sandbox/notes.md' },
      requestedArguments: { path: 'notes.md' },
      rule: 'escalate-writes',
    });
    const same = escalationRequestOf(call, prepared({ path: 'notes.md' }), verdict, 10_000);
    expect(same.canonicalArguments).toEqual({ path: 'notes.md' });
    expect(same).not.toHaveProperty('requestedArguments');
  });
});
