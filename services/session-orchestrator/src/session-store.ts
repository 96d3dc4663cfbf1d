import { getJson, openKeyValue, putJson, type Bus } from '@ironcurtain/bus';
import { SessionRecord, sessionsBucket } from './domain/session-record.js';

/** The KV bucket `sessions`: one record per session, read by `session.list` and by resume. */
export async function openSessionStore(bus: Bus) {
  const kv = await openKeyValue(bus, sessionsBucket, { history: 1 });
  return {
    async load(sessionId: string): Promise<SessionRecord | undefined> {
      return (await getJson(kv, sessionId, SessionRecord))?.value;
    },
    async save(record: SessionRecord): Promise<void> {
      await putJson(kv, record.sessionId, record);
    },
    async list(): Promise<SessionRecord[]> {
      const records: SessionRecord[] = [];
      for await (const key of await kv.keys()) {
        const entry = await getJson(kv, key, SessionRecord).catch(() => undefined);
        if (entry !== undefined) records.push(entry.value);
      }
      return records;
    },
  };
}
