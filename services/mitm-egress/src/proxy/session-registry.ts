import { getJson, openKeyValue, putJson, type Bus } from '@ironcurtain/bus';
import { AppError, ErrorCode, hasErrorCode } from '@ironcurtain/errors';
import type { Logger } from '@ironcurtain/log';
import { z } from 'zod';
import type { SentinelOwner } from '../domain/credentials.js';
import type { Provider } from '../domain/providers.js';
import { createProxyToken, createSentinel, hashSecret } from '../domain/sentinels.js';

/** The KV bucket of open egress sessions. It holds only SHA-256 hashes of sentinels and proxy tokens. */
export const egressSessionsBucket = 'egress-sessions';

type KeyValue = Awaited<ReturnType<typeof openKeyValue>>;

const SessionRecord = z.object({
  sentinelHashes: z.record(z.string(), z.string()),
  proxyTokenHash: z.string(),
  openedAt: z.string(),
  /** Hosts added for the session (the `proxy` virtual tools), reachable on 443 besides the providers. */
  hosts: z.array(z.string()).default([]),
});
type SessionRecord = z.output<typeof SessionRecord>;

/** The secrets handed to a session when it opens; only their hashes are kept. */
export interface OpenedSession {
  sentinels: Record<string, string>;
  proxyToken: string;
}

/** Which session a sentinel or proxy token belongs to. Backed by KV, so a restart or a replica knows them too. */
export interface SessionRegistry {
  ownerOf(sentinel: string): SentinelOwner | undefined;
  isProxyTokenValid(sessionId: string, proxyToken: string): boolean;
  /** The hosts added for an open session; undefined when the session is not open. */
  hostsOf(sessionId: string): readonly string[] | undefined;
  /** Adds and removes hosts of an open session (compare-and-set, so concurrent changes are not lost). */
  updateHosts(sessionId: string, add: readonly string[], remove: readonly string[]): Promise<string[]>;
  /** Issues fresh sentinels (one per provider) and a proxy token; the session's previous ones stop working. */
  open(sessionId: string, providers: readonly Provider[]): Promise<OpenedSession>;
  /** Revokes the session's secrets; false when it had none. */
  close(sessionId: string): Promise<boolean>;
  stop(): void;
}

/** Opens the registry: loads every open session from KV, then follows changes other replicas make. */
export async function openSessionRegistry(bus: Bus, logger: Logger): Promise<SessionRegistry> {
  const kv = await openKeyValue(bus, egressSessionsBucket);
  const index = createIndex();
  for await (const sessionId of await kv.keys()) {
    const entry = await readRecord(kv, sessionId, logger);
    if (entry !== undefined) index.apply(sessionId, entry.revision, entry.value);
  }
  const watcher = await kv.watch({ include: 'updates' });
  void (async () => {
    for await (const entry of watcher) {
      const record = entry.operation === 'PUT' ? parseRecord(entry.value, entry.key, logger) : undefined;
      index.apply(entry.key, entry.revision, record);
    }
  })();
  return {
    ownerOf: (sentinel) => index.ownerOf(hashSecret(sentinel)),
    isProxyTokenValid: (sessionId, token) => index.proxyTokenHashOf(sessionId) === hashSecret(token),
    hostsOf: (sessionId) => index.recordOf(sessionId)?.hosts,
    async updateHosts(sessionId, add, remove) {
      for (let attempt = 0; ; attempt += 1) {
        const entry = await readRecord(kv, sessionId, logger);
        if (entry === undefined) {
          throw new AppError(ErrorCode.NotFound, `session ${sessionId} has no egress session: open it first`);
        }
        const hosts = [...new Set([...entry.value.hosts, ...add])]
          .filter((host) => !remove.includes(host))
          .sort();
        const record = { ...entry.value, hosts };
        try {
          const revision = await putJson(kv, sessionId, record, entry.revision);
          index.apply(sessionId, revision, record);
          return hosts;
        } catch (error) {
          if (!hasErrorCode(error, ErrorCode.Conflict) || attempt >= 5) throw error;
        }
      }
    },
    async open(sessionId, providers) {
      const sentinels = Object.fromEntries(providers.map((p) => [p.name, createSentinel(p.sentinelPrefix)]));
      const proxyToken = createProxyToken();
      const record: SessionRecord = {
        sentinelHashes: Object.fromEntries(
          Object.entries(sentinels).map(([name, key]) => [name, hashSecret(key)]),
        ),
        proxyTokenHash: hashSecret(proxyToken),
        openedAt: new Date().toISOString(),
        hosts: index.recordOf(sessionId)?.hosts ?? [],
      };
      const revision = await putJson(kv, sessionId, record);
      // Applied here as well as by the watch, so the caller can use the keys the moment the reply arrives.
      index.apply(sessionId, revision, record);
      return { sentinels, proxyToken };
    },
    async close(sessionId) {
      const wasOpen = index.proxyTokenHashOf(sessionId) !== undefined;
      await kv.delete(sessionId);
      index.remove(sessionId);
      return wasOpen;
    },
    stop: () => watcher.stop(),
  };
}

function createIndex() {
  const owners = new Map<string, SentinelOwner>();
  const sessions = new Map<string, { revision: number; record: SessionRecord | undefined }>();
  return {
    ownerOf: (hash: string) => owners.get(hash),
    proxyTokenHashOf: (sessionId: string) => sessions.get(sessionId)?.record?.proxyTokenHash,
    recordOf: (sessionId: string) => sessions.get(sessionId)?.record,
    /** Applies a KV entry unless a newer one for the session was applied already (the watch may lag). */
    apply(sessionId: string, revision: number, record: SessionRecord | undefined): void {
      const previous = sessions.get(sessionId);
      if (previous !== undefined && previous.revision >= revision) return;
      for (const hash of Object.values(previous?.record?.sentinelHashes ?? {})) owners.delete(hash);
      sessions.set(sessionId, { revision, record });
      if (record === undefined) return;
      for (const [provider, hash] of Object.entries(record.sentinelHashes))
        owners.set(hash, { sessionId, provider });
    },
    /** Forgets the session at once, keeping its revision so a late watch entry cannot bring it back. */
    remove(sessionId: string): void {
      const previous = sessions.get(sessionId);
      for (const hash of Object.values(previous?.record?.sentinelHashes ?? {})) owners.delete(hash);
      sessions.set(sessionId, { revision: previous?.revision ?? 0, record: undefined });
    },
  };
}

async function readRecord(kv: KeyValue, sessionId: string, logger: Logger) {
  try {
    return await getJson(kv, sessionId, SessionRecord);
  } catch (error) {
    logger.warn({ sessionId, err: (error as Error).message }, 'ignored an invalid egress session record');
    return undefined;
  }
}

function parseRecord(value: Uint8Array, sessionId: string, logger: Logger): SessionRecord | undefined {
  try {
    return SessionRecord.parse(JSON.parse(new TextDecoder().decode(value)));
  } catch {
    logger.warn({ sessionId }, 'ignored an invalid egress session record');
    return undefined;
  }
}
