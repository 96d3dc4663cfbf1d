/**
 * Everyone who logs in to the bus: the seven services (each its own NATS user, named after it) and the person's
 * `ironcurtain` CLI. The access declaration (access.ts) grants subjects to these names only.
 */
export const principals = [
  'session-orchestrator',
  'policy-decision-point',
  'mcp-gateway',
  'mitm-egress',
  'audit-writer',
  'escalation-router',
  'signal-bridge',
  'cli',
] as const;

/** One of {@link principals}. */
export type Principal = (typeof principals)[number];

/** True when `name` is one of {@link principals}. */
export function isPrincipal(name: string): name is Principal {
  return (principals as readonly string[]).includes(name);
}

/**
 * The connection name a principal's processes use (`connectBus({ name })`). It names their reply inbox
 * ({@link inboxPrefixOf}), so it is part of what a principal is granted: a process that connects under another
 * name does not receive its replies. The services use their own name (also their `$SRV` name); the CLI connects as
 * `ironcurtain-cli`.
 */
export function connectionNameOf(principal: Principal): string {
  return principal === 'cli' ? 'ironcurtain-cli' : principal;
}

/**
 * True for the principals that register with `$SRV` (every service, even one that serves no endpoint yet, answers
 * readiness pings) and so answer requests; false for the CLI, which only asks.
 */
export function isService(principal: Principal): boolean {
  return principal !== 'cli';
}

/**
 * The reply subjects of a connection named `name`: `_INBOX.<name>`, so a user's NATS permissions can let it
 * receive its own replies (`_INBOX.<name>.>`) without seeing everyone else's. libs/bus connects with it; the
 * permissions derived in nats-permissions.ts grant it — one definition for both.
 */
export function inboxPrefixOf(name: string): string {
  return `_INBOX.${name.replace(/[^A-Za-z0-9_-]/g, '_') || 'client'}`;
}
