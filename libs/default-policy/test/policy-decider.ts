import { mkdir, mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readMcpConfig, serverDomainsOf } from '@ironcurtain/mcp-config';
import {
  createEvaluator,
  loadPolicyDirectory,
  prepareToolCall,
  type PolicyDecision,
  type ToolCall,
} from '@ironcurtain/policy-engine';
import { defaultPolicyDir } from '@ironcurtain/default-policy';

/** What the shipped policy decides for a call, and by which rule. */
export interface Verdict {
  decision: PolicyDecision['decision'];
  rule: string;
}

/** The shipped policy, ready to decide calls the way the gateway prepares them and the PDP evaluates them. */
export interface ShippedPolicy {
  /** The session sandbox the calls are decided for (empty; relative paths resolve against it). */
  sandboxDir: string;
  /** The home directory `~` points to (empty; a test puts in it the files its calls need). */
  homeDir: string;
  /** With the domain gates of the shipped mcp-servers.json, as `policy verify` and a PDP given the config decide. */
  decideWithGates(call: ToolCall): Verdict;
  /** With no domain gates, as under an MCP server config whose servers declare no domains. */
  decideWithoutGates(call: ToolCall): Verdict;
  close(): Promise<void>;
}

/** Loads libs/default-policy/policy for a fresh, empty sandbox and home directory. */
export async function loadShippedPolicy(): Promise<ShippedPolicy> {
  const root = await realpath(await mkdtemp(join(tmpdir(), 'default-policy-')));
  const sandboxDir = join(root, 'sandbox');
  const homeDir = join(root, 'home');
  await mkdir(sandboxDir);
  await mkdir(homeDir);
  const policy = await loadPolicyDirectory(defaultPolicyDir);
  const gates = serverDomainsOf(await readMcpConfig(join(defaultPolicyDir, 'mcp-servers.json')));
  const decider = (serverDomains: Record<string, string[]>) => {
    const evaluator = createEvaluator(policy, { sandboxDir, homeDir, serverDomains });
    return (call: ToolCall): Verdict => {
      const annotation = policy.annotations.get(call.serverName)?.get(call.toolName);
      const prepared = prepareToolCall(
        call,
        { annotation },
        { sandboxDir, homeDir, isContainerSession: false },
      );
      if (!prepared.ok) return { decision: 'deny', rule: prepared.rule };
      const { decision, rule } = evaluator.evaluate(prepared.call);
      return { decision, rule };
    };
  };
  return {
    sandboxDir,
    homeDir,
    decideWithGates: decider(gates),
    decideWithoutGates: decider({}),
    close: () => rm(root, { recursive: true, force: true }),
  };
}

/** An http_fetch call of `url`. */
export function fetchCall(url: string): ToolCall {
  return { serverName: 'fetch', toolName: 'http_fetch', arguments: { url } };
}
