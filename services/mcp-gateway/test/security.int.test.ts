// Security properties of the gateway, against the real filesystem server and real files:
// - nothing runs without a valid signed decision for exactly this call;
// - every refusal is audited (`audit.append.v1` kind `verifier`), and refused even when it cannot be;
// - a symlink swapped between prepare and execute cannot move a read or a write outside the sandbox;
// (decisions addressed to a gateway instance, replicas, restarts and the PDP key file: replicas-and-keys.int.test.ts).
import { mkdir, readFile, rename, symlink, writeFile, access } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeArgsHash } from '@ironcurtain/policy-engine';
import { StdioServerEntry } from '@ironcurtain/mcp-config';
import { launchCommand, runtimeReadOnlyPaths } from '../src/domain/servers/launch-command.js';
import { probeSandbox } from '@ironcurtain/os-sandbox';
import { createManagedServer } from '../src/domain/servers/managed-server.js';
import { resolveServerEntry } from '../src/domain/servers/server-entries.js';
import {
  createWorld,
  filesystemServer,
  foreignSigner,
  startAuditResponder,
  textOf,
  type World,
} from './gateway-world.js';

let world: World;

beforeAll(async () => {
  world = await createWorld({
    servers: { filesystem: filesystemServer },
    env: { MCPGW_AUDIT_TIMEOUT_MS: '2000' },
  });
});
afterAll(async () => {
  await world?.dispose();
});

const execute = (payload: Parameters<World['execute']>[0]) => world.execute(payload);

const verifierRecordFor = (callId: string) =>
  world.audit.records.filter((record) => record['kind'] === 'verifier' && record['requestId'] === callId);

describe('signed decisions (invariant 2: no bypass)', () => {
  it('refuses a decision signed by a key it does not trust', async () => {
    const sandbox = await world.sandboxOf('sec-forged');
    await writeFile(join(sandbox, 'a.txt'), 'secret a');
    const forged = await world.signedExecute(
      'sec-forged',
      'read_file',
      { path: 'a.txt' },
      { signer: foreignSigner() },
    );
    await expect(execute(forged)).rejects.toMatchObject({
      code: 'DECISION_REFUSED',
      message: expect.stringContaining('untrusted-signer'),
    });
  });

  it('runs a decision once: the same execute again is a replay, refused', async () => {
    const sandbox = await world.sandboxOf('sec-replay');
    await writeFile(join(sandbox, 'counter.txt'), 'one');
    const payload = await world.signedExecute('sec-replay', 'read_file', { path: 'counter.txt' });
    expect(textOf(await execute(payload))).toBe('one');
    await expect(execute(payload)).rejects.toMatchObject({
      code: 'DECISION_REFUSED',
      message: expect.stringContaining('replayed'),
    });
  });

  it('refuses an expired decision', async () => {
    const sandbox = await world.sandboxOf('sec-expired');
    await writeFile(join(sandbox, 'old.txt'), 'old');
    const stale = await world.signedExecute(
      'sec-expired',
      'read_file',
      { path: 'old.txt' },
      { now: Date.now() - 120_000 },
    );
    await expect(execute(stale)).rejects.toMatchObject({ code: 'DECISION_REFUSED', message: /expired/ });
  });

  it('refuses a decision for other arguments: the hash is recomputed from the arguments about to run', async () => {
    const sandbox = await world.sandboxOf('sec-mismatch');
    await writeFile(join(sandbox, 'allowed.txt'), 'fine');
    await writeFile(join(sandbox, 'other.txt'), 'not this one');
    const signed = await world.signedExecute('sec-mismatch', 'read_file', { path: 'allowed.txt' });
    const swapped = { ...signed, canonicalArguments: { path: join(sandbox, 'other.txt') } };
    await expect(execute(swapped)).rejects.toMatchObject({
      code: 'DECISION_REFUSED',
      message: expect.stringContaining('argsHash differs'),
    });
  });

  it('refuses a signed deny, and a decision for another tool', async () => {
    const sandbox = await world.sandboxOf('sec-deny');
    await writeFile(join(sandbox, 'x.txt'), 'x');
    const denied = await world.signedExecute(
      'sec-deny',
      'read_file',
      { path: 'x.txt' },
      { decision: 'deny' },
    );
    await expect(execute(denied)).rejects.toMatchObject({ code: 'DECISION_REFUSED', message: /not-allow/ });
    const forRead = await world.signedExecute('sec-deny', 'read_file', { path: 'x.txt' });
    const asWrite = {
      ...forRead,
      toolName: 'write_file',
      canonicalArguments: { path: join(sandbox, 'x.txt'), content: 'pwned' },
    };
    await expect(execute(asWrite)).rejects.toMatchObject({ code: 'DECISION_REFUSED', message: /mismatch/ });
    expect(await readFile(join(sandbox, 'x.txt'), 'utf8')).toBe('x');
  });

  it('still refuses when the refusal cannot be audited', async () => {
    const sandbox = await world.sandboxOf('sec-no-audit');
    await writeFile(join(sandbox, 'a.txt'), 'a');
    const forged = await world.signedExecute(
      'sec-no-audit',
      'read_file',
      { path: 'a.txt' },
      { signer: foreignSigner() },
    );
    await world.audit.bus.close();
    try {
      await expect(execute(forged)).rejects.toMatchObject({ code: 'DECISION_REFUSED' });
    } finally {
      world.audit = await startAuditResponder(world.nats.url);
    }
  });
});

