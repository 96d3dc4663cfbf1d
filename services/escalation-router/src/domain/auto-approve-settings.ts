/** The auto-approver model when none is configured. */
export const defaultAutoApproveModel = 'anthropic:claude-haiku-4-5';

/** Whether the auto-approver runs, and with which model. */
export interface AutoApproveSettings {
  isEnabled: boolean;
  modelId: string;
}

/**
 * The auto-approver's settings from the router's environment alone: ESCALATION_AUTO_APPROVE (off when unset) and
 * ESCALATION_AUTO_APPROVE_MODEL. The router never reads config.json: `ironcurtain up` (and `deploy init` for
 * compose) turns its `autoApprove` into these two variables, an environment variable winning over the file.
 */
export function autoApproveSettingsOf(env: {
  enabled?: boolean | undefined;
  modelId?: string | undefined;
}): AutoApproveSettings {
  return { isEnabled: env.enabled ?? false, modelId: env.modelId ?? defaultAutoApproveModel };
}
