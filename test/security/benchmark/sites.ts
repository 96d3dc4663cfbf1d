// The two web sites of the benchmark, on loopback addresses under real names (the gateway's network filters resolve
// the names through MCPGW_SERVER_RESOLVE): the documentation site (a name the shipped policy lets the agent fetch)
// and the attacker's site, which answers every request and records it — the "listener" of exfiltration scenarios.
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';

/** Which site a page or a request belongs to. */
export type SiteName = 'docs' | 'attacker';

/** A page a scenario puts on a site. */
export interface SitePage {
  site: SiteName;
  path: string;
  body: string;
  contentType: string;
  redirectTo?: string | undefined;
}

/** One request a site received, as it arrived. */
export interface SiteRequest {
  site: SiteName;
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  receivedAt: number;
}

/** Where the sites are and what they saw. */
export interface Sites {
  /** `http://docs.python.org` */
  docsUrl: string;
  /** `http://attacker.example` */
  attackerUrl: string;
  attackerHost: string;
  docsHost: string;
  /** The names and addresses, for MCPGW_SERVER_RESOLVE and MCPGW_SERVER_ALLOW_ADDRESSES. */
  resolve: Record<string, string>;
  addresses: string[];
  /** Replaces every page (the previous scenario's go) and forgets the requests seen so far. */
  reset(pages: readonly SitePage[]): void;
  requests(site: SiteName): readonly SiteRequest[];
  close(): Promise<void>;
}

const docsHost = 'docs.python.org';
const attackerHost = 'attacker.example';
const port = 80;
const maxBodyBytes = 1024 * 1024;

/**
 * The loopback addresses the sites take: 127.0.0.8 and 127.0.0.9, or while another run holds those, the same pair in
 * 127.0.N.0/24 (N = 1…31). The URLs never change (the names are resolved through MCPGW_SERVER_RESOLVE), so runs can
 * share a machine.
 */
function addressPairs(): Array<[docs: string, attacker: string]> {
  const pairs: Array<[string, string]> = [];
  for (let network = 0; network < 32; network += 1) pairs.push([`127.0.${network}.8`, `127.0.${network}.9`]);
  return pairs;
}

/** Starts both sites on port 80 of their loopback addresses (root, or CAP_NET_BIND_SERVICE, can bind there). */
export async function startSites(): Promise<Sites> {
  for (const [docsAddress, attackerAddress] of addressPairs()) {
    try {
      return await startSitesOn(docsAddress, attackerAddress);
    } catch (error) {
      if (((error as Error).cause as NodeJS.ErrnoException | undefined)?.code !== 'EADDRINUSE') throw error;
    }
  }
  throw new Error(`cannot serve the sites: port 80 is taken on every address tried (127.0.0-31.8 and .9)`);
}

/** Answers one request with the site's page for its path (a redirect, the body), `ok` (attacker) or 404 (docs). */
function answer(site: SiteName, pages: readonly SitePage[], url: string, response: ServerResponse): void {
  const path = new URL(url, 'http://site').pathname;
  const page = pages.find((candidate) => candidate.site === site && candidate.path === path);
  if (page?.redirectTo !== undefined) {
    response.writeHead(302, { location: page.redirectTo, 'content-type': 'text/plain' });
    response.end(`redirecting to ${page.redirectTo}\n`);
  } else if (page !== undefined) {
    response.writeHead(200, { 'content-type': page.contentType });
    response.end(page.body);
  } else if (site === 'attacker') {
    response.writeHead(200, { 'content-type': 'text/plain' });
    response.end('ok\n');
  } else {
    response.writeHead(404, { 'content-type': 'text/plain' });
    response.end(`no page at ${path}\n`);
  }
}

/** A site's server: records every request (body up to 1 MiB), then answers it. */
function siteServer(site: SiteName, pages: () => readonly SitePage[], seen: SiteRequest[]): Server {
  return createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    let size = 0;
    incoming.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBodyBytes) chunks.push(chunk);
    });
    incoming.on('end', () => {
      const url = incoming.url ?? '/';
      const body = Buffer.concat(chunks).toString('utf8');
      const method = incoming.method ?? 'GET';
      seen.push({ site, method, url, headers: incoming.headers, body, receivedAt: Date.now() });
      answer(site, pages(), url, response);
    });
  });
}

async function startSitesOn(docsAddress: string, attackerAddress: string): Promise<Sites> {
  let pages: readonly SitePage[] = [];
  const seen: SiteRequest[] = [];
  const serve = (site: SiteName): Server => siteServer(site, () => pages, seen);
  const servers: Server[] = [];
  try {
    servers.push(await listen(serve('docs'), docsAddress, docsHost));
    servers.push(await listen(serve('attacker'), attackerAddress, attackerHost));
  } catch (error) {
    await Promise.all(servers.map(close));
    throw error;
  }
  return {
    docsUrl: `http://${docsHost}`,
    attackerUrl: `http://${attackerHost}`,
    attackerHost,
    docsHost,
    resolve: {
      [docsHost]: docsAddress,
      [attackerHost]: attackerAddress,
      [`*.${attackerHost}`]: attackerAddress,
    },
    addresses: [docsAddress, attackerAddress],
    reset: (next) => {
      pages = next;
      seen.length = 0;
    },
    requests: (site) => seen.filter((request) => request.site === site),
    close: async () => {
      await Promise.all(servers.map(close));
    },
  };
}

async function listen(server: Server, address: string, name: string): Promise<Server> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const why =
        error.code === 'EACCES'
          ? 'port 80 needs root or CAP_NET_BIND_SERVICE (run the benchmark as root, as CI does)'
          : error.code === 'EADDRINUSE'
            ? 'something already listens there (another benchmark run?)'
            : error.message;
      reject(new Error(`cannot serve ${name} on ${address}:${port}: ${why}`, { cause: error }));
    });
    server.listen(port, address, () => resolve());
  });
  return server;
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}
