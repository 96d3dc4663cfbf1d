import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { z } from 'zod';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import {
  computePolicyHash,
  policyFileNames,
  type LoadedPolicy,
  type RawPolicyArtifacts,
} from '@ironcurtain/policy-engine';
import { PolicyBundle } from '@ironcurtain/proto-schemas';
import { describeJsonSyntaxError } from '../json-line.js';
import { loadPolicyFolder } from './policy-folder.js';

/** A policy folder validated by the engine, and its artifacts exactly as read, for the bundle. */
export interface PolicyForActivation {
  policy: LoadedPolicy;
  raw: Pick<RawPolicyArtifacts, 'compiledPolicy' | 'toolAnnotations' | 'dynamicLists'>;
}

/**
 * Loads and validates `directory` with the engine (errors name the file and JSON path), then reads the artifacts
 * again as plain JSON: the bundle carries them as written (`@list` references unexpanded), and the PDP validates
 * them itself. Equal hashes prove both reads saw the same files.
 */
export async function loadPolicyForActivation(directory: string): Promise<PolicyForActivation> {
  const policy = await loadPolicyFolder(directory);
  const [compiledPolicy, toolAnnotations, dynamicLists] = await Promise.all([
    readJson(directory, policyFileNames.compiledPolicy),
    readJson(directory, policyFileNames.toolAnnotations),
    readJson(directory, policyFileNames.dynamicLists),
  ]);
  const raw = { compiledPolicy, toolAnnotations, dynamicLists };
  if (computePolicyHash(raw) !== policy.policyHash) {
    throw new AppError(
      ErrorCode.Conflict,
      `the policy in ${directory} changed while it was being read; run \`ironcurtain policy activate\` again`,
    );
  }
  return { policy, raw };
}

/** Who activated the policy, when, and from where. */
export interface ActivationFacts {
  activatedAt: Date;
  activatedBy: string;
  /** The policy folder, absolute. */
  source: string;
}

/** The KV bundle for `policy/active`, checked against its schema. */
export function buildPolicyBundle(
  activation: PolicyForActivation,
  facts: ActivationFacts,
): z.output<typeof PolicyBundle> {
  return PolicyBundle.parse({
    version: 1,
    policyHash: activation.policy.policyHash,
    activatedAt: facts.activatedAt.toISOString(),
    activatedBy: facts.activatedBy,
    source: facts.source,
    compiledPolicy: activation.raw.compiledPolicy,
    toolAnnotations: activation.raw.toolAnnotations,
    ...(activation.raw.dynamicLists === undefined ? {} : { dynamicLists: activation.raw.dynamicLists }),
  });
}

// Absent (optional dynamic lists) is undefined; the engine already reported a missing required file.
async function readJson(directory: string, fileName: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(join(directory, fileName), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new AppError(ErrorCode.ConfigInvalid, `${fileName}: cannot be read in ${directory}`, {
      cause: error,
    });
  }
  const syntaxProblem = describeJsonSyntaxError(text);
  if (syntaxProblem !== undefined)
    throw new AppError(ErrorCode.ConfigInvalid, `${fileName} in ${directory}: ${syntaxProblem}`);
  return JSON.parse(text) as unknown;
}
