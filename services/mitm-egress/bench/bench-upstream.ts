// The upstream of the bench, run as its own process (`node bench-upstream.ts <cert.pem> <key.pem>`; prints its port):
// a TLS server (HTTP/1.1, keep-alive) that answers a small Messages API JSON body, or an SSE stream whose first event
// goes out at once and the last after a pause.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';

const messageBody = JSON.stringify({
  id: 'msg_bench',
  type: 'message',
  role: 'assistant',
  model: 'claude-bench',
  content: [{ type: 'text', text: 'ok' }],
  stop_reason: 'end_turn',
  usage: { input_tokens: 10, output_tokens: 2 },
});
const firstEvent =
  'event: message_start\ndata: {"type":"message_start","message":{"model":"claude-bench","usage":{"input_tokens":10,"output_tokens":1}}}\n\n';
const lastEvent = 'event: message_delta\ndata: {"type":"message_delta","usage":{"output_tokens":2}}\n\n';

const [certificateFile = '', keyFile = ''] = process.argv.slice(2);
const server = createServer(
  {
    cert: readFileSync(certificateFile),
    key: readFileSync(keyFile),
    keepAliveTimeout: 60_000,
    noDelay: true,
  },
  (request, response) => {
    request.resume();
    request.on('end', () => {
      if (request.headers['x-bench-stream'] === '1') {
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        response.write(firstEvent);
        setTimeout(() => response.end(lastEvent), 5);
        return;
      }
      response.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(messageBody),
      });
      response.end(messageBody);
    });
  },
);
server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as AddressInfo).port}\n`));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
