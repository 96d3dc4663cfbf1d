import type { ConfigEntry } from './config-entries.js';

const runsProgram = 'it names a program git would run';
const notListed =
  "it is not on git-guard's allow-list (a repository may carry only the settings git's own init, clone, remote, branch and worktree commands write)";

const coreReasons: Readonly<Record<string, string>> = {
  fsmonitor: 'it names a program git runs on status, add and diff',
  hookspath: 'it points git at hook programs chosen by the repository',
  sshcommand: runsProgram,
  gitproxy: runsProgram,
  pager: runsProgram,
  editor: runsProgram,
  askpass: runsProgram,
  alternaterefscommand: runsProgram,
  excludesfile: 'it makes git read a file chosen by the repository',
  attributesfile: 'it makes git read attributes (and so drivers) from a file chosen by the repository',
};

const sectionReasons: Readonly<Record<string, string>> = {
  filter: 'it defines a filter driver: programs git runs on file contents (clean, smudge, process)',
  gpg: 'it chooses the program git runs to sign or verify',
  credential: 'it names a credential helper, a program git runs for passwords',
  include: 'it pulls in another config file that was not inspected',
  includeif: 'it pulls in another config file that was not inspected',
  url: 'it rewrites remote URLs (insteadOf), for example into ext:: commands',
  http: 'it changes how git talks to servers (proxy, certificates, headers, cookie files)',
  alias: 'it defines git commands, which can run programs (!command)',
  sequence: runsProgram,
  pager: runsProgram,
  mergetool: runsProgram,
  difftool: runsProgram,
  protocol: 'it re-enables transports such as ext::, which runs commands',
  blame: 'it makes git read a file chosen by the repository (blame.ignoreRevsFile)',
  mailmap: 'it makes git read a file chosen by the repository',
  uploadpack: runsProgram,
  receive: 'it changes what git runs when it receives a push',
  web: runsProgram,
  browser: runsProgram,
  man: runsProgram,
  instaweb: runsProgram,
  safe: 'it weakens the safety checks',
  extensions:
    'it is a repository extension git-guard does not know (for example partialclone fetches by running git)',
};

/** Why a key that is not on the allow-list is dangerous, or why unknown keys are refused: words for the agent. */
export function dangerReason(entry: ConfigEntry): string {
  const { section, subsection, variable } = entry;
  if (section === 'core' && subsection === undefined) return coreReasons[variable] ?? notListed;
  if (section === 'diff' && (variable === 'external' || variable === 'command' || variable === 'textconv')) {
    return 'it names a program git runs to show differences';
  }
  if (section === 'merge' && variable === 'driver')
    return 'it names a merge driver, a program git runs to merge';
  if (section === 'remote') {
    if (variable === 'uploadpack' || variable === 'receivepack') {
      return 'it names the program git runs for a local fetch or push (the safety environment cannot override it)';
    }
    if (variable === 'vcs') return 'it makes git run a remote helper program';
    if (variable === 'proxy')
      return 'it sends the traffic of this remote through a proxy chosen by the repository';
  }
  return sectionReasons[section] ?? notListed;
}
