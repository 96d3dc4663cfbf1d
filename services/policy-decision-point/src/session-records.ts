import { getJson, openKeyValue, type Bus } from '@ironcurtain/bus';
import { SessionRecordWorkspace, sessionsBucket } from '@ironcurtain/proto-schemas';
import type { SessionRecordFacts } from './domain/session-sandbox.js';

/**
 * The KV bucket `sessions`, read only (the session-orchestrator writes it; access.ts grants this service reading):
 * each session's record, of which the PDP takes the workspace. Opened with the orchestrator's options.
 */
export async function openSessionRecords(bus: Bus) {
  const kv = await openKeyValue(bus, sessionsBucket, { history: 1 });
  return {
    /** The record, undefined when there is none; throws when it cannot be read or is malformed. */
    async read(sessionId: string): Promise<SessionRecordFacts | undefined> {
      return (await getJson(kv, sessionId, SessionRecordWorkspace))?.value;
    },
  };
}
