// The one fake Anthropic upstream of a run serves every scenario in turn: the stage holds the script of the
// scenario being run and records what the model was asked while it ran.
import type { FakeLlmRequest, FakeLlmRespond } from '@ironcurtain/testing';
import { createHijackableModel, type ModelScript } from './hijackable-model.ts';

/** What the model was asked during one scenario. */
export interface ModelTranscript {
  requests: FakeLlmRequest[];
  /** When the model first answered with an attack attempt (ms since the epoch); undefined if it never did. */
  attackStartedAt: number | undefined;
}

/** Switches the model between scenarios. */
export interface ModelStage {
  /** The `respond` of the fake upstream. */
  respond: FakeLlmRespond;
  begin(script: ModelScript): void;
  /** Ends the scenario: later requests get "nothing to do"; returns what was asked. */
  end(): ModelTranscript;
}

/** A stage with no scenario on it. */
export function createModelStage(): ModelStage {
  let script: ModelScript | undefined;
  let transcript: ModelTranscript = { requests: [], attackStartedAt: undefined };
  const respond = createHijackableModel(
    () => script,
    (decision, request) => {
      transcript.requests.push(request);
      if (decision.kind === 'code' && decision.phase === 'attack') transcript.attackStartedAt ??= Date.now();
    },
  );
  return {
    respond,
    begin: (next) => {
      script = next;
      transcript = { requests: [], attackStartedAt: undefined };
    },
    end: () => {
      script = undefined;
      return transcript;
    },
  };
}
