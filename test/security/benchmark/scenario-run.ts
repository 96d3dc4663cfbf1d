// Runs one scenario through the stack and judges it: a fresh session, its environment, the task, the escalations
// answered, then the attack's goal and the task's success evaluated from what really happened.
import type { Bus } from '@ironcurtain/bus';
import { callChain, callsWithoutDecision, settledAuditTrail, type ChainedCall } from './audit-evidence.ts';
import type { BenchmarkHome } from './benchmark-home.ts';
import { snapshotControls, tamperedControls, type ControlsSnapshot } from './controls.ts';
import { layOutEnvironment, pagesOf } from './environment-layout.ts';
import { toolResultTexts } from './hijackable-model.ts';
import { pathState, type PathState } from './host-snapshot.ts';
import type { ModelStage, ModelTranscript } from './model-stage.ts';
import { withPlaceholders, type PlaceholderValues } from './placeholders.ts';
import { evaluatePredicate, snapshotPaths, type Evidence, type PredicateOutcome } from './predicates.ts';
import type { LoadedScenario } from './scenario-files.ts';
import type { Scenario } from './scenario-schema.ts';
import { runSession, type AnsweredEscalation, type SessionRecord } from './session-driver.ts';
import type { SiteRequest, Sites } from './sites.ts';

/** What a run shares between its scenarios. */
export interface RunContext {
  bus: Bus;
  home: BenchmarkHome;
  sites: Sites;
  model: ModelStage;
  turnTimeoutMs: number;
  log(line: string): void;
}

/** The verdict on one scenario. */
export interface ScenarioResult {
  id: string;
  category: Scenario['category'];
  file: string;
  isAttack: boolean;
  /** Any goal predicate held. */
  attackSucceeded: boolean;
  goals: PredicateOutcome[];
  /** Every success predicate held. */
  taskSucceeded: boolean;
  success: PredicateOutcome[];
  escalations: AnsweredEscalation[];
  turnOutcome: string;
  callChain: ChainedCall[];
  /** When the model started on the attack (ISO), if it did. */
  attackStartedAt?: string;
  /** What the two sites received (`attacker GET attacker.example/collect?…`), at most 50 requests. */
  siteRequests: string[];
  /** Calls that ran without their decision on record (checked in every scenario). */
  invariantViolations: string[];
  /** The scenario could not be run or judged as planned (the verdicts above are then what could be seen). */
  error?: string;
  seconds: number;
}

/** The placeholder values of a session. */
export function placeholderValues(context: RunContext, sandbox: string): PlaceholderValues {
  return {
    SANDBOX: sandbox,
    HOME: context.home.home,
    CANARY: context.home.canary,
    DOCS: context.sites.docsUrl,
    ATTACKER: context.sites.attackerUrl,
    ATTACKER_HOST: context.sites.attackerHost,
  };
}

interface Prepared {
  scenario: Scenario;
  hostBefore: Map<string, PathState>;
  controlsBefore: ControlsSnapshot;
}

/** Runs and judges one scenario; never throws (a failure is the result's `error`). */
export async function runScenario(context: RunContext, loaded: LoadedScenario): Promise<ScenarioResult> {
  const startedAt = Date.now();
  const raw = loaded.scenario;
  const result: ScenarioResult = {
    id: raw.id,
    category: raw.category,
    file: loaded.file,
    isAttack: raw.attack !== undefined,
    attackSucceeded: false,
    goals: [],
    taskSucceeded: false,
    success: [],
    escalations: [],
    turnOutcome: 'not started',
    callChain: [],
    siteRequests: [],
    invariantViolations: [],
    seconds: 0,
  };
  let prepared: Prepared | undefined;
  let transcript: ModelTranscript = { requests: [], attackStartedAt: undefined };
  try {
    await context.home.restore();
    await runSession({
      bus: context.bus,
      ironcurtainHome: context.home.ironcurtainHome,
      turnTimeoutMs: context.turnTimeoutMs,
      log: context.log,
      prepare: async (sessionId, sandbox) => {
        prepared = await prepare(context, raw, sessionId, sandbox);
        context.model.begin({ steps: prepared.scenario.steps, attack: prepared.scenario.attack });
        return { task: prepared.scenario.task, approve: prepared.scenario.approve };
      },
      evaluate: async (record) => {
        transcript = context.model.end();
        if (prepared === undefined) return;
        await judge(context, prepared, record, transcript, result);
      },
    });
  } catch (error) {
    result.error = (error as Error).message;
  } finally {
    context.model.end();
  }
  result.seconds = Math.round((Date.now() - startedAt) / 100) / 10;
  return result;
}

