import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

/**
 * Wall-clock spans of bus messages, for latency work: where a call's time goes, leg by leg, across processes. Once
 * started (`connectBus` option `spansDirectory`, `IRONCURTAIN_BUS_SPANS_DIR` for a service), every request sent and
 * answered, every message served and replied to, and every event published and received is noted with the time
 * (epoch milliseconds, microsecond resolution, comparable across the processes of one machine), the bus name, the
 * subject and the W3C trace id the message carries, and the process writes them to `<dir>/spans-<pid>.json` when it
 * exits. Nothing of a payload or a header value other than the trace id is kept. Off (one check per message) until
 * {@link recordSpansTo}.
 */
export type SpanStep = 'send' | 'recv' | 'in' | 'out' | 'pub' | 'evt';

/** One noted moment: `[atMs, busName, step, subject, traceId]`. */
export type Span = [atMs: number, busName: string, step: SpanStep, subject: string, traceId: string];

/** The file a process writes its spans to. */
export interface SpanFile {
  pid: number;
  spans: Span[];
}

/** Spans kept per process at most (about 100 MB): a forgotten setting must not eat the machine. */
const maxSpans = 1_000_000;
const traceIdPattern = /^00-([0-9a-f]{32})-/;

let recording: Span[] | undefined;

/**
 * Starts noting this process's spans, written to `<directory>/spans-<pid>.json` when it exits (`connectBus` option
 * `spansDirectory`). Once per process: a second directory is ignored.
 */
export function recordSpansTo(directory: string): void {
  if (recording !== undefined) return;
  const spans: Span[] = [];
  recording = spans;
  process.once('exit', () => {
    mkdirSync(directory, { recursive: true });
    const file: SpanFile = { pid: process.pid, spans };
    writeFileSync(join(directory, `spans-${process.pid}.json`), JSON.stringify(file), { mode: 0o600 });
  });
}

/** Notes one moment of a message, when spans are on (a no-op otherwise). */
export function recordSpan(
  busName: string,
  step: SpanStep,
  subject: string,
  traceparent: string | undefined,
): void {
  const spans = recording;
  if (spans === undefined || spans.length >= maxSpans) return;
  const traceId = traceparent === undefined ? '' : (traceIdPattern.exec(traceparent)?.[1] ?? '');
  spans.push([performance.timeOrigin + performance.now(), busName, step, subject, traceId]);
}

/** The spans this process noted so far (empty when spans are off). */
export function recordedSpans(): readonly Span[] {
  return recording ?? [];
}