describe('every refusal is audited (audit.append.v1, kind verifier)', () => {
  it('records why the decision or the arguments were refused, with the call and its arguments', async () => {
    const sandbox = await world.sandboxOf('sec-audit');
    await writeFile(join(sandbox, 'a.txt'), 'a');
    const forged = await world.signedExecute(
      'sec-audit',
      'read_file',
      { path: 'a.txt' },
      { signer: foreignSigner() },
    );
    await expect(execute(forged)).rejects.toMatchObject({ code: 'DECISION_REFUSED' });
    const used = await world.signedExecute('sec-audit', 'read_file', { path: 'a.txt' });
    await execute(used);
    await expect(execute(used)).rejects.toMatchObject({ code: 'DECISION_REFUSED' });
    await mkdir(join(sandbox, 'docs'));
    const moved = await world.signedExecute('sec-audit', 'read_file', { path: 'docs/b.txt' });
    await rename(join(sandbox, 'docs'), join(sandbox, 'docs-before'));
    await symlink(world.root, join(sandbox, 'docs'));
    await expect(execute(moved)).rejects.toMatchObject({ code: 'ARGUMENTS_REFUSED' });

    expect(verifierRecordFor(forged.callId)).toEqual([
      expect.objectContaining({
        sessionId: 'sec-audit',
        serverName: 'filesystem',
        toolName: 'read_file',
        arguments: { path: join(sandbox, 'a.txt') },
        // The call named exactly: the hash a decision for it signs, and its roles (the writer keeps the path as is).
        argsHash: computeArgsHash({ path: join(sandbox, 'a.txt') }),
        argumentRoles: { path: ['read-path'], head: ['none'], tail: ['none'] },
        policyDecision: expect.objectContaining({ status: 'deny', rule: 'decision-refused' }),
        refusal: expect.objectContaining({
          reason: 'untrusted-signer',
          message: expect.stringMatching(/not signed by a trusted PDP key/),
        }),
        signer: forged.decision.signer,
      }),
    ]);
    expect(verifierRecordFor(used.callId)).toEqual([
      expect.objectContaining({ refusal: expect.objectContaining({ reason: 'replayed' }) }),
    ]);
    expect(verifierRecordFor(moved.callId)).toEqual([
      expect.objectContaining({
        refusal: expect.objectContaining({
          reason: 'arguments-changed',
          message: expect.stringContaining('now resolves to'),
        }),
      }),
    ]);
  });
});

