import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { childForMessage, createLogger } from '@ironcurtain/log';

function capture(): { lines: Array<Record<string, unknown>>; stream: Writable } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, stream };
}

describe('createLogger', () => {
  it('writes JSON lines with service, version and level', () => {
    const { lines, stream } = capture();
    createLogger({ service: 'audit-writer', version: '1.0.0', destination: stream }).info(
      { seq: 3 },
      'appended',
    );
    expect(lines[0]).toMatchObject({
      service: 'audit-writer',
      version: '1.0.0',
      level: 'info',
      seq: 3,
      msg: 'appended',
    });
  });

  it('redacts credentials by path, including nested ones', () => {
    const { lines, stream } = capture();
    const logger = createLogger({ service: 's', version: '1', destination: stream });
    logger.info(
      { apiKey: 'sk-1', config: { token: 't-2' }, request: { headers: { authorization: 'Bearer 3' } } },
      'x',
    );
    const text = JSON.stringify(lines[0]);
    expect(text).not.toMatch(/sk-1|t-2|Bearer 3/);
    expect(text).toContain('[redacted]');
  });

  it('gives a child per message with correlation fields', () => {
    const { lines, stream } = capture();
    const root = createLogger({ service: 's', version: '1', destination: stream });
    childForMessage(root, { subject: 'pdp.toolcall.v1', requestId: 'r1', sessionId: 's1' }).info('handled');
    expect(lines[0]).toMatchObject({ subject: 'pdp.toolcall.v1', requestId: 'r1', sessionId: 's1' });
  });
});
