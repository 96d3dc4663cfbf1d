import { resolveHome } from '@ironcurtain/config';
import { loadUserConfig, type ResolvedUserConfig } from '@ironcurtain/user-config';
import { formatVersion, isAtLeast, parseVersion, type Version } from '../cli-version.js';
import type { CommandResult, FindExecutable, RunCommand } from './command-runner.js';
import { checkAgentImages } from './doctor-agent-checks.js';
import { checkHome } from './doctor-home-checks.js';
import { checkServerSandboxes } from './doctor-sandbox-checks.js';
import { checkSignal } from './doctor-signal-checks.js';
import { ok, problem, warning, type CheckResult } from './doctor-result.js';

/** Everything the checks look at, passed in so tests can run them against a fake PATH and a temporary home. */
export interface DoctorEnvironment {
  env: Record<string, string | undefined>;
  /** `process.version` of the Node running the CLI. */
  nodeVersion: string;
  /** The user's home folder, for the default IRONCURTAIN_HOME. */
  homeDirectory: string;
  findExecutable: FindExecutable;
  runCommand: RunCommand;
}

/** The API keys the LLM clients read. Only whether each is set is ever reported. */
export const llmApiKeyVariables = [
  'ANTHROPIC_API_KEY',
  'OPENAI_API_KEY',
  'GOOGLE_GENERATIVE_AI_API_KEY',
] as const;

const minimumNode: Version = { major: 22, minor: 12, patch: 0 };
const recommendedNodeMajor = 24;
// The version the stack is tested with (Debian's); JetStream KV needs at least 2.7.
const minimumNatsServer: Version = { major: 2, minor: 9, patch: 0 };
const setupFix = 'run ./scripts/setup';

/** Runs every check; the order is the order of the report. */
export async function runDoctorChecks(environment: DoctorEnvironment): Promise<CheckResult[]> {
  const [natsServer, docker, bubblewrap, servers, agentImages] = await Promise.all([
    checkNatsServer(environment),
    checkDocker(environment),
    checkBubblewrap(environment),
    checkServerSandboxes(environment.env, environment.findExecutable),
    checkAgentImages(environment.env),
  ]);
  const home = resolveHome(environment.env['IRONCURTAIN_HOME'], environment.homeDirectory);
  // An unreadable or invalid config.json is the home check's finding; here it only means no key from the file.
  const fileConfig = (await loadUserConfig(home).catch(() => undefined))?.config;
  const fileKeys = fileConfig?.apiKeys;
  return [
    checkNodeVersion(environment.nodeVersion),
    natsServer,
    docker,
    bubblewrap,
    checkApiKeys(environment.env, fileKeys),
    ...(await checkHome(home)),
    ...servers,
    ...agentImages,
    ...(await checkSignal(environment.env, fileConfig)),
  ];
}

/** Node >= 22.12 is required, 24 recommended. */
export function checkNodeVersion(nodeVersion: string): CheckResult {
  const version = parseVersion(nodeVersion);
  const fix = `${setupFix} (installs Node ${recommendedNodeMajor}), or put Node ${recommendedNodeMajor} first on PATH`;
  if (version === undefined || !isAtLeast(version, minimumNode)) {
    return problem(
      'node',
      `Node ${nodeVersion} is too old: IronCurtain needs >= ${formatVersion(minimumNode)}`,
      fix,
    );
  }
  if (version.major < recommendedNodeMajor) {
    return warning('node', `Node ${nodeVersion} works; Node ${recommendedNodeMajor} is recommended`, fix);
  }
  return ok('node', `Node ${nodeVersion}`);
}