describe('a symlink swapped between prepare and execute', () => {
  // Three walls, in order: (1) prepare resolves every path to its real location, so the decision and its hash are
  // about where the file really is; (2) execute resolves those real paths again and refuses when one now lands
  // elsewhere — the swap below is caught here, the server is never called; (3) a swap in the instant after that
  // check meets the server, which realpaths each component at use time against its roots — the session's
  // sandbox — and refuses (see "the server's own check" below). The OS sandbox around the server is the fourth.
  it('cannot make the server read a file outside the sandbox', async () => {
    const sandbox = await world.sandboxOf('sec-swap-read');
    const outside = join(world.root, 'outside-read');
    await mkdir(outside);
    await writeFile(join(outside, 'notes.md'), 'OUTSIDE SECRET');
    await mkdir(join(sandbox, 'docs'));
    await writeFile(join(sandbox, 'docs', 'notes.md'), 'inside');
    const payload = await world.signedExecute('sec-swap-read', 'read_file', { path: 'docs/notes.md' });
    expect(payload.canonicalArguments).toEqual({ path: join(sandbox, 'docs', 'notes.md') });

    await rename(join(sandbox, 'docs'), join(sandbox, 'docs-before'));
    await symlink(outside, join(sandbox, 'docs'));
    const refusal = execute(payload);
    await expect(refusal).rejects.toMatchObject({
      code: 'ARGUMENTS_REFUSED',
      message: expect.stringContaining(`now resolves to ${join(outside, 'notes.md')}`),
    });
    await expect(refusal).rejects.not.toMatchObject({ message: expect.stringContaining('OUTSIDE SECRET') });
  });

  it('cannot make the server write a file outside the sandbox', async () => {
    const sandbox = await world.sandboxOf('sec-swap-write');
    const outside = join(world.root, 'outside-write');
    await mkdir(outside);
    await mkdir(join(sandbox, 'out'));
    const payload = await world.signedExecute('sec-swap-write', 'write_file', {
      path: 'out/new.txt',
      content: 'pwned',
    });
    await rename(join(sandbox, 'out'), join(sandbox, 'out-before'));
    await symlink(outside, join(sandbox, 'out'));
    await expect(execute(payload)).rejects.toMatchObject({ code: 'ARGUMENTS_REFUSED' });
    await expect(access(join(outside, 'new.txt'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

const withoutOsSandbox = {
  policy: 'warn' as const,
  probe: {
    isAvailable: false,
    bwrapPath: 'none',
    hasUserNamespace: false,
    reason: 'this test runs the server alone',
  },
  allowUnsandboxed: [],
  ironcurtainHome: '/nonexistent',
  runtimeReadOnly: [],
  nodePath: process.execPath,
};

describe("the server's own check (the third wall)", () => {
  it('the filesystem server refuses a path whose directory became a symlink out of its root', async () => {
    const sandbox = join(world.root, 'wall', 'sandbox');
    const outside = join(world.root, 'wall', 'outside');
    await mkdir(sandbox, { recursive: true });
    await mkdir(outside);
    await writeFile(join(outside, 'notes.md'), 'OUTSIDE SECRET');
    await symlink(outside, join(sandbox, 'docs'));
    const placement = { sessionId: 'wall', sandboxDir: sandbox, homeDir: world.root };
    const entry = resolveServerEntry('filesystem', StdioServerEntry.parse(filesystemServer), placement, {
      nodePath: process.execPath,
      searchFrom: import.meta.dirname,
      fetchServerPath: join(world.root, 'no-fetch-server'),
      credentials: {},
    });
    const server = createManagedServer({
      serverName: 'filesystem',
      label: 'wall test',
      // The server alone, without the OS sandbox: this wall must hold by itself.
      launch: () => launchCommand('filesystem', entry, placement, withoutOsSandbox),
      secrets: [],
      logFile: join(world.root, 'wall', 'filesystem.log'),
      startTimeoutMs: 20_000,
    });
    try {
      // The canonical form a prepare made before the swap: a plain path inside the sandbox.
      const read = await server.callTool('read_file', { path: join(sandbox, 'docs', 'notes.md') }, 10_000);
      expect(read.isError).toBe(true);
      expect(textOf(read as never)).toMatch(/Access denied - symlink target outside allowed directories/);
      expect(textOf(read as never)).not.toContain('OUTSIDE SECRET');
      const write = await server.callTool(
        'write_file',
        { path: join(sandbox, 'docs', 'new.txt'), content: 'pwned' },
        10_000,
      );
      expect(write.isError).toBe(true);
      await expect(access(join(outside, 'new.txt'))).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      await server.stop('test done');
    }
  });
});

describe('the OS sandbox (the second wall)', () => {
  it('a server under enforce cannot read /etc/shadow or a secret outside its grants, even when asked directly', async () => {
    const sandbox = join(world.root, 'os-wall', 'sandbox');
    const secrets = join(world.root, 'os-wall', 'home', '.ssh');
    await mkdir(sandbox, { recursive: true });
    await mkdir(secrets, { recursive: true });
    await writeFile(join(secrets, 'id_rsa'), 'PRIVATE KEY MATERIAL');
    // A misconfigured server that lists the secrets and /etc as its own roots: only the OS sandbox stands in the way.
    const misconfigured = {
      ...filesystemServer,
      args: [...filesystemServer.args.slice(0, 2), sandbox, secrets, '/etc'],
    };
    const placement = {
      sessionId: 'os-wall',
      sandboxDir: sandbox,
      homeDir: join(world.root, 'os-wall', 'home'),
    };
    const entry = resolveServerEntry('filesystem', StdioServerEntry.parse(misconfigured), placement, {
      nodePath: process.execPath,
      searchFrom: import.meta.dirname,
      fetchServerPath: join(world.root, 'no-fetch-server'),
      credentials: {},
    });
    const enforced = {
      policy: 'enforce' as const,
      probe: await probeSandbox(),
      allowUnsandboxed: [],
      ironcurtainHome: join(world.root, 'os-wall', 'ironcurtain'),
      runtimeReadOnly: runtimeReadOnlyPaths(process.execPath, import.meta.dirname),
      nodePath: process.execPath,
    };
    const server = createManagedServer({
      serverName: 'filesystem',
      label: 'os wall test',
      launch: () => launchCommand('filesystem', entry, placement, enforced),
      secrets: [],
      logFile: join(world.root, 'os-wall', 'filesystem.log'),
      startTimeoutMs: 20_000,
    });
    try {
      for (const path of [join(secrets, 'id_rsa'), '/etc/shadow']) {
        const read = await server.callTool('read_file', { path }, 10_000);
        expect(read.isError, path).toBe(true);
        expect(textOf(read as never)).not.toMatch(/PRIVATE KEY MATERIAL|root:/);
      }
      await writeFile(join(sandbox, 'ok.txt'), 'inside');
      const inside = await server.callTool('read_file', { path: join(sandbox, 'ok.txt') }, 10_000);
      expect(textOf(inside as never)).toContain('inside');
      expect(server.isSandboxed()).toBe(true);
    } finally {
      await server.stop('test done');
    }
  });
});
