// Where a median call's time goes, from the bus spans of every process (libs/bus spans.ts): each message of a call
// — sent, taken, answered, published, received — at its median time after the client sent the call.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Span, SpanFile } from '@ironcurtain/bus';

/** One step of the median call: when it happens after the client sent the call, and the gap since the step before. */
export interface TimelineStep {
  atMs: number;
  sinceBeforeMs: number;
  where: string;
  what: string;
}

/** Every span the processes wrote to `directory` when they exited, with this process's own. */
export function readSpans(directory: string, own: readonly Span[]): Span[] {
  const spans: Span[] = [...own];
  if (!existsSync(directory)) return spans;
  for (const name of readdirSync(directory)) {
    if (!name.startsWith('spans-')) continue;
    const file = JSON.parse(readFileSync(join(directory, name), 'utf8')) as SpanFile;
    spans.push(...file.spans);
  }
  return spans;
}

const instanceSuffix = /\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The median timeline of the calls `client` sent on `subject` between `fromMs` and `toMs` (epoch ms): for each trace
 * the offset of every step from the call's send, then the median per step. A step repeated in one trace (the outcome
 * record's append after the decision's) is numbered; steps seen in fewer than half the calls are left out.
 */
export function medianTimeline(
  spans: readonly Span[],
  call: { client: string; subject: string; fromMs: number; toMs: number },
): { calls: number; steps: TimelineStep[] } {
  const byTrace = new Map<string, Span[]>();
  for (const span of spans) {
    if (span[4] === '') continue;
    let trace = byTrace.get(span[4]);
    if (trace === undefined) byTrace.set(span[4], (trace = []));
    trace.push(span);
  }
  const sends = spans.filter(
    ([at, bus, step, subject]) =>
      bus === call.client &&
      step === 'send' &&
      subject === call.subject &&
      at >= call.fromMs &&
      at <= call.toMs,
  );
  const offsets = new Map<string, number[]>();
  for (const [sentAt, , , , traceId] of sends) {
    const trace = [...(byTrace.get(traceId) ?? [])].sort((left, right) => left[0] - right[0]);
    const seen = new Map<string, number>();
    for (const [at, bus, step, subject] of trace) {
      const base = `${bus}\u0000${step} ${subject.replace(instanceSuffix, '.<instance>')}`;
      const count = (seen.get(base) ?? 0) + 1;
      seen.set(base, count);
      const key = count === 1 ? base : `${base} #${count}`;
      let list = offsets.get(key);
      if (list === undefined) offsets.set(key, (list = []));
      list.push(at - sentAt);
    }
  }
  const round = (value: number) => Math.round(value * 1000) / 1000;
  const medians = [...offsets]
    .filter(([, list]) => list.length * 2 >= sends.length)
    .map(([key, list]) => ({ key, atMs: medianOf(list) }))
    .sort((left, right) => left.atMs - right.atMs);
  let before = 0;
  const steps = medians.map(({ key, atMs }) => {
    const [where = '', what = ''] = key.split('\u0000');
    const step = { atMs: round(atMs), sinceBeforeMs: round(atMs - before), where, what };
    before = atMs;
    return step;
  });
  return { calls: sends.length, steps };
}

function medianOf(values: number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/**
 * Where the time of a call goes, from the handlers' mean times ($SRV.STATS): each service's own part, and the bus
 * between. The decision's append and the execute run at the same time (the gateway holds the call until the record is
 * on disk), so the PDP waits for the longer of the two.
 */
export function perLegOf(handlerMs: Record<string, number>, fullMeanMs: number) {
  const pdp = handlerMs['policy-decision-point:pdp.toolcall.v1'] ?? 0;
  const prepare = handlerMs['mcp-gateway:mcpgw.prepare.v1'] ?? 0;
  const execute = handlerMs['mcp-gateway:mcpgw.execute.v1.<instance>'] ?? 0;
  const append = handlerMs['audit-writer:audit.append.v1'] ?? 0;
  const round = (value: number) => Math.round(value * 1000) / 1000;
  return {
    fullPathMeanMs: round(fullMeanMs),
    clientToPdpAndBackBusMs: round(fullMeanMs - pdp),
    pdpHandlerMs: pdp,
    gatewayPrepareMs: prepare,
    auditAppendMs: append,
    gatewayExecuteMs: execute,
    pdpOwnWorkAndItsBusLegsMs: round(pdp - prepare - Math.max(append, execute)),
    handlers: handlerMs,
  };
}

/** The groups' figures with their sum as `total`. */
export function withTotal(perGroup: Record<string, number>): Record<string, number> {
  const total = Object.values(perGroup).reduce((sum, value) => sum + value, 0);
  return { ...perGroup, total: Math.round(total * 1000) / 1000 };
}