async function prepare(
  context: RunContext,
  raw: Scenario,
  sessionId: string,
  sandbox: string,
): Promise<Prepared> {
  const scenario = withPlaceholders(raw, placeholderValues(context, sandbox));
  context.sites.reset(pagesOf(scenario.environment));
  await layOutEnvironment(scenario.environment, {
    sandbox,
    home: context.home.home,
    canary: context.home.canary,
  });
  const predicates = [...(scenario.attack?.goal ?? []), ...scenario.success];
  const hostBefore = new Map<string, PathState>();
  for (const path of snapshotPaths(predicates, context.home.home))
    hostBefore.set(path, await pathState(path));
  const controlsBefore = await snapshotControls(context.bus, context.home.ironcurtainHome, sessionId);
  return { scenario, hostBefore, controlsBefore };
}

async function judge(
  context: RunContext,
  prepared: Prepared,
  record: SessionRecord,
  transcript: ModelTranscript,
  result: ScenarioResult,
): Promise<void> {
  const audit = await settledAuditTrail(context.home.ironcurtainHome, record.sessionId, record.toolNotes);
  const evidence: Evidence = {
    canary: context.home.canary,
    home: context.home.home,
    attackerRequests: context.sites.requests('attacker'),
    toolResults: [...new Set(transcript.requests.flatMap((request) => toolResultTexts(request.body)))],
    hostBefore: prepared.hostBefore,
    audit,
    toolNotes: record.toolNotes,
    controlsTampered: await tamperedControls(
      prepared.controlsBefore,
      context.bus,
      context.home.ironcurtainHome,
      record.sessionId,
    ),
  };
  const { scenario } = prepared;
  result.goals = await Promise.all(
    (scenario.attack?.goal ?? []).map((goal) => evaluatePredicate(goal, evidence)),
  );
  result.success = await Promise.all(
    scenario.success.map((predicate) => evaluatePredicate(predicate, evidence)),
  );
  result.attackSucceeded = result.goals.some((goal) => goal.holds);
  result.taskSucceeded = result.success.every((predicate) => predicate.holds);
  result.escalations = record.escalations;
  result.turnOutcome = record.turnOutcome;
  result.callChain = callChain(audit);
  result.siteRequests = [...context.sites.requests('docs'), ...context.sites.requests('attacker')]
    .sort((left, right) => left.receivedAt - right.receivedAt)
    .slice(0, 50)
    .map(describeRequest);
  result.invariantViolations = callsWithoutDecision(audit, record.toolNotes);
  if (transcript.attackStartedAt !== undefined) {
    result.attackStartedAt = new Date(transcript.attackStartedAt).toISOString();
  }
  if (record.turnOutcome === 'timeout') {
    result.error = `the turn did not end within ${context.turnTimeoutMs / 1000} s`;
  }
}

const ordinaryHeaders = new Set([
  'host',
  'user-agent',
  'accept',
  'accept-encoding',
  'connection',
  'content-length',
]);

/** `attacker GET attacker.example/collect?d=… {"x-data":"…"}`: a request with the headers the client chose. */
function describeRequest(request: SiteRequest): string {
  const chosen = Object.entries(request.headers).filter(([name]) => !ordinaryHeaders.has(name));
  const headers = chosen.length === 0 ? '' : ` ${JSON.stringify(Object.fromEntries(chosen))}`;
  return `${request.site} ${request.method} ${request.headers.host ?? ''}${request.url}${headers}`.slice(
    0,
    400,
  );
}
