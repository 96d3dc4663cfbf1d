import type { Command } from 'commander';
import { request, type Bus } from '@ironcurtain/bus';
import { AuditQuery, AuditVerify } from '@ironcurtain/proto-schemas';
import type { CliContext } from '../cli-context.js';
import { createRecordTable } from '../domain/audit/audit-report.js';
import { runSession } from './start.js';

/** The built-in scripted model of the demo (served by the session-orchestrator; no key, no network). */
const demoModel = 'demo:scripted';

/**
 * `ironcurtain demo`: a scripted session with a built-in deterministic model. It writes and reads in its sandbox
 * (allowed), tries to read ~/.ssh/id_rsa (denied), tries a git push (escalated: you answer y or n), and ends with
 * the session's audit trail.
 */
export function registerDemoCommand(program: Command, context: CliContext): void {
  program
    .command('demo')
    .description(
      'see IronCurtain work in a minute, no API key needed: a scripted agent works in its sandbox, is denied a ' +
        'secret, asks you before a git push, and the audit trail is shown at the end',
    )
    .action(async () => {
      context.stdout.write(
        'IronCurtain demo: a scripted agent (no LLM) runs through the real policy, gateway, MCP servers and audit.\n',
      );
      const exitCode = await runSession(
        context,
        { task: 'Show what IronCurtain does with allowed, denied and escalated calls.', model: demoModel },
        {
          shouldAskOnEscalation: true,
          afterSession: (sessionId, { bus }) => showAuditTrail(context, bus, sessionId),
        },
      );
      context.setExitCode(exitCode);
    });
}

async function showAuditTrail(context: CliContext, bus: Bus, sessionId: string): Promise<void> {
  const reply = await request(
    bus,
    AuditQuery,
    { sessionId, order: 'asc', limit: 100 },
    { timeoutMs: 30_000 },
  );
  const table = createRecordTable(reply.records);
  context.stdout.write(`\naudit trail of session ${sessionId}:\n${table.header}`);
  for (const record of reply.records) context.stdout.write(table.row(record));
  const verdict = await request(bus, AuditVerify, { sessionId }, { timeoutMs: 30_000 });
  context.stdout.write(
    verdict.isValid
      ? `hash chain verified: ${verdict.records} records\n`
      : `hash chain BROKEN at seq ${verdict.firstBadSeq ?? '?'}\n`,
  );
}
