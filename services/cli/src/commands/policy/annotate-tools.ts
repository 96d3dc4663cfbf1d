import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { defaultPolicyDir } from '@ironcurtain/default-policy';
import { policyFileNames, type ToolAnnotationsFile } from '@ironcurtain/policy-engine';
import { annotateTools, writeFileAtomic } from '@ironcurtain/policy-compiler';
import type { CliContext } from '../../cli-context.js';
import { resolveCliNats } from '../../domain/cli-nats.js';
import { configuredCompileModel, createCompileAskContext } from '../../domain/compile/compile-llm.js';
import { readArtifact, workAnnotationsFile } from '../../domain/compile/compile-locations.js';
import { createProgressPrinter } from '../../domain/compile/compile-progress.js';
import { listToolsThroughGateway, readToolsFile } from '../../domain/compile/compile-tool-listing.js';
import { homeOf } from './policy-options.js';

interface AnnotateOptions {
  server?: string;
  toolsFile?: string;
  model?: string;
  out?: string;
  force?: boolean;
  json?: boolean;
}

/** `ironcurtain annotate-tools`: the role of every tool argument, for compile-policy. */
export function registerAnnotateToolsCommand(program: Command, context: CliContext): void {
  program
    .command('annotate-tools')
    .description(
      "list each MCP server's tools through the running gateway (or --tools-file) and have the model classify " +
        'every argument; answers are validated and repaired, and servers whose tools did not change are kept',
    )
    .option('--server <name>', 'annotate only this server')
    .option(
      '--tools-file <file>',
      'read tool lists from a file ({ "<server>": [{ name, description, inputSchema }] })',
    )
    .option(
      '--model <id>',
      'provider:model (default IRONCURTAIN_POLICY_MODEL, else anthropic:claude-sonnet-4-6)',
    )
    .option('--out <file>', 'where to write (default IRONCURTAIN_HOME/compile/tool-annotations.json)')
    .option('--force', 'annotate again even when a server’s tools did not change')
    .option('--json', 'print the result as JSON')
    .action(async (options: AnnotateOptions) => {
      const home = homeOf(context);
      const outFile =
        options.out === undefined ? workAnnotationsFile(home) : resolve(context.cwd, options.out);
      const listed =
        options.toolsFile === undefined
          ? await listToolsThroughGateway(await resolveCliNats(context.env, home), options.server)
          : await readToolsFile(resolve(context.cwd, options.toolsFile), options.server);
      const previous = options.force === true ? undefined : await previousAnnotations(outFile);
      const ask = createCompileAskContext(
        context.env,
        join(home, 'compile'),
        options.model,
        await configuredCompileModel(home, context.stderr),
      );
      const startedAt = Date.now();
      const progress = createProgressPrinter(context.stderr, options.json === true);
      const annotated = await annotateTools(ask, listed, previous, {
        onServer: (server, event) =>
          progress({
            server,
            stage: 'annotate',
            elapsedMs: Date.now() - startedAt,
            llmCalls: ask.llm.callCount,
            detail: `${event === 'start' ? 'started' : 'done'}, ${listed[server]?.length ?? 0} tools`,
          }),
      });
      await mkdir(dirname(outFile), { recursive: true });
      await writeFileAtomic(outFile, `${JSON.stringify(annotated, null, 2)}\n`);
      const servers = Object.keys(listed).map((server) => ({
        server,
        tools: annotated.servers[server]?.tools.length ?? 0,
        inputHash: annotated.servers[server]?.inputHash ?? '',
      }));
      context.stdout.write(
        options.json === true
          ? `${JSON.stringify({ file: outFile, servers, llmCalls: ask.llm.callCount })}\n`
          : servers.map((entry) => `${entry.server}: ${entry.tools} tools annotated\n`).join('') +
              `wrote ${outFile} (${ask.llm.callCount} LLM calls; log: ${ask.logFile})\n`,
      );
      context.setExitCode(0);
    });
}

// The file being replaced, else the shipped annotations: a server whose tools match them needs no model call.
async function previousAnnotations(outFile: string): Promise<ToolAnnotationsFile | undefined> {
  return (
    (await readArtifact('toolAnnotations', outFile)) ??
    readArtifact('toolAnnotations', join(defaultPolicyDir, policyFileNames.toolAnnotations))
  );
}
