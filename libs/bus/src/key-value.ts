import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import { Kvm, type KV, type KvOptions } from '@nats-io/kv';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import type { z } from 'zod';
import type { Bus } from './connect.js';

/** A JetStream client on the bus's connection. */
export function jetStreamOf(bus: Bus): JetStreamClient {
  return jetstream(bus.connection);
}

/**
 * Creates the KV bucket if it does not exist, or binds to it. A new bucket is kept on `options.replicas` servers, else
 * on the bus's `keyValueReplicas` (`NATS_KV_REPLICAS`; 3 on a 3-node cluster). An existing bucket is bound as it is:
 * one with fewer replicas than asked is logged (a warning with the command that scales it), not changed — a service's
 * NATS user may create and read its buckets but not update their streams. Asking a single nats-server for more than
 * one replica is `CONFIG_INVALID`; a cluster with too few servers up is `UNAVAILABLE` (retryable).
 */
export async function openKeyValue(bus: Bus, bucket: string, options: Partial<KvOptions> = {}): Promise<KV> {
  try {
    await jetstreamManager(bus.connection);
  } catch (error) {
    throw new AppError(
      ErrorCode.Unavailable,
      `JetStream is not enabled on the NATS server (bucket ${bucket})`,
      {
        cause: error,
        retryable: true,
      },
    );
  }
  const replicas = options.replicas ?? bus.keyValueReplicas ?? 1;
  let kv: KV;
  try {
    kv = await new Kvm(bus.connection).create(bucket, { history: 1, ...options, replicas });
  } catch (error) {
    throw replicasError(error, bucket, replicas) ?? error;
  }
  if (replicas > 1) await warnIfFewerReplicas(bus, kv, bucket, replicas);
  return kv;
}

// JetStream API error codes (nats-server's errors.json) that say the replicas asked for cannot be placed.
const replicasNotSupportedCode = 10074;
const noSuitablePeersCode = 10005;
const insufficientResourcesCode = 10023;

function replicasError(error: unknown, bucket: string, replicas: number): AppError | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  const serverMessage = (error as Error | undefined)?.message ?? String(error);
  if (code === replicasNotSupportedCode) {
    return new AppError(
      ErrorCode.ConfigInvalid,
      `cannot create KV bucket ${bucket} with ${replicas} replicas: the NATS server is not a JetStream cluster ` +
        `(${serverMessage}). Set NATS_KV_REPLICAS=1 for a single nats-server, or connect to the cluster ` +
        '(deploy/nats/cluster/README.md)',
      { cause: error, retryable: false },
    );
  }
  if (code === noSuitablePeersCode || code === insufficientResourcesCode) {
    return new AppError(
      ErrorCode.Unavailable,
      `cannot create KV bucket ${bucket} with ${replicas} replicas: fewer JetStream servers are up than that ` +
        `(${serverMessage}). Start the cluster's other nodes, or set NATS_KV_REPLICAS to at most the number of nodes`,
      { cause: error, retryable: true },
    );
  }
  return undefined;
}

async function warnIfFewerReplicas(bus: Bus, kv: KV, bucket: string, replicas: number): Promise<void> {
  // Only a diagnostic: a bucket that was bound stays usable even when its status cannot be read now.
  const status = await kv.status().catch(() => undefined);
  if (status === undefined || status.replicas >= replicas) return;
  bus.logger.warn(
    { bucket, replicas: status.replicas, wantedReplicas: replicas },
    `KV bucket ${bucket} exists with ${status.replicas} replica(s), fewer than NATS_KV_REPLICAS=${replicas}; it is ` +
      `used as it is. Scale it as a NATS user that may edit streams: nats stream edit KV_${bucket} --replicas ${replicas}`,
  );
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Reads a JSON value and checks it against `schema`; undefined when the key is absent or deleted. */
export async function getJson<S extends z.ZodType>(
  kv: KV,
  key: string,
  schema: S,
): Promise<{ value: z.output<S>; revision: number } | undefined> {
  const entry = await kv.get(key);
  if (entry === null || entry.operation !== 'PUT') return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(decoder.decode(entry.value));
  } catch (error) {
    throw new AppError(ErrorCode.SchemaInvalid, `KV ${key} is not JSON`, { cause: error });
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new AppError(ErrorCode.SchemaInvalid, `KV ${key} does not match its schema`, {
      cause: parsed.error,
    });
  }
  return { value: parsed.data, revision: entry.revision };
}

/**
 * Writes a JSON value. With `expectedRevision` it is a compare-and-set (0 = must not exist yet) and a lost race is a
 * `CONFLICT` error; without, it overwrites. Returns the new revision.
 */
export async function putJson(
  kv: KV,
  key: string,
  value: unknown,
  expectedRevision?: number,
): Promise<number> {
  const data = encoder.encode(JSON.stringify(value));
  try {
    if (expectedRevision === undefined) return await kv.put(key, data);
    if (expectedRevision === 0) return await kv.create(key, data);
    return await kv.update(key, data, expectedRevision);
  } catch (error) {
    if (expectedRevision !== undefined && isWrongSequence(error)) {
      throw new AppError(ErrorCode.Conflict, `KV ${key} changed since revision ${expectedRevision}`, {
        cause: error,
      });
    }
    throw error;
  }
}

function isWrongSequence(error: unknown): boolean {
  const text = `${(error as Error)?.message ?? ''} ${String((error as { cause?: unknown })?.cause ?? '')}`;
  return /wrong last sequence|key exists/i.test(text);
}

/** What {@link watchJson} reports for one key. */
export type WatchedJson<T> =
  | { key: string; operation: 'PUT'; value: T; revision: number }
  | { key: string; operation: 'DEL' | 'PURGE'; revision: number }
  | { key: string; operation: 'INVALID'; revision: number; problem: string };

/**
 * Watches every key of a bucket: first the current value of each key, then every change, each handed to `onEntry`
 * checked against `schema` (a value that is not JSON or does not match arrives as `INVALID`). Returns a stop
 * function.
 */
export async function watchJson<S extends z.ZodType>(
  kv: KV,
  schema: S,
  onEntry: (entry: WatchedJson<z.output<S>>) => void,
): Promise<() => void> {
  const watcher = await kv.watch();
  void (async () => {
    for await (const entry of watcher) {
      if (entry.operation !== 'PUT') {
        onEntry({ key: entry.key, operation: entry.operation, revision: entry.revision });
        continue;
      }
      onEntry(decodeEntry(entry.key, entry.value, entry.revision, schema));
    }
  })();
  return () => watcher.stop();
}

function decodeEntry<S extends z.ZodType>(
  key: string,
  data: Uint8Array,
  revision: number,
  schema: S,
): WatchedJson<z.output<S>> {
  let raw: unknown;
  try {
    raw = JSON.parse(decoder.decode(data));
  } catch {
    return { key, operation: 'INVALID', revision, problem: 'not JSON' };
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) return { key, operation: 'INVALID', revision, problem: 'does not match its schema' };
  return { key, operation: 'PUT', value: parsed.data, revision };
}
