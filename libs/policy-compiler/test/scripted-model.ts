// A scripted model behind a fake provider: it answers each pipeline task the way a capable model would, from the
// shipped policy, with the faults a real model makes (broken JSON, schema violations, a wrong rule) injected where
// a test asks for them. Answers are text with JSON inside, as real models write them.
import type { FakeLlmRequest, FakeLlmRespond } from '@ironcurtain/testing';
import { fakeRequestText } from '@ironcurtain/testing';
import type { CompiledRule, TestScenario } from '@ironcurtain/policy-engine';
import type { ShippedPolicy } from './compile-fixtures.js';

/** Which mistakes the scripted model makes. */
export interface ScriptFaults {
  /** filesystem annotation: turn 1 broken JSON, turn 2 one argument missing, turn 3 right. */
  annotationErrors?: boolean;
  /** git annotation: turn 1 a condition on an argument the tool does not have. */
  badCondition?: boolean;
  /** fetch rules: turn 1 a "deny" rule (not allowed), turn 2 right. */
  ruleSchemaViolation?: boolean;
  /** filesystem rules: allow-write-downloads also covers delete-path (a move out of ~/Downloads is allowed). */
  wrongRule?: boolean;
  /** Whether the repair fixes the wrong rule (false: it sends the same wrong rule back, every round). */
  repairFixes?: boolean;
  /** filesystem scenarios include one that breaks the tool schema, one against the sandbox invariant and one whose
   * expectation is wrong (the judge blames the scenario). */
  badScenarios?: boolean;
}

export const wrongRuleName = 'allow-write-downloads';
export const wrongScenarioDescription = 'Read a report in ~/Documents (scripted mistake: expects deny)';

/** Every request's task, in order, for assertions. */
export function taskOf(request: FakeLlmRequest): string {
  return /TASK: ([a-z-]+)/.exec(fakeRequestText(request))?.[1] ?? 'unknown';
}

/** A `respond` for startFakeAnthropic / startFakeOpenAI. */
export function scriptedModel(shipped: ShippedPolicy, faults: ScriptFaults = {}): FakeLlmRespond {
  return (request) => {
    const messages = (request.body?.messages ?? []) as Array<{ role: string; content: unknown }>;
    const first = fakeRequestText({ ...request, body: { messages: messages.slice(0, 1) } });
    const turn = messages.filter((message) => message.role === 'user').length;
    const server = /^Server: (\S+)/m.exec(first)?.[1] ?? '';
    switch (taskOf(request)) {
      case 'annotate-tool-arguments':
        return { text: annotate(shipped, server, first, turn, faults) };
      case 'compile-rules':
        return { text: compileRules(shipped, server, first, turn, faults) };
      case 'resolve-list':
        return {
          text: json({
            values: shipped.dynamicLists.lists[/List "([^"]+)"/.exec(first)?.[1] ?? '']?.values ?? [],
          }),
        };
      case 'generate-scenarios':
        return { text: json({ scenarios: scenarios(shipped, server, faults) }) };
      case 'judge-failures':
        return { text: json({ verdicts: judge(first) }) };
      case 'repair-rules':
        return {
          text: json({
            operations: [
              {
                op: 'update',
                name: wrongRuleName,
                rule: filesystemDownloadsRule(shipped, faults.repairFixes !== false),
              },
            ],
          }),
        };
      default:
        return { error: { status: 400, message: 'scripted model: unknown task' } };
    }
  };
}

function json(value: unknown): string {
  return `Here is the answer.\n\n\`\`\`json\n${JSON.stringify(value, null, 1)}\n\`\`\`\n`;
}

function annotate(
  shipped: ShippedPolicy,
  server: string,
  prompt: string,
  turn: number,
  faults: ScriptFaults,
): string {
  const listed = JSON.parse(prompt.slice(prompt.indexOf('['))) as Array<{ name: string }>;
  const known = shipped.toolAnnotations.servers[server]?.tools ?? [];
  const tools = listed.map(({ name }) => {
    const annotation = known.find((tool) => tool.toolName === name);
    return {
      toolName: name,
      comment: annotation?.comment ?? '',
      args: structuredClone(annotation?.args ?? {}),
    };
  });
  if (faults.annotationErrors === true && server === 'filesystem') {
    if (turn === 1) return json({ tools }).slice(0, 400);
    if (turn === 2 && tools[0] !== undefined) delete tools[0].args[Object.keys(tools[0].args)[0] ?? ''];
  }
  if (faults.badCondition === true && server === 'git' && turn === 1) {
    const conditional = tools
      .flatMap((tool) => Object.values(tool.args))
      .find((spec) => !Array.isArray(spec));
    if (conditional !== undefined && !Array.isArray(conditional) && conditional.when[0] !== undefined) {
      conditional.when[0].condition = { arg: 'operation', equals: 'list' };
    }
  }
  return json({ tools });
}

