import { generateText, Output, type LanguageModel } from 'ai';
import { z } from 'zod';
import {
  autoApprovalFacts,
  autoApprovalInstructions,
  autoApprovalPrompt,
  type AutoApprovalFacts,
} from './auto-approval-prompt.js';
import type { RoledCall } from './role-values.js';

/** The model's structured answer. There is no "deny": the auto-approver can only approve or pass to a human. */
export const autoApprovalAnswer = z.object({
  decision: z.enum(['approve', 'escalate']),
  reasoning: z.string().max(2000),
});

/** What the auto-approver concluded; `escalate` also covers every error. */
export interface AutoApprovalVerdict {
  decision: 'approve' | 'escalate';
  reasoning: string;
  /** What the model was shown (for logs and tests). */
  facts?: AutoApprovalFacts;
}

/** Reviews escalated calls with one structured-output LLM call each. */
export interface AutoApprover {
  readonly modelId: string;
  review(
    call: RoledCall & { serverName: string; toolName: string; reason: string },
    userMessage: string | undefined,
  ): Promise<AutoApprovalVerdict>;
}

/**
 * An auto-approver on `model`. One call per review, no retries, bounded by `timeoutMs`; a missing user message, a
 * provider error, a timeout or an answer that does not fit {@link autoApprovalAnswer} all pass the call to a human.
 */
export function createAutoApprover(settings: {
  model: LanguageModel;
  modelId: string;
  timeoutMs: number;
  onError?: (error: unknown) => void;
}): AutoApprover {
  return {
    modelId: settings.modelId,
    async review(call, userMessage) {
      if (userMessage === undefined || userMessage.trim() === '') {
        return { decision: 'escalate', reasoning: 'no user message to judge the call against' };
      }
      const facts = autoApprovalFacts(call, userMessage);
      try {
        const { output } = await generateText({
          model: settings.model,
          system: autoApprovalInstructions,
          prompt: autoApprovalPrompt(facts),
          output: Output.object({ schema: autoApprovalAnswer, name: 'auto_approval' }),
          temperature: 0,
          maxOutputTokens: 400,
          maxRetries: 0,
          abortSignal: AbortSignal.timeout(settings.timeoutMs),
        });
        return { decision: output.decision, reasoning: output.reasoning, facts };
      } catch (error) {
        settings.onError?.(error);
        return { decision: 'escalate', reasoning: 'the auto-approver failed; a human decides', facts };
      }
    },
  };
}
