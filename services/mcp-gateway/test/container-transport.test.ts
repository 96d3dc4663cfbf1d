// The framing of the container transport over a stream pair: what arrives split or with noise between messages, and
// what the end of the container does to the transport.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { ContainerTransport } from '../src/domain/containers/container-transport.js';

function pair() {
  const stdout = new PassThrough();
  const stdin = new PassThrough();
  let end: () => void = () => undefined;
  const ended = new Promise<void>((resolve) => (end = resolve));
  const removed: string[] = [];
  const transport = new ContainerTransport({
    stdout,
    stdin,
    ended,
    remove: () => {
      removed.push('removed');
      end();
      return Promise.resolve();
    },
  });
  return { stdout, stdin, transport, end, removed };
}

describe('ContainerTransport', () => {
  it('reads one message per line, across chunks, and reports a line that is not JSON-RPC', async () => {
    const { stdout, transport } = pair();
    const messages: JSONRPCMessage[] = [];
    const errors: string[] = [];
    transport.onmessage = (message) => void messages.push(message);
    transport.onerror = (error) => void errors.push(error.message);
    await transport.start();
    stdout.write('{"jsonrpc":"2.0","id":1,"res');
    stdout.write('ult":{}}\nnot json\n{"jsonrpc":"2.0","method":"notifications/x"}\n');
    await new Promise((resolve) => setImmediate(resolve));
    expect(messages).toEqual([
      { jsonrpc: '2.0', id: 1, result: {} },
      { jsonrpc: '2.0', method: 'notifications/x' },
    ]);
    expect(errors).toHaveLength(1);
  });

  it('writes each message as one line to the container stdin', async () => {
    const { stdin, transport } = pair();
    await transport.start();
    await transport.send({ jsonrpc: '2.0', id: 7, method: 'tools/list' });
    expect(String(stdin.read())).toBe('{"jsonrpc":"2.0","id":7,"method":"tools/list"}\n');
  });

  it('closes once when the container ends, and refuses to send after', async () => {
    const { transport, end } = pair();
    let closes = 0;
    transport.onclose = () => void (closes += 1);
    await transport.start();
    end();
    await new Promise((resolve) => setImmediate(resolve));
    await transport.close();
    expect(closes).toBe(1);
    await expect(transport.send({ jsonrpc: '2.0', id: 1, method: 'ping' })).rejects.toThrow(/Not connected/);
  });

  it('removes the container when closed', async () => {
    const { transport, removed } = pair();
    let closes = 0;
    transport.onclose = () => void (closes += 1);
    await transport.start();
    await transport.close();
    expect(removed).toEqual(['removed']);
    expect(closes).toBe(1);
  });
});
