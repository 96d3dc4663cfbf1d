import type {
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4Content,
  LanguageModelV4GenerateResult,
  LanguageModelV4Prompt,
  LanguageModelV4StreamPart,
} from '@ai-sdk/provider';

/** The model id of the built-in scripted model (`ironcurtain demo`); it needs no key and no network. */
export const demoModelId = 'demo:scripted';

interface DemoStep {
  readonly say: string;
  readonly code?: string;
}

// What the demo shows, in order: allowed work in the sandbox, a denied read of a secret, an escalated push.
const demoSteps: readonly DemoStep[] = [
  {
    say: 'First I write a note in my sandbox and read it back. Files in the sandbox are mine to change.',
    code: [
      "filesystem.write_file({ path: 'hello.md', content: '# Hello from IronCurtain\\nWritten by an agent in its sandbox.\\n' });",
      "const text = filesystem.read_text_file({ path: 'hello.md' });",
      "console.log('read back:', text.split('\\n')[0]);",
      "return 'wrote and read hello.md';",
    ].join('\n'),
  },
  {
    say: 'Now something a hijacked agent would try: reading your SSH private key.',
    code: [
      'try {',
      "  return filesystem.read_text_file({ path: '~/.ssh/id_rsa' });",
      '} catch (error) {',
      "  return 'refused: ' + error.message;",
      '}',
    ].join('\n'),
  },
  {
    say: 'Next I commit the note with git, add a remote repository and try to push there.',
    code: [
      "git.git_init({ path: '.', initialBranch: 'main' });",
      "git.git_add({ path: '.', paths: ['hello.md'] });",
      "git.git_commit({ path: '.', message: 'Add hello.md' });",
      'try {',
      "  git.git_remote({ path: '.', mode: 'add', name: 'origin', url: 'https://github.com/ironcurtain-demo/hello.git' });",
      '} catch (error) {',
      "  return 'adding the remote was refused: ' + error.message;",
      '}',
      'try {',
      "  return 'pushed: ' + git.git_push({ path: '.', remote: 'origin', branch: 'main' });",
      '} catch (error) {',
      "  return 'push refused or failed: ' + error.message;",
      '}',
    ].join('\n'),
  },
  {
    say:
      'Done. I wrote and committed hello.md in my sandbox; the read of ~/.ssh/id_rsa was denied by the policy; ' +
      'talking to a remote repository needed your approval, because data would leave the machine. Every one of ' +
      'these calls is in the audit trail.',
  },
];

/**
 * A deterministic model for `ironcurtain demo`: it answers each request with the next step of a fixed script (a
 * line of text and an `execute_code` call), counting the tool results since the user's last message. It speaks the
 * AI SDK's language-model interface, so the demo runs the same agent loop, Code Mode, policy and audit as a real
 * session.
 */
export function createDemoModel(): LanguageModelV4 {
  return {
    specificationVersion: 'v4',
    provider: 'ironcurtain-demo',
    modelId: 'scripted',
    supportedUrls: {},
    doGenerate: (options) => Promise.resolve(generate(options)),
    doStream: (options) => Promise.resolve({ stream: streamOf(generate(options)) }),
  };
}

function generate(options: LanguageModelV4CallOptions): LanguageModelV4GenerateResult {
  const stepIndex = Math.min(toolResultsSinceLastUserMessage(options.prompt), demoSteps.length - 1);
  const step = demoSteps[stepIndex] ?? { say: 'Nothing more to do.' };
  const content: LanguageModelV4Content[] = [{ type: 'text', text: step.say }];
  if (step.code !== undefined) {
    content.push({
      type: 'tool-call',
      toolCallId: `demo-${stepIndex + 1}`,
      toolName: 'execute_code',
      input: JSON.stringify({ code: step.code }),
    });
  }
  const outputTokens = Math.ceil((step.say.length + (step.code?.length ?? 0)) / 4);
  return {
    content,
    finishReason: { unified: step.code === undefined ? 'stop' : 'tool-calls', raw: undefined },
    usage: {
      inputTokens: { total: promptSize(options.prompt), noCache: undefined, cacheRead: 0, cacheWrite: 0 },
      outputTokens: { total: outputTokens, text: outputTokens, reasoning: 0 },
    },
    warnings: [],
  };
}

function toolResultsSinceLastUserMessage(prompt: LanguageModelV4Prompt): number {
  let count = 0;
  for (const message of prompt) {
    if (message.role === 'user') count = 0;
    if (message.role === 'tool')
      count += message.content.filter((part) => part.type === 'tool-result').length;
  }
  return count;
}

// A rough token count (4 characters a token), so budgets move as they would with a real model.
function promptSize(prompt: LanguageModelV4Prompt): number {
  return Math.ceil(JSON.stringify(prompt).length / 4);
}

function streamOf(result: LanguageModelV4GenerateResult): ReadableStream<LanguageModelV4StreamPart> {
  const parts: LanguageModelV4StreamPart[] = [{ type: 'stream-start', warnings: [] }];
  result.content.forEach((part, index) => {
    if (part.type === 'text') {
      const id = `text-${index}`;
      parts.push(
        { type: 'text-start', id },
        { type: 'text-delta', id, delta: part.text },
        { type: 'text-end', id },
      );
    } else if (part.type === 'tool-call') {
      parts.push(part);
    }
  });
  parts.push({ type: 'finish', usage: result.usage, finishReason: result.finishReason });
  return new ReadableStream({
    start(controller) {
      for (const part of parts) controller.enqueue(part);
      controller.close();
    },
  });
}
