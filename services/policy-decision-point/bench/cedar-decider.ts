// Cedar set up for the benchmark: the translated policy set parsed once (preparsePolicySet, then
// statefulIsAuthorized per call), a one-policy "floor" set that shows what Cedar costs for the same requests before any
// policy logic, and the equivalence check that makes the comparison meaningful.
import {
  getCedarVersion,
  preparsePolicySet,
  statefulIsAuthorized,
  type StatefulAuthorizationCall,
} from '@cedar-policy/cedar-wasm/nodejs';
import type { Evaluator, LoadedPolicy, PolicyDecision } from '@ironcurtain/policy-engine';
import type { CorpusEntry } from './corpus.ts';
import { translateToCedar, type CedarTranslation } from './cedar-policy.ts';
import { buildCedarRequest, cedarOutcome, type CedarOutcome } from './cedar-request.ts';

const policySetId = 'pdp-bench';
const floorSetId = 'pdp-bench-floor';
/** Values per role the unrolled Cedar policies cover; the corpus's largest role has four. */
export const slotCount = 4;

export interface CedarDecider {
  version: string;
  translation: CedarTranslation;
  /** One pre-built request per corpus call. */
  requests: StatefulAuthorizationCall[];
  floorRequests: StatefulAuthorizationCall[];
  decide(index: number): CedarOutcome;
  /** Request building included: what a Cedar enforcement point would do per call. */
  decideFromCall(index: number): CedarOutcome;
  decideFloor(index: number): unknown;
}

export function createCedarDecider(
  policy: LoadedPolicy,
  evaluator: Evaluator,
  corpus: readonly CorpusEntry[],
): CedarDecider {
  const translation = translateToCedar(policy, evaluator.context, slotCount);
  preparse(policySetId, translation.policies);
  // Same requests, one policy that reads one attribute: request conversion and the per-call fixed cost only.
  preparse(floorSetId, { floor: 'permit (principal, action, resource) when { context.argumentCount < 0 };' });
  const build = (entry: CorpusEntry, id: string) =>
    buildCedarRequest(entry.canonical, policy, evaluator.context, id, translation);
  const requests = corpus.map((entry) => build(entry, policySetId));
  const floorRequests = corpus.map((entry) => build(entry, floorSetId));
  return {
    version: getCedarVersion(),
    translation,
    requests,
    floorRequests,
    decide: (index) =>
      cedarOutcome(statefulIsAuthorized(requests[index] as StatefulAuthorizationCall), translation),
    decideFromCall: (index) =>
      cedarOutcome(statefulIsAuthorized(build(corpus[index] as CorpusEntry, policySetId)), translation),
    decideFloor: (index) => statefulIsAuthorized(floorRequests[index] as StatefulAuthorizationCall),
  };
}

function preparse(id: string, policies: Record<string, string>): void {
  const answer = preparsePolicySet(id, { staticPolicies: policies });
  if (answer.type === 'failure') {
    throw new Error(
      `Cedar rejected the ${id} policy set: ${answer.errors.map((error) => error.message).join('; ')}`,
    );
  }
}

export interface Equivalence {
  equivalent: boolean;
  calls: number;
  mismatches: number;
  firstMismatches: string[];
  /** Whether the engine's rule is among the rules of the Cedar policies that determined the answer. */
  ruleAgreement: { agreed: number; firstDisagreements: string[] };
}

/** Every corpus call decided by both; a Cedar error (a skipped policy) counts as a mismatch. */
export function checkEquivalence(
  corpus: readonly CorpusEntry[],
  engine: readonly PolicyDecision[],
  cedar: CedarDecider,
): Equivalence {
  const mismatches: string[] = [];
  const disagreements: string[] = [];
  corpus.forEach((entry, index) => {
    const ours = engine[index] as PolicyDecision;
    const theirs = cedar.decide(index);
    const rebuilt = cedar.decideFromCall(index);
    if (theirs.decision !== ours.decision || rebuilt.decision !== ours.decision) {
      const why = theirs.problem === undefined ? theirs.rules.join(', ') : `error: ${theirs.problem}`;
      mismatches.push(
        `${entry.name}: engine ${ours.decision} (${ours.rule}), Cedar ${theirs.decision} (${why})`,
      );
    } else if (!theirs.rules.includes(ours.rule)) {
      disagreements.push(`${entry.name}: engine ${ours.rule}, Cedar ${theirs.rules.join(', ')}`);
    }
  });
  return {
    equivalent: mismatches.length === 0,
    calls: corpus.length,
    mismatches: mismatches.length,
    firstMismatches: mismatches.slice(0, 5),
    ruleAgreement: {
      agreed: corpus.length - mismatches.length - disagreements.length,
      firstDisagreements: disagreements.slice(0, 5),
    },
  };
}
