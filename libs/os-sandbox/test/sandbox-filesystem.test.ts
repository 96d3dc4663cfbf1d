import { existsSync } from 'node:fs';
import { readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createSandboxFixture,
  probeForTests,
  otherSessionMarker,
  outsideMarker,
  privateMarker,
  runShell,
  sshKeyMarker,
  type SandboxFixture,
} from './sandbox-fixture.js';

const probe = await probeForTests();
const hasShadow = existsSync('/etc/shadow');

describe.runIf(probe.isAvailable)('sandboxed filesystem', () => {
  let fixture: SandboxFixture;
  beforeAll(async () => {
    fixture = await createSandboxFixture();
  });
  afterAll(async () => {
    await fixture.remove();
  });

  it('keeps ~/.ssh invisible, even when the config allows reading ~', async () => {
    const result = await runShell(
      fixture,
      { filesystem: emptyGrants({ allowRead: ['~'] }) },
      `cat ${fixture.sshKey}`,
    );
    expect(result.code).not.toBe(0);
    expect(result.stdout).not.toContain(sshKeyMarker);
    const listing = await runShell(
      fixture,
      { filesystem: emptyGrants({ allowRead: ['~'] }) },
      `ls -A ${join(fixture.home, '.ssh')}`,
    );
    expect(listing).toMatchObject({ code: 0, stdout: '' });
  });

  it('drops a grant of a protected path and never shows it', async () => {
    const result = await runShell(
      fixture,
      { filesystem: emptyGrants({ allowRead: ['~/.ssh'], allowWrite: ['~/.ssh'] }) },
      `cat ${fixture.sshKey}`,
    );
    expect(result.code).not.toBe(0);
    expect(result.stdout).not.toContain(sshKeyMarker);
  });

  it('hides protected paths even under a grant of /', async () => {
    const script = `cat ${fixture.sshKey}; cat ${fixture.otherSessionFile}; cat /etc/shadow; true`;
    // The fixture lives under /tmp, which is private even under a grant of /: grant it too so the files are there.
    const config = { filesystem: emptyGrants({ allowRead: ['/', fixture.root] }) };
    const visible = await runShell(fixture, config, `cat ${fixture.outsideFile}`);
    expect(visible.stdout).toBe(outsideMarker);
    const result = await runShell(fixture, config, script);
    expect(result.stdout).not.toContain(sshKeyMarker);
    expect(result.stdout).not.toContain(otherSessionMarker);
    expect(result.stdout).not.toMatch(/^root:/m);
  });

  it.runIf(hasShadow)('cannot read /etc/shadow', async () => {
    const result = await runShell(fixture, undefined, 'cat /etc/shadow');
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe('');
  });

  it('shows only the minimal /etc', async () => {
    const result = await runShell(fixture, undefined, 'ls -A /etc');
    expect(result.stdout.split('\n')).toEqual(expect.arrayContaining(['passwd', 'ssl', 'ld.so.cache']));
    expect(result.stdout.split('\n')).not.toContain('shadow');
    expect(result.stdout.split('\n')).not.toContain('npmrc');
    const ssl = await runShell(fixture, undefined, 'ls -A /etc/ssl');
    expect(ssl.stdout.split('\n')).not.toContain('private');
  });

  it('reads a file inside allowRead', async () => {
    const config = { filesystem: emptyGrants({ allowRead: ['~/Documents'] }) };
    const result = await runShell(fixture, config, `cat ${join(fixture.documents, 'notes.txt')}`);
    expect(result).toMatchObject({ code: 0, stdout: 'notes\n' });
  });

  it('writes inside the session sandbox, not to an allowRead path', async () => {
    const config = { filesystem: emptyGrants({ allowRead: ['~/Documents'] }) };
    const inSandbox = await runShell(
      fixture,
      config,
      `echo written > ${join(fixture.sessionSandbox, 'result.txt')}`,
    );
    expect(inSandbox.code).toBe(0);
    expect(await readFile(join(fixture.sessionSandbox, 'result.txt'), 'utf8')).toBe('written\n');
    const readOnly = await runShell(
      fixture,
      config,
      `echo changed > ${join(fixture.documents, 'notes.txt')}`,
    );
    expect(readOnly.code).not.toBe(0);
    expect(readOnly.stderr).toMatch(/Read-only file system/);
    expect(await readFile(join(fixture.documents, 'notes.txt'), 'utf8')).toBe('notes\n');
  });

  it('never writes outside its grants to the host', async () => {
    const target = join(fixture.outside, 'planted.txt');
    const script = `cat ${fixture.outsideFile}; mkdir -p ${fixture.outside} && echo planted > ${target}; touch /usr/planted`;
    const result = await runShell(fixture, undefined, script);
    expect(result.stdout).not.toContain(outsideMarker);
    expect(result.stderr).toMatch(/Read-only file system/);
    expect(existsSync(target)).toBe(false);
    expect(existsSync('/usr/planted')).toBe(false);
  });

  it('hides a denyRead subtree inside an allowed tree', async () => {
    const config = {
      filesystem: emptyGrants({ allowRead: ['~/Documents'], denyRead: ['~/Documents/private'] }),
    };
    const result = await runShell(
      fixture,
      config,
      `cat ${fixture.privateFile}; ls -A ~/Documents/private; true`,
    );
    expect(result.stdout).not.toContain(privateMarker);
    const sibling = await runShell(fixture, config, `cat ${join(fixture.documents, 'notes.txt')}`);
    expect(sibling.stdout).toBe('notes\n');
  });

  it('makes a denyWrite subtree of a writable tree read-only', async () => {
    const config = {
      filesystem: emptyGrants({ allowWrite: ['~/Documents'], denyWrite: ['~/Documents/private'] }),
    };
    const denied = await runShell(
      fixture,
      config,
      `echo x > ${join(fixture.documents, 'private', 'new.txt')}`,
    );
    expect(denied.code).not.toBe(0);
    const allowed = await runShell(fixture, config, `echo x > ${join(fixture.documents, 'new.txt')}`);
    expect(allowed.code).toBe(0);
    expect(existsSync(join(fixture.documents, 'private', 'new.txt'))).toBe(false);
    expect(existsSync(join(fixture.documents, 'new.txt'))).toBe(true);
  });

  it('shows its own session but no other session or IronCurtain state', async () => {
    const config = { filesystem: emptyGrants({ allowRead: ['~'] }) };
    const result = await runShell(
      fixture,
      config,
      `cat ${join(fixture.sessionSandbox, 'hello.txt')}; cat ${fixture.otherSessionFile}; true`,
    );
    expect(result.stdout).toBe('hello\n');
    expect(result.stdout).not.toContain(otherSessionMarker);
  });

  it('does not follow a symlink planted in the sandbox to a secret', async () => {
    await symlink(fixture.sshKey, join(fixture.sessionSandbox, 'key-link'));
    await symlink(fixture.outsideFile, join(fixture.sessionSandbox, 'outside-link'));
    const result = await runShell(fixture, undefined, 'cat key-link; cat outside-link; true');
    expect(result.stdout).not.toContain(sshKeyMarker);
    expect(result.stdout).not.toContain(outsideMarker);
  });

  it('cannot unmount what hides a secret: capabilities are dropped', async () => {
    const config = { filesystem: emptyGrants({ allowRead: ['~'] }) };
    const script = `grep CapEff /proc/self/status; umount ${join(fixture.home, '.ssh')}; cat ${fixture.sshKey}; true`;
    const result = await runShell(fixture, config, script);
    expect(result.stdout).toMatch(/CapEff:\s+0+\n/);
    expect(result.stdout).not.toContain(sshKeyMarker);
  });

  it.runIf(probe.hasUserNamespace)('cannot create a nested user namespace', async () => {
    const result = await runShell(fixture, undefined, 'unshare --user true');
    expect(result.code).not.toBe(0);
  });

  it('keeps /tmp private', async () => {
    const hostEntry = join(tmpdir(), `os-sandbox-host-entry-${process.pid}`);
    await writeFile(hostEntry, 'host');
    try {
      const scratch = `os-sandbox-scratch-${process.pid}`;
      const result = await runShell(fixture, undefined, `ls -A /tmp; echo scratch > /tmp/${scratch}`);
      expect(result.code).toBe(0);
      expect(result.stdout).not.toContain('os-sandbox-host-entry');
      expect(existsSync(join(tmpdir(), scratch))).toBe(false);
    } finally {
      await rm(hostEntry, { force: true });
    }
  });
});

function emptyGrants(
  grants: Partial<Record<'allowRead' | 'allowWrite' | 'denyRead' | 'denyWrite', string[]>>,
): Record<'allowRead' | 'allowWrite' | 'denyRead' | 'denyWrite', string[]> {
  return { allowRead: [], allowWrite: [], denyRead: [], denyWrite: [], ...grants };
}
