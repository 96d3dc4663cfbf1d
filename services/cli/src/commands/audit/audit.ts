import type { Command } from 'commander';
import type { CliContext } from '../../cli-context.js';
import { registerAuditQueryCommand } from './audit-query.js';
import { registerAuditTailCommand } from './audit-tail.js';
import { registerAuditVerifyCommand } from './audit-verify.js';

/** `ironcurtain audit <verify|query|tail>`. */
export function registerAuditCommand(program: Command, context: CliContext): void {
  const audit = program
    .command('audit')
    .description(
      'check and read the audit trail (verify works offline on the files; query and tail ask the stack)',
    );
  registerAuditVerifyCommand(audit, context);
  registerAuditQueryCommand(audit, context);
  registerAuditTailCommand(audit, context);
}