async function checkNatsServer(environment: DoctorEnvironment): Promise<CheckResult> {
  const install = `apt-get install nats-server, or ${setupFix}`;
  const path = await environment.findExecutable('nats-server');
  if (path === undefined) {
    const externalUrl = environment.env['NATS_URL'];
    if (externalUrl !== undefined && externalUrl !== '') {
      return warning('nats-server', 'nats-server is not on PATH; not needed while NATS_URL is set', install);
    }
    return problem('nats-server', 'nats-server is not on PATH: `ironcurtain up` needs it', install);
  }
  const result = await environment.runCommand(path, ['--version']);
  const version = result.exitCode === 0 ? parseVersion(result.stdout + result.stderr) : undefined;
  if (version === undefined) {
    return problem(
      'nats-server',
      `\`${path} --version\` failed: ${describeFailure(result)}`,
      `reinstall it: ${install}`,
    );
  }
  if (!isAtLeast(version, minimumNatsServer)) {
    const summary = `nats-server ${formatVersion(version)} (${path}) is older than ${formatVersion(minimumNatsServer)}`;
    return problem('nats-server', summary, `upgrade it: ${install}`);
  }
  return ok('nats-server', `nats-server ${formatVersion(version)} (${path})`);
}

async function checkDocker(environment: DoctorEnvironment): Promise<CheckResult> {
  const purpose = 'needed only for agents in containers';
  const path = await environment.findExecutable('docker');
  if (path === undefined) {
    return warning('docker', `docker is not on PATH (${purpose})`, 'apt-get install docker.io');
  }
  // `docker version` asks the engine too, through whatever DOCKER_HOST or context the user has set up.
  const result = await environment.runCommand(path, ['version', '--format', '{{.Server.Version}}']);
  const engineVersion = result.stdout.trim();
  if (result.exitCode !== 0 || engineVersion === '') {
    return warning(
      'docker',
      `docker client at ${path}, but the engine does not answer (${purpose}): ${describeFailure(result)}`,
      'start the engine (systemctl start docker, or dockerd) or point DOCKER_HOST at it',
    );
  }
  return ok('docker', `docker engine ${engineVersion} answers (client ${path})`);
}

async function checkBubblewrap(environment: DoctorEnvironment): Promise<CheckResult> {
  const purpose = 'needed to sandbox MCP servers';
  const path = await environment.findExecutable('bwrap');
  if (path === undefined) {
    return warning(
      'bubblewrap',
      `bubblewrap (bwrap) is not on PATH: ${purpose}`,
      'apt-get install bubblewrap',
    );
  }
  const result = await environment.runCommand(path, ['--version']);
  const version = result.exitCode === 0 ? parseVersion(result.stdout) : undefined;
  if (version === undefined) {
    return warning(
      'bubblewrap',
      `\`${path} --version\` failed (${purpose}): ${describeFailure(result)}`,
      'reinstall it: apt-get install bubblewrap',
    );
  }
  return ok('bubblewrap', `bubblewrap ${formatVersion(version)} (${path})`);
}

/** Which LLM API keys are set. Reports names only: no value, and no part of one, ever reaches the output. */
export function checkApiKeys(
  env: Record<string, string | undefined>,
  fileKeys: ResolvedUserConfig['apiKeys'] = {},
): CheckResult {
  const isSet = (name: string): boolean => (env[name] ?? '').trim() !== '';
  const listing = llmApiKeyVariables
    .map((name) => `${name} ${isSet(name) ? 'present' : 'absent'}`)
    .join(', ');
  // The providers whose key config.json holds (the environment's wins when both are set).
  const inFile = Object.entries(fileKeys)
    .filter(([, key]) => key !== undefined && key.trim() !== '')
    .map(([provider]) => provider);
  const fromFile = inFile.length === 0 ? '' : `; config.json holds keys for ${inFile.join(', ')}`;
  if (!llmApiKeyVariables.some(isSet) && inFile.length === 0) {
    return warning(
      'llm-api-keys',
      `no LLM API key set (${listing}; none in config.json)`,
      `run \`ironcurtain setup\`, or export one of ${llmApiKeyVariables.join(', ')} before \`ironcurtain start\``,
    );
  }
  return ok('llm-api-keys', `${listing}${fromFile}`);
}

function describeFailure(result: CommandResult): string {
  if (result.failure !== undefined) return result.failure;
  const firstLine = result.stderr.trim().split('\n')[0] ?? '';
  const shown = firstLine.length > 160 ? `${firstLine.slice(0, 160)}…` : firstLine;
  return `exit code ${result.exitCode}${shown === '' ? '' : `: ${shown}`}`;
}