function compileRules(
  shipped: ShippedPolicy,
  server: string,
  prompt: string,
  turn: number,
  faults: ScriptFaults,
): string {
  const clauses = [...prompt.matchAll(/^\[([BU]\d+)\](?: \(([^)]+)\))? (.*)$/gm)].map((match) => ({
    id: match[1] ?? '',
    section: match[2],
  }));
  const rules = shipped.compiledPolicy.rules
    .filter((rule) => rule.if.server?.includes(server))
    .map((rule) => {
      const base =
        rule.name === wrongRuleName && faults.wrongRule === true
          ? filesystemDownloadsRule(shipped, false)
          : rule;
      return { ...base, if: { ...base.if, server: [server] }, clauses: clausesOf(base, clauses) };
    });
  if (faults.ruleSchemaViolation === true && server === 'fetch' && turn === 1 && rules[0] !== undefined) {
    rules[0] = { ...rules[0], then: 'deny' };
  }
  const usedLists = new Set(
    JSON.stringify(rules)
      .match(/@[a-z-]+/g)
      ?.map((name) => name.slice(1)),
  );
  const lists = (shipped.compiledPolicy.listDefinitions as Array<{ name: string }>).filter((list) =>
    usedLists.has(list.name),
  );
  return json({ rules, lists });
}

function clausesOf(
  rule: CompiledRule,
  clauses: Array<{ id: string; section: string | undefined }>,
): string[] {
  const sections = [...rule.principle.matchAll(/\(([A-Za-z]+)\)/g)].map((match) => match[1]);
  const bases = [...rule.principle.matchAll(/Base principle (\d+)/g)].map((match) => `B${match[1]}`);
  return clauses
    .filter(
      (clause) =>
        bases.includes(clause.id) || (clause.section !== undefined && sections.includes(clause.section)),
    )
    .map((clause) => clause.id);
}

function filesystemDownloadsRule(
  shipped: ShippedPolicy,
  isRight: boolean,
): CompiledRule & { clauses?: string[] } {
  const rule = shipped.compiledPolicy.rules.find((candidate) => candidate.name === wrongRuleName);
  if (rule === undefined) throw new Error('the shipped policy has no allow-write-downloads');
  const roles: Array<'write-path' | 'delete-path'> = isRight ? ['write-path'] : ['write-path', 'delete-path'];
  return { ...rule, if: { ...rule.if, paths: { roles, within: '~/Downloads' } } };
}

function scenarios(
  shipped: ShippedPolicy,
  server: string,
  faults: ScriptFaults,
): Array<Omit<TestScenario, 'source'>> {
  const own = shipped.testScenarios.scenarios.filter((scenario) => scenario.request.serverName === server);
  const generated = own.filter((scenario) => scenario.source === 'generated');
  const chosen = (
    generated.length > 0
      ? generated
      : own.filter(
          (scenario) =>
            !scenario.description.startsWith('invalid') && !scenario.description.startsWith('unknown'),
        )
  ).map(({ source: _source, ...scenario }) => ({ ...scenario, category: 'positive' }));
  if (faults.badScenarios !== true || server !== 'filesystem') return chosen;
  return [
    ...chosen,
    {
      description: 'Write with an argument the tool does not take (scripted mistake)',
      request: {
        serverName: 'filesystem',
        toolName: 'write_file',
        arguments: { path: 'a.txt', content: 'x', mode: 'append' },
      },
      expectedDecision: 'allow',
      reasoning: 'The sandbox is open.',
    },
    {
      description: 'Write a file in the sandbox (scripted mistake: expects deny)',
      request: {
        serverName: 'filesystem',
        toolName: 'write_file',
        arguments: { path: 'notes.txt', content: 'x' },
      },
      expectedDecision: 'deny',
      reasoning: 'Writing is risky.',
    },
    {
      description: wrongScenarioDescription,
      request: {
        serverName: 'filesystem',
        toolName: 'read_text_file',
        arguments: { path: '~/Documents/report.txt' },
      },
      expectedDecision: 'deny',
      reasoning: 'Documents are private.',
    },
  ];
}

function judge(
  prompt: string,
): Array<{ scenario: number; blame: string; rule?: string; explanation: string }> {
  return [...prompt.matchAll(/^scenario (\d+) \((\w+)\) "([^"]*)"/gm)].map((match) =>
    match[3] === wrongScenarioDescription
      ? {
          scenario: Number(match[1]),
          blame: 'scenario',
          explanation: 'The user guidance lets the agent read ~/Documents.',
        }
      : {
          scenario: Number(match[1]),
          blame: 'rule',
          rule: wrongRuleName,
          explanation: 'allow-write-downloads also covers delete-path, but ~/Downloads may not lose files.',
        },
  );
}
