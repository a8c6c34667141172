// The agent's HTTP API (docs/agent.md): loopback TCP by default, or a unix socket; every
// request must carry the bearer token. POST /v1/jobs streams the job's progress as JSON
// lines on the same response; a client that goes away cancels its job, which releases
// the lease at once.
import { createHash, timingSafeEqual } from 'node:crypto';
import { chmodSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AgentError, codeOf, messageOf } from '../jobs/errors.ts';
import type { Agent, JobEvent } from '../jobs/manager.ts';
import { MAX_MODEL_BYTES, parseJobBody, toJobRequest } from './request.ts';

export type Listen = { host: string; port: number } | { socket: string };

export interface ApiOptions {
  agent: Agent;
  token: string;
  /** Default { host: '127.0.0.1', port: 0 } (a free port). */
  listen?: Listen;
  log?: (line: string) => void;
}

export interface RunningApi {
  server: Server;
  /** http://127.0.0.1:PORT, or the socket path. */
  address: string;
  close(): Promise<void>;
}

const MAX_BODY = Math.ceil(MAX_MODEL_BYTES / 3) * 4 + 64 * 1024;

/** Constant-time comparison of the Authorization header with the token (hashes equalise lengths). */
export function tokenMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer (\S+)$/.exec(header ?? '');
  const given = createHash('sha256')
    .update(m ? m[1] : '')
    .digest();
  const want = createHash('sha256').update(token).digest();
  return timingSafeEqual(given, want) && m !== null;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { error: { code, message } });
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new AgentError('bad-request', `request body over ${MAX_BODY} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function startApi(opts: ApiOptions): Promise<RunningApi> {
  if (opts.token.length < 16)
    throw new AgentError('bad-request', 'the API token must be at least 16 characters');
  const log = opts.log ?? (() => {});
  const server = createServer((req, res) => {
    handle(opts.agent, opts.token, req, res, log).catch((e: unknown) => {
      log(`api: ${messageOf(e)}`);
      if (!res.headersSent) sendError(res, 500, 'internal', messageOf(e));
      else res.end();
    });
  });
  const listen = opts.listen ?? { host: '127.0.0.1', port: 0 };
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if ('socket' in listen) {
      rmSync(listen.socket, { force: true });
      server.listen(listen.socket, () => resolve());
    } else {
      server.listen(listen.port, listen.host, () => resolve());
    }
  });
  let address: string;
  if ('socket' in listen) {
    chmodSync(listen.socket, 0o600); // the token guards it too; the mode keeps other users out
    address = listen.socket;
  } else {
    const a = server.address() as AddressInfo;
    address = `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
  }
  return {
    server,
    address,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(
  agent: Agent,
  token: string,
  req: IncomingMessage,
  res: ServerResponse,
  log: (line: string) => void,
): Promise<void> {
  if (!tokenMatches(req.headers.authorization, token)) {
    res.setHeader('www-authenticate', 'Bearer');
    sendError(res, 401, 'unauthorized', 'missing or wrong bearer token');
    return;
  }
  const url = new URL(req.url ?? '/', 'http://agent');
  if (url.pathname === '/v1/boards') {
    if (req.method !== 'GET') return sendError(res, 405, 'method', 'GET /v1/boards');
    return sendJson(res, 200, { boards: agent.status() });
  }
  if (url.pathname === '/v1/jobs') {
    if (req.method !== 'POST') return sendError(res, 405, 'method', 'POST /v1/jobs');
    return runJob(agent, req, res, log);
  }
  sendError(res, 404, 'not-found', `no endpoint ${req.method} ${url.pathname}`);
}

async function runJob(
  agent: Agent,
  req: IncomingMessage,
  res: ServerResponse,
  log: (line: string) => void,
) {
  let jobReq;
  try {
    const raw = await readBody(req);
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new AgentError('bad-request', 'request body is not JSON');
    }
    jobReq = await toJobRequest(parseJobBody(parsed));
    if (agent.candidates(jobReq.board).length === 0) {
      throw new AgentError(
        'unknown-board',
        `no board with id or label "${jobReq.board}" in the inventory`,
      );
    }
  } catch (e) {
    const code = codeOf(e);
    return sendError(res, code === 'unknown-board' ? 404 : 400, code, messageOf(e));
  }
  const ctl = new AbortController();
  // 'close' on the response before it ended: the client went away.
  res.on('close', () => {
    if (!res.writableFinished) ctl.abort();
  });
  res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
  const write = (e: JobEvent) => {
    if (!res.writableEnded && !res.destroyed) res.write(JSON.stringify(e) + '\n');
  };
  const owner = `api ${req.socket.remoteAddress ?? 'unix'}:${req.socket.remotePort ?? ''}`.trim();
  try {
    await agent.runJob(jobReq, { owner, signal: ctl.signal, onEvent: write });
  } catch (e) {
    log(`job on ${jobReq.board} for ${owner}: ${codeOf(e)}: ${messageOf(e)}`);
  }
  res.end();
}
