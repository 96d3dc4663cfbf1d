// Which directories may be a session's workspace: one case per refusal, on real directories, files and symlinks.
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  checkWorkspace,
  hostWorkspaceFileSystem,
  workspacePlacesOf,
  type WorkspacePlaces,
  type WorkspaceRefusal,
} from '../src/index.js';

let root: string;
let places: WorkspacePlaces;
let userHome: string;
let ironcurtainHome: string;
let mcpConfig: string;

beforeEach(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'workspace-check-')));
  userHome = join(root, 'home', 'me');
  ironcurtainHome = join(userHome, '.ironcurtain');
  mkdirSync(join(ironcurtainHome, 'sessions', 's1', 'sandbox'), { recursive: true });
  mkdirSync(join(userHome, 'src', 'project'), { recursive: true });
  // The MCP server config lives in an installation outside the home, as the shipped one does.
  mkdirSync(join(root, 'opt', 'ironcurtain', 'policy'), { recursive: true });
  mcpConfig = join(root, 'opt', 'ironcurtain', 'policy', 'mcp-servers.json');
  writeFileSync(mcpConfig, '{}');
  places = workspacePlacesOf({ ironcurtainHome, processHome: userHome, mcpConfigPath: mcpConfig });
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const check = (path: string) => checkWorkspace(path, places, hostWorkspaceFileSystem);
const refusalOf = (path: string): WorkspaceRefusal | undefined => {
  const verdict = check(path);
  return verdict.isAllowed ? undefined : verdict.refusal;
};

describe('checkWorkspace', () => {
  it('allows a project directory in the home, as its real path', () => {
    symlinkSync(join(userHome, 'src', 'project'), join(userHome, 'project-link'));
    expect(check(join(userHome, 'src', 'project'))).toEqual({
      isAllowed: true,
      workspace: join(userHome, 'src', 'project'),
    });
    expect(check(join(userHome, 'project-link'))).toEqual({
      isAllowed: true,
      workspace: join(userHome, 'src', 'project'),
    });
  });

  it('refuses a relative path, a missing directory and a file', () => {
    writeFileSync(join(userHome, 'file.txt'), 'x');
    expect(refusalOf('src/project')).toBe('not-absolute');
    expect(refusalOf(join(userHome, 'nowhere'))).toBe('missing');
    expect(refusalOf(join(userHome, 'file.txt'))).toBe('not-a-directory');
  });

  it('refuses a symlink loop', () => {
    symlinkSync(join(userHome, 'loop-b'), join(userHome, 'loop-a'));
    symlinkSync(join(userHome, 'loop-a'), join(userHome, 'loop-b'));
    expect(refusalOf(join(userHome, 'loop-a'))).toBe('missing');
  });

  it('refuses / and a symlink to it', () => {
    symlinkSync('/', join(userHome, 'to-root'));
    expect(refusalOf('/')).toBe('root');
    expect(refusalOf(join(userHome, 'to-root'))).toBe('root');
  });

  it('refuses IRONCURTAIN_HOME, anything inside it and any directory containing it', () => {
    expect(refusalOf(ironcurtainHome)).toBe('ironcurtain-home');
    expect(refusalOf(join(ironcurtainHome, 'sessions', 's1', 'sandbox'))).toBe('inside-ironcurtain-home');
    expect(refusalOf(join(root, 'home'))).toBe('contains-ironcurtain-home');
  });

  it('refuses IRONCURTAIN_HOME outside the home, and a directory containing it', () => {
    const elsewhere = join(root, 'var', 'ironcurtain');
    mkdirSync(join(elsewhere, 'generated'), { recursive: true });
    places = workspacePlacesOf({ ironcurtainHome: elsewhere, processHome: userHome });
    expect(refusalOf(join(root, 'var'))).toBe('contains-ironcurtain-home');
    expect(refusalOf(join(elsewhere, 'generated'))).toBe('inside-ironcurtain-home');
    expect(check(join(userHome, 'src', 'project')).isAllowed).toBe(true);
  });

  it('refuses symlinks that resolve into IRONCURTAIN_HOME or onto a directory containing it', () => {
    symlinkSync(join(ironcurtainHome, 'sessions'), join(userHome, 'src', 'sessions-link'));
    symlinkSync(join(root, 'home'), join(userHome, 'src', 'homes-link'));
    expect(refusalOf(join(userHome, 'src', 'sessions-link'))).toBe('inside-ironcurtain-home');
    expect(refusalOf(join(userHome, 'src', 'homes-link'))).toBe('contains-ironcurtain-home');
  });

  it("refuses the user's home directory and any directory containing it", () => {
    const other = join(root, 'home', 'other');
    mkdirSync(other, { recursive: true });
    places = { ...places, ironcurtainHome: join(root, 'state'), userHomes: [userHome, other] };
    expect(refusalOf(userHome)).toBe('user-home');
    expect(refusalOf(other)).toBe('user-home');
    expect(refusalOf(join(root, 'home'))).toBe('contains-user-home');
    symlinkSync(userHome, join(root, 'me-link'));
    expect(refusalOf(join(root, 'me-link'))).toBe('user-home');
  });

  it('refuses the home of the owner of IRONCURTAIN_HOME as well as the process HOME', () => {
    // The service's HOME may differ from the home of the user whose IRONCURTAIN_HOME it is (this process owns it).
    const homes = workspacePlacesOf({ ironcurtainHome, processHome: join(root, 'service-home') }).userHomes;
    expect(homes).toEqual([join(root, 'service-home'), userInfo().homedir]);
  });

  it('refuses a protected path, anything inside one and any directory containing one', () => {
    expect(refusalOf(join(root, 'opt', 'ironcurtain', 'policy'))).toBe('contains-protected-path');
    expect(refusalOf(join(root, 'opt'))).toBe('contains-protected-path');
    const policyDir = join(root, 'policies', 'mine');
    mkdirSync(join(policyDir, 'drafts'), { recursive: true });
    places = workspacePlacesOf({
      ironcurtainHome,
      processHome: userHome,
      mcpConfigPath: mcpConfig,
      policyDirs: [policyDir],
    });
    expect(refusalOf(policyDir)).toBe('protected-path');
    expect(refusalOf(join(policyDir, 'drafts'))).toBe('protected-path');
  });

  it('refuses a symlink that resolves to a directory containing a protected path', () => {
    symlinkSync(join(root, 'opt', 'ironcurtain'), join(userHome, 'src', 'install-link'));
    const verdict = check(join(userHome, 'src', 'install-link'));
    expect(verdict).toMatchObject({ isAllowed: false, refusal: 'contains-protected-path' });
    expect(verdict.isAllowed ? '' : verdict.message).toContain(
      `resolves to ${join(root, 'opt', 'ironcurtain')}`,
    );
  });

  it('says how to fix it', () => {
    const verdict = check('/');
    expect(verdict.isAllowed ? '' : verdict.message).toMatch(
      /refused: it is the root directory; choose .*--workspace/,
    );
  });
});
