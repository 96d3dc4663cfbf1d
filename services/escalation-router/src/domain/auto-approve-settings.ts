import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

/** The auto-approver model when none is configured. */
export const defaultAutoApproveModel = 'anthropic:claude-haiku-4-5';

/** Whether the auto-approver runs, and with which model. */
export interface AutoApproveSettings {
  isEnabled: boolean;
  modelId: string;
}

const settingsFile = z.looseObject({
  autoApprove: z
    .object({ enabled: z.boolean().optional(), modelId: z.string().min(1).optional() })
    .optional(),
});

/** What config.json says about the auto-approver, and any problem reading it. */
export interface FileSettings {
  autoApprove?: { enabled?: boolean | undefined; modelId?: string | undefined } | undefined;
  problem?: string;
}

/**
 * Reads `autoApprove` from `IRONCURTAIN_HOME/config.json`. A missing file is no settings; a file that is not JSON
 * or whose `autoApprove` is malformed is reported as a problem (and the auto-approver then stays off).
 */
export async function readFileSettings(home: string): Promise<FileSettings> {
  const path = join(home, 'config.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    return { problem: `cannot read ${path}: ${(error as Error).message}` };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { problem: `${path} is not valid JSON (\`ironcurtain doctor\` locates the error)` };
  }
  const parsed = settingsFile.safeParse(json);
  if (!parsed.success) {
    return { problem: `${path}: autoApprove must be { "enabled": boolean, "modelId": "provider:model" }` };
  }
  return { autoApprove: parsed.data.autoApprove };
}

/**
 * Merges config.json with the environment, the environment winning: ESCALATION_AUTO_APPROVE over
 * `autoApprove.enabled`, ESCALATION_AUTO_APPROVE_MODEL over `autoApprove.modelId`. Off unless one of them turns it
 * on; a problem with the file keeps it off unless the environment turns it on.
 */
export function mergeAutoApproveSettings(
  file: FileSettings,
  env: { enabled?: boolean | undefined; modelId?: string | undefined },
): AutoApproveSettings {
  const fileEnabled = file.problem === undefined ? file.autoApprove?.enabled : undefined;
  return {
    isEnabled: env.enabled ?? fileEnabled ?? false,
    modelId: env.modelId ?? file.autoApprove?.modelId ?? defaultAutoApproveModel,
  };
}
