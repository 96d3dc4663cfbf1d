// A wire-level fake of the model endpoints of Anthropic's API (`GET /v1/models`, `GET /v1/models/<id>`), which
// libs/testing's fake-anthropic does not serve: the responses and the 401 `authentication_error` are the real API's
// shapes. HTTPS with the given certificate, so the real egress reaches it through its upstream override.
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The fake, with every request it received. */
export interface FakeModelList {
  readonly url: string;
  readonly requests: Array<{ method: string; path: string; headers: IncomingMessage['headers'] }>;
  close(): Promise<void>;
}

/** Serves the model list of `models` to requests that carry `apiKey` in `x-api-key` and `anthropic-version`. */
export async function startFakeAnthropicModelList(options: {
  apiKey: string;
  models: readonly string[];
  tls: { key: string; cert: string };
}): Promise<FakeModelList> {
  const requests: FakeModelList['requests'] = [];
  const server = createServer(options.tls, (request, response) => {
    const path = new URL(request.url ?? '/', 'https://fake').pathname;
    requests.push({ method: request.method ?? '', path, headers: request.headers });
    answer(options, request, path, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function answer(
  options: { apiKey: string; models: readonly string[] },
  request: IncomingMessage,
  path: string,
  response: ServerResponse,
): void {
  const send = (status: number, body: unknown): void => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  };
  const error = (status: number, type: string, message: string) =>
    send(status, { type: 'error', error: { type, message } });
  if (request.method !== 'GET' || !/^\/v1\/models(\/[^/]+)?$/.test(path))
    return error(404, 'not_found_error', 'Not found');
  if (request.headers['x-api-key'] !== options.apiKey)
    return error(401, 'authentication_error', 'invalid x-api-key');
  if (request.headers['anthropic-version'] === undefined) {
    return error(400, 'invalid_request_error', 'anthropic-version: header is required');
  }
  const model = (id: string) => ({ type: 'model', id, display_name: id, created_at: '2025-01-01T00:00:00Z' });
  const id = path.split('/')[3];
  if (id === undefined) {
    const data = options.models.map(model);
    return send(200, {
      data,
      has_more: false,
      first_id: options.models[0] ?? null,
      last_id: options.models.at(-1) ?? null,
    });
  }
  if (!options.models.includes(id)) return error(404, 'not_found_error', `model: ${id}`);
  send(200, model(id));
}
