// "Approve and allow similar": the session whitelist turns later matching escalations into approvals, and only those.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBus, publish, request, subscribe, type Bus } from '@ironcurtain/bus';
import {
  EscalationOpenedEvent,
  EscalationResolve,
  EscalationResolvedEvent,
  SessionStatusEvent,
  type PayloadOf,
} from '@ironcurtain/proto-schemas';
import { eventually, startNats, type NatsServerHandle } from '@ironcurtain/testing';
import { openOnce, startRouter, writeFileEscalation, type OpenPayload } from './router-fixture.js';

let nats: NatsServerHandle;
let home: string;
let client: Bus;
let router: Awaited<ReturnType<typeof startRouter>>;
const opened: Array<PayloadOf<typeof EscalationOpenedEvent>> = [];
const resolved: Array<PayloadOf<typeof EscalationResolvedEvent>> = [];

beforeAll(async () => {
  nats = await startNats();
  home = await mkdtemp(join(tmpdir(), 'escalation-whitelist-'));
  client = await connectBus({ url: nats.url, name: 'test-client' });
  subscribe(client, EscalationOpenedEvent, (event) => void opened.push(event));
  subscribe(client, EscalationResolvedEvent, (event) => void resolved.push(event));
  router = await startRouter(nats.url, home);
});
afterAll(async () => {
  await router.stop();
  await client.close();
  await nats.dispose();
  await rm(home, { recursive: true, force: true });
});

const approve = (ticketId: string, allowSimilar: boolean) =>
  request(client, EscalationResolve, {
    ticketId,
    decision: 'approved',
    approver: 'alice',
    channel: 'terminal',
    allowSimilar,
  });

/** Opens, approves with "allow similar", and returns the pattern description. */
async function approveSimilar(payload: OpenPayload): Promise<string | undefined> {
  const { ticketId } = await openOnce(client, { ...payload, waitSeconds: 1 });
  const reply = await approve(ticketId, true);
  expect(reply).toMatchObject({ isAccepted: true, status: 'approved' });
  expect(await openOnce(client, payload)).toMatchObject({
    status: 'approved',
    similarPattern: reply.similarPattern,
  });
  return reply.similarPattern;
}

const write = (sessionId: string, path: string, extra: Partial<OpenPayload> = {}) =>
  writeFileEscalation({ sessionId, canonicalArguments: { path, content: 'x' }, waitSeconds: 1, ...extra });

describe('paths: the directory of the approved path', () => {
  const session = 'sess-paths';

  it('approves later writes in that directory or below at once, with the pattern and approver "whitelist"', async () => {
    expect(await approveSimilar(write(session, '/home/me/Documents/report.md'))).toBe(
      'filesystem: write-path under /home/me/Documents',
    );
    for (const path of ['/home/me/Documents/other.md', '/home/me/Documents/sub/deeper/notes.md']) {
      const started = Date.now();
      const reply = await openOnce(client, write(session, path));
      expect(reply).toMatchObject({
        status: 'approved',
        approver: 'whitelist',
        channel: 'whitelist',
        whitelistPattern: 'filesystem: write-path under /home/me/Documents',
        autoApproved: false,
      });
      expect(Date.now() - started).toBeLessThan(900);
      expect(opened.some((event) => event.ticket.id === reply.ticketId)).toBe(false);
      await eventually('its resolved event', () =>
        resolved.find((event) => event.ticketId === reply.ticketId),
      );
      expect(resolved.find((event) => event.ticketId === reply.ticketId)?.whitelistPattern).toBe(
        'filesystem: write-path under /home/me/Documents',
      );
    }
  });

  it('still asks for a sibling directory with the same prefix, the parent, another role or another server', async () => {
    for (const payload of [
      write(session, '/home/me/Documents2/x.md'),
      write(session, '/home/me/x.md'),
      write(session, '/home/me/Documents/../secrets.md'),
      write(session, '/home/me/Documents/x.md', {
        toolName: 'delete_file',
        escalatedRoles: ['delete-path'],
        argumentRoles: { path: ['delete-path'] },
      }),
      write(session, '/home/me/Documents/x.md', { serverName: 'other-files' }),
    ]) {
      expect((await openOnce(client, payload)).status).toBe('pending');
    }
  });

  it('holds for that session only, and dies with it', async () => {
    expect((await openOnce(client, write('sess-elsewhere', '/home/me/Documents/a.md'))).status).toBe(
      'pending',
    );
    expect((await openOnce(client, write(session, '/home/me/Documents/b.md'))).status).toBe('approved');
    publish(client, SessionStatusEvent, { sessionId: session, status: 'stopped' });
    await eventually('the whitelist to be dropped', async () => {
      const reply = await openOnce(client, write(session, '/home/me/Documents/c.md'));
      return reply.status === 'pending';
    });
  });
});

describe('URLs, repositories and identifiers', () => {
  const fetchCall = (session: string, url: string) =>
    writeFileEscalation({
      sessionId: session,
      serverName: 'fetch',
      toolName: 'http_fetch',
      canonicalArguments: { url },
      escalatedRoles: ['fetch-url'],
      argumentRoles: { url: ['fetch-url'] },
      waitSeconds: 1,
    });

  it('a fetch URL gives its exact hostname: no subdomains, no parent domain', async () => {
    const session = 'sess-fetch';
    expect(await approveSimilar(fetchCall(session, 'https://docs.example.com/a?q=1'))).toBe(
      'fetch: fetch-url domain docs.example.com',
    );
    expect((await openOnce(client, fetchCall(session, 'https://docs.example.com/b'))).status).toBe(
      'approved',
    );
    expect((await openOnce(client, fetchCall(session, 'https://evil.docs.example.com/'))).status).toBe(
      'pending',
    );
    expect((await openOnce(client, fetchCall(session, 'https://example.com/'))).status).toBe('pending');
  });

  it('a git remote gives its repository, not its whole host', async () => {
    const session = 'sess-git';
    const push = (remote: string) =>
      writeFileEscalation({
        sessionId: session,
        serverName: 'git',
        toolName: 'git_push',
        canonicalArguments: { path: '/home/me/repo', remote },
        escalatedRoles: ['git-remote-url'],
        argumentRoles: { path: ['read-path'], remote: ['git-remote-url'] },
        waitSeconds: 1,
      });
    expect(await approveSimilar(push('github.com/acme/site'))).toBe(
      'git: git-remote-url repository github.com/acme/site',
    );
    expect((await openOnce(client, push('github.com/acme/site'))).status).toBe('approved');
    expect((await openOnce(client, push('github.com/attacker/loot'))).status).toBe('pending');
  });
});

describe('patterns that would not constrain anything are refused', () => {
  it('no escalated role, or a path directly in /: refused, and the ticket stays open for a plain answer', async () => {
    for (const payload of [
      write('sess-refuse', '/home/me/a.md', { escalatedRoles: [] }),
      write('sess-refuse', '/report.md'),
      write('sess-refuse', '/home/me/a.md', { argumentRoles: {} }),
    ]) {
      const { ticketId } = await openOnce(client, payload);
      await expect(approve(ticketId, true)).rejects.toMatchObject({ code: 'POLICY_DENIED' });
      expect(await approve(ticketId, false)).toMatchObject({ isAccepted: true, status: 'approved' });
    }
    expect((await openOnce(client, write('sess-refuse', '/home/me/b.md'))).status).toBe('pending');
  });
});
