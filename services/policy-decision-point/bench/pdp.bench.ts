// npm run bench:pdp — the policy engine's decision latency on the shipped default policy against Cedar deciding the
// same calls with an equivalent policy (checked call by call), then pdp.evaluate.v1 decisions/s over NATS with one and
// two PDP replicas. Prints one JSON object; exits non-zero when Cedar, the replicas and the engine disagree, since
// timing different answers means nothing. Workspace packages load from dist: `npx tsc -b services/policy-decision-point`.
import { writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { createEvaluator, type PolicyDecision, type ToolCall } from '@ironcurtain/policy-engine';
import { createBenchWorld } from './bench-world.ts';
import { checkEquivalence, createCedarDecider, slotCount } from './cedar-decider.ts';
import { createCleanup } from './cleanup.ts';
import { buildCorpus } from './corpus.ts';
import { measureInterleaved, medianOf, round2, summarize } from './latency.ts';
import { measureOverNats } from './over-nats.ts';
import { loadPolicySource } from './policy-source.ts';

const rounds = Number(process.env['BENCH_ROUNDS'] ?? 12);
const passes = Number(process.env['BENCH_PASSES'] ?? 20);
const natsWindowMs = Number(process.env['BENCH_NATS_WINDOW_MS'] ?? 5000);
const concurrency = Number(process.env['BENCH_CONCURRENCY'] ?? 32);
const cedarOut = process.env['BENCH_CEDAR_OUT'];
const useFixture = process.env['BENCH_POLICY'] === 'fixture';
const minSpeedupP50 = 5;

// Other work on a shared machine shows up as noise; the load at the start says how much to expect.
const loadAtStart = loadavg()[0] ?? 0;
const cleanup = createCleanup();
let exitCode = 1;
try {
  const source = await loadPolicySource(useFixture);
  const world = await createBenchWorld(source.mcpServers);
  cleanup.add(world.dispose, world.dispose);
  const corpus = buildCorpus(world, source.policy);
  const evaluator = createEvaluator(source.policy, world.evaluatorOptions);
  const canonicalCalls = corpus.map((entry) => entry.canonical);
  const engineDecisions: PolicyDecision[] = canonicalCalls.map((call) => evaluator.evaluate(call));
  const cedar = createCedarDecider(source.policy, evaluator, corpus);
  if (cedarOut !== undefined)
    writeFileSync(cedarOut, Object.values(cedar.translation.policies).join('\n\n') + '\n');
  const equivalence = checkEquivalence(corpus, engineDecisions, cedar);

  const samples = measureInterleaved(
    [
      { name: 'engine', decide: (index) => evaluator.evaluate(canonicalCalls[index] as ToolCall) },
      { name: 'cedar', decide: cedar.decide },
      { name: 'cedarIncludingRequestBuild', decide: cedar.decideFromCall },
      { name: 'cedarFloor', decide: cedar.decideFloor },
    ],
    corpus.length,
    {
      rounds,
      passes,
      warmupPasses: { engine: 300, cedar: 20, cedarIncludingRequestBuild: 20, cedarFloor: 20 },
    },
  );
  const perCall = (name: string) => samples.get(name) ?? [];
  const engine = summarize(perCall('engine'));
  const cedarAuthorize = summarize(perCall('cedar'));
  const cedarWithBuild = summarize(perCall('cedarIncludingRequestBuild'));
  const cedarFloor = summarize(perCall('cedarFloor'));
  const ratioP50 = round2(cedarAuthorize.p50Us / engine.p50Us);
  const hotSpots = corpus
    .map((entry, index) => ({
      call: entry.name,
      decision: `${engineDecisions[index]?.decision} (${engineDecisions[index]?.rule})`,
      engineP50Us: medianOf(perCall('engine')[index] ?? []),
      cedarP50Us: medianOf(perCall('cedar')[index] ?? []),
    }))
    .sort((left, right) => right.engineP50Us - left.engineP50Us)
    .slice(0, 6);

  const overNats = await measureOverNats({
    world,
    policy: source.policy,
    artifacts: source.artifacts,
    corpus,
    engineDecisions: engineDecisions.map((decision) => decision.decision),
    concurrency,
    windowMs: natsWindowMs,
    warmupMs: 1000,
    cleanup,
  });

  const count = (decision: string) => engineDecisions.filter((entry) => entry.decision === decision).length;
  const unexpected = corpus.flatMap((entry, index) =>
    entry.expected === engineDecisions[index]?.decision
      ? []
      : [`${entry.name}: expected ${entry.expected}, engine ${engineDecisions[index]?.decision}`],
  );
  const result = {
    bench: 'pdp',
    node: process.versions.node,
    machine: { cores: availableParallelism(), loadAverage1mAtStart: round2(loadAtStart) },
    policy: source.kind,
    ...(source.fallbackReason === undefined ? {} : { fallbackReason: source.fallbackReason }),
    policyHash: source.policy.policyHash,
    rules: source.policy.compiledPolicy.rules.length,
    corpus: {
      calls: corpus.length,
      decisions: { allow: count('allow'), deny: count('deny'), escalate: count('escalate') },
      // Only meaningful on the shipped policy: the corpus says what it should decide.
      unexpectedDecisions: source.kind === 'shipped-default' ? unexpected : 'not checked on the fixture',
    },
    baseline:
      'Cedar deciding the same canonical calls with an equivalent policy, same process, interleaved rounds',
    engine,
    cedar: cedarAuthorize,
    cedarIncludingRequestBuild: cedarWithBuild,
    cedarFloor,
    ratioP50,
    ratioP99: round2(cedarAuthorize.p99Us / engine.p99Us),
    ratioP50VsCedarFloor: round2(cedarFloor.p50Us / engine.p50Us),
    target: { minSpeedupP50, met: ratioP50 >= minSpeedupP50 },
    equivalent: equivalence.equivalent,
    equivalence,
    cedarPolicy: {
      version: cedar.version,
      api: 'preparsePolicySet once, statefulIsAuthorized per call',
      policies: Object.keys(cedar.translation.policies).length,
      characters: Object.values(cedar.translation.policies).join('').length,
      valueSlotsPerRole: slotCount,
      encoding: [
        'principal Agent, action Action::"server/tool", resource Server::"server"; canonical values by role in the context',
        'within: == dir || like "dir/*"; domains: host ==, like "*.x", !ip for "*", canonical == for repo patterns',
        'escalate = forbid @decision("escalate"); Deny determined only by escalate forbids maps to escalate',
        'first matching rule = matches && no earlier applicable rule matches (Cedar has no rule order)',
        `every value / element-wise discharge unrolled over ${slotCount} slots per role (Cedar cannot quantify over a set)`,
        'engine early returns (introspection, domain gate) become guards on the forbids that would otherwise override them',
      ],
      notes: {
        cedar: 'prebuilt requests: statefulIsAuthorized + mapping the answer; the headline ratio uses this',
        cedarIncludingRequestBuild: 'the call → request step (roles resolved, values featured) included',
        cedarFloor: 'the same requests against a one-policy set: Cedar cost before any policy logic',
      },
    },
    engineHotSpots: hotSpots,
    overNats: {
      ...overNats,
      note:
        `shared 2-core machine: the ${concurrency} callers and the mcpgw.prepare responder (one bench process), ` +
        'nats-server and ' +
        'the replicas share the cores with whatever else runs there. cpuCoresUsed.wholeMachine counts every ' +
        'process; while it is well under 2, throughput is bounded by the CPU each decision costs along the chain ' +
        'client → replica → prepare (bench process) → replica → client, and a second replica only splits the ' +
        "replica's part of it",
    },
  };
  console.log(JSON.stringify(result, null, 2));
  exitCode = equivalence.equivalent && overNats.decisionsMatchEngine ? 0 : 1;
  if (exitCode !== 0)
    console.error('pdp bench: Cedar, the PDP replicas and the engine do not all agree; see the JSON');
} catch (error) {
  console.error(`pdp bench failed: ${(error as Error).stack ?? String(error)}`);
} finally {
  await cleanup.run();
  process.exitCode = exitCode;
}
