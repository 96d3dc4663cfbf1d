// Wire helpers shared by the fake providers: JSON and SSE responses, and the script the tests steer them with.
import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

/** Token counts the fakes report for every response. */
export const fakeUsage = { input: 21, output: 7, cacheRead: 5, cacheWrite: 3 } as const;

/** How a fake behaves; tests change it between requests. */
export interface FakeScript {
  reply: string;
  /** Delay between streamed events, to show chunks pass through as they are sent. */
  chunkDelayMs: number;
}

export function parse(body: string): Record<string, unknown> {
  try {
    return JSON.parse(body) as Record<string, unknown>;
  } catch {
    return {};
  }
}

export function json(response: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

export async function sse(
  response: ServerResponse,
  events: [string | undefined, unknown][],
  delayMs: number,
): Promise<void> {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  response.flushHeaders();
  for (const [name, data] of events) {
    if (delayMs > 0) await sleep(delayMs);
    const prefix = name === undefined ? '' : `event: ${name}\n`;
    response.write(`${prefix}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
  }
  response.end();
}
