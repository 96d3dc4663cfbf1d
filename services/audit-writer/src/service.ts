import { publish, serve, serviceOf, type Bus } from '@ironcurtain/bus';
import type { AuditRecordValue } from '@ironcurtain/audit-trail';
import { resolveHome } from '@ironcurtain/config';
import type { Logger } from '@ironcurtain/log';
import {
  AuditAppend,
  AuditAppendRefusal,
  AuditCallRecords,
  AuditDecisionDurableEvent,
  AuditQuery,
  decisionDurableEventOf,
  AuditRecordEvent,
  AuditVerify,
} from '@ironcurtain/proto-schemas';
import type { RunningService } from '@ironcurtain/runtime';
import type { Config } from './config.js';
import { queryTrailFiles, type AuditQueryRequest } from './domain/file-query.js';
import { createPostgresSink, type PostgresSink } from './domain/postgres-sink.js';
import { createAuditPostgres, type AuditPostgres } from './domain/postgres-store.js';
import { createSessionTrails, type TrailEvents } from './domain/session-trails.js';
import { trailPathOf } from './domain/trail-file.js';
import { listTrailSessions, readTrailRecords } from './domain/trail-reader.js';
import { createAppendHandler } from './handlers/append.js';
import { createCallRecordsHandler } from './handlers/call-records.js';
import { createQueryHandler } from './handlers/query.js';
import { createVerifyHandler } from './handlers/verify.js';

/**
 * Wires the audit-writer: the session trails under IRONCURTAIN_HOME, the optional PostgreSQL copy, its three
 * endpoints, and an `audit.evt.record.v1` per record once it is on disk.
 */
export function createAuditWriterService(dependencies: {
  bus: Bus;
  config: Config;
  logger: Logger;
}): RunningService {
  const { bus, config, logger } = dependencies;
  const home = resolveHome(config.IRONCURTAIN_HOME);
  let sink: PostgresSink | undefined;
  let postgres: AuditPostgres | undefined;
  const trails = createSessionTrails({
    home,
    recheckMs: config.AUDIT_RECHECK_MS,
    maxOpen: config.AUDIT_MAX_OPEN_FILES,
    now: () => new Date(),
    events: trailEvents(bus, logger, (records) => sink?.enqueue(records)),
  });
  const queryFiles = (request: AuditQueryRequest) => queryTrailFiles(home, request);
  return {
    async start() {
      if (config.AUDIT_POSTGRES_URL !== undefined) {
        postgres = createAuditPostgres({
          url: config.AUDIT_POSTGRES_URL,
          schema: config.AUDIT_POSTGRES_SCHEMA,
        });
        sink = startSink(postgres, home, logger);
      }
      const store = postgres;
      const copy = sink;
      const append = createAppendHandler({ trails, isRedacting: config.AUDIT_REDACTION });
      await serve(bus, AuditAppend, append);
      await serve(bus, AuditAppendRefusal, append);
      await serve(
        bus,
        AuditQuery,
        createQueryHandler({
          queryFiles,
          queryPostgres:
            store === undefined || copy === undefined
              ? undefined
              : (request) => (copy.isReady() ? store.query(request) : queryFiles(request)),
          onPostgresError: (error) =>
            logger.warn({ err: error }, 'PostgreSQL query failed; answered from files'),
        }),
      );
      await serve(bus, AuditVerify, createVerifyHandler({ home, trails }));
      await serve(bus, AuditCallRecords, createCallRecordsHandler(trails));
      logger.info(
        { home, redaction: config.AUDIT_REDACTION, postgres: postgres !== undefined },
        'audit trails ready',
      );
    },
    async stop() {
      await (await serviceOf(bus)).stop();
      await trails.closeAll();
      await sink?.whenIdle(2000);
      await sink?.stop();
      await postgres?.close();
    },
  };
}

function trailEvents(
  bus: Bus,
  logger: Logger,
  copy: (records: readonly AuditRecordValue[]) => void,
): TrailEvents {
  return {
    onCommitted(records) {
      for (const record of records) {
        try {
          publish(bus, AuditRecordEvent, { record }, { sessionId: record.sessionId });
        } catch (error) {
          logger.warn(
            { err: error, sessionId: record.sessionId, seq: record.seq },
            'record event not published',
          );
        }
      }
      copy(records);
    },
    onDurable(records) {
      for (const record of records) {
        if (record.kind !== 'decision') continue;
        try {
          publish(bus, AuditDecisionDurableEvent, decisionDurableEventOf(record, record.seq));
        } catch (error) {
          // The gateway then refuses the call (its decision is not known to be durable): fail closed.
          logger.warn(
            { err: error, sessionId: record.sessionId, seq: record.seq },
            'durability event not published',
          );
        }
      }
    },
    onBroken(sessionId, error) {
      logger.error({ sessionId, err: error.message }, 'audit trail broken: appends to it are refused');
    },
    onOpened(sessionId, info) {
      if (info.setAside !== undefined) {
        logger.warn({ sessionId, setAside: info.setAside }, 'torn last line set aside; chain continues');
      }
      if (info.wasBroken) logger.info({ sessionId, seq: info.head.seq }, 'audit trail writable again');
    },
  };
}

function startSink(store: AuditPostgres, home: string, logger: Logger): PostgresSink {
  return createPostgresSink({
    store,
    listSessions: () => listTrailSessions(home),
    readRecords: (sessionId, fromSeq) => readTrailRecords(trailPathOf(home, sessionId), fromSeq),
    retryMs: 1000,
    maxPending: 50_000,
    onError: (error) => logger.warn({ err: error }, 'PostgreSQL copy failed; retrying from the trail files'),
    onReady: (version) => logger.info({ schemaVersion: version }, 'PostgreSQL audit schema ready'),
  });
}
