import type { ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import type { ReceivedRequest } from './local-server.js';

const paragraph = (topic: string): string =>
  `<p>${`This paragraph explains ${topic} in enough words, with commas, clauses and detail, for Readability to score it as content. `.repeat(6)}</p>`;

/** An article page with navigation, a footer, a script and an image pointing at `pixelUrl` (which must stay unfetched). */
export function articlePage(pixelUrl: string): string {
  return `<!doctype html>
<html><head><title>Article Title</title><base href="/docs/"><link rel="stylesheet" href="${pixelUrl}/style.css"></head>
<body>
<nav><a href="/">Home</a> | <a href="/about">About us</a></nav>
<article>
  <h1>Article Title</h1>
  ${paragraph('the first idea')}
  <h2>Section Two</h2>
  ${paragraph('the second idea')}
  <p>Read <a href="guide.html">the relative link</a> or <a href="https://example.org/absolute">the absolute one</a>.</p>
  <ul><li>first item</li><li>second item</li></ul>
  <img src="${pixelUrl}/pixel.png" alt="pixel">
  ${paragraph('the third idea')}
</article>
<footer>Footer junk and copyright</footer>
<script>console.log("script ran"); document.title = "changed by script";</script>
</body></html>`;
}

/** Routes of the page server http_fetch is pointed at in the end-to-end tests. */
export function pageRoutes(
  pixelUrl: string,
): Record<string, (request: ReceivedRequest, response: ServerResponse) => void> {
  return {
    '/article': (_request, response) => send(response, 'text/html; charset=utf-8', articlePage(pixelUrl)),
    '/plain': (_request, response) => send(response, 'text/plain', 'just plain text\nsecond line'),
    '/json': (_request, response) => send(response, 'application/json', '{"answer":42}'),
    '/long': (_request, response) => send(response, 'text/plain', 'x'.repeat(20_000)),
    '/latin1': (_request, response) => {
      response.setHeader('content-type', 'text/plain; charset=iso-8859-1');
      response.end(Buffer.from([0x63, 0x61, 0x66, 0xe9])); // "café" in Latin-1
    },
    '/image': (_request, response) => {
      response.setHeader('content-type', 'image/png');
      response.end(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]));
    },
    '/missing': (_request, response) => {
      response.statusCode = 404;
      send(
        response,
        'text/html',
        '<html><body><h1>Not here</h1><p>This page does not exist.</p></body></html>',
      );
    },
    '/headers': (request, response) => send(response, 'application/json', JSON.stringify(request.headers)),
    '/endless': (_request, response) => streamForever(response),
    '/gzip-bomb': (_request, response) => {
      response.setHeader('content-type', 'text/plain');
      response.setHeader('content-encoding', 'gzip');
      response.end(gzipSync(Buffer.alloc(11 * 1024 * 1024, 0x61)));
    },
    '/slow': () => {
      // Never answers: the request's timeout must end it.
    },
    '/loop': (_request, response) => redirect(response, '/loop'),
  };
}

/** Answers with a 302 to `location`. */
export function redirect(response: ServerResponse, location: string): void {
  response.statusCode = 302;
  response.setHeader('location', location);
  response.end();
}

function send(response: ServerResponse, contentType: string, body: string): void {
  response.setHeader('content-type', contentType);
  response.end(body);
}

/** Set once a never-ending response's connection was closed by the client. */
export const endlessState = { isClosedByClient: false };

function streamForever(response: ServerResponse): void {
  response.setHeader('content-type', 'text/plain');
  const chunk = Buffer.alloc(64 * 1024, 0x62);
  let isOpen = true;
  response.on('close', () => {
    isOpen = false;
    endlessState.isClosedByClient = true;
  });
  const pump = (): void => {
    while (isOpen && response.write(chunk)) {
      // keep writing until the socket pushes back
    }
    if (isOpen) response.once('drain', pump);
  };
  pump();
}
