// A small client of the agent's API for the CLI (and tests): GET /v1/boards, and POST
// /v1/jobs with its progress lines handed to a callback as they arrive.
import { request, type IncomingMessage } from 'node:http';
import type { ResultDocument } from '../../src/schema/result-types.ts';
import { AgentError } from '../jobs/errors.ts';
import type { BoardStatus, JobEvent } from '../jobs/manager.ts';
import type { JobBody } from './request.ts';

/** http://host:port or a unix socket path. */
export interface AgentAddress {
  url?: string;
  socket?: string;
  token: string;
}

export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

function send(
  addr: AgentAddress,
  method: string,
  path: string,
  body: unknown,
  signal?: AbortSignal,
): Promise<IncomingMessage> {
  const text = body === undefined ? undefined : JSON.stringify(body);
  const target = addr.socket
    ? { socketPath: addr.socket }
    : (() => {
        const u = new URL(addr.url ?? 'http://127.0.0.1:7878');
        return { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || 80) };
      })();
  return new Promise((resolve, reject) => {
    const req = request(
      {
        ...target,
        method,
        path,
        signal,
        headers: {
          authorization: `Bearer ${addr.token}`,
          ...(text !== undefined
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }
            : {}),
        },
      },
      resolve,
    );
    req.on('error', (e) =>
      reject(
        new AgentError('cancelled', `agent at ${addr.socket ?? addr.url}: ${e.message}`, {
          cause: e,
        }),
      ),
    );
    req.end(text);
  });
}

async function readAll(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function failure(res: IncomingMessage): Promise<ApiError> {
  const text = await readAll(res);
  try {
    const e = (JSON.parse(text) as { error: { code: string; message: string } }).error;
    return new ApiError(res.statusCode ?? 0, e.code, e.message);
  } catch {
    return new ApiError(
      res.statusCode ?? 0,
      'http',
      `HTTP ${res.statusCode}: ${text.slice(0, 200)}`,
    );
  }
}

export async function getBoards(addr: AgentAddress): Promise<BoardStatus[]> {
  const res = await send(addr, 'GET', '/v1/boards', undefined);
  if (res.statusCode !== 200) throw await failure(res);
  return (JSON.parse(await readAll(res)) as { boards: BoardStatus[] }).boards;
}

/** Runs a job; resolves with the result, rejects with the job's error event. */
export async function postJob(
  addr: AgentAddress,
  body: JobBody,
  onEvent?: (e: JobEvent) => void,
  signal?: AbortSignal,
): Promise<ResultDocument> {
  const res = await send(addr, 'POST', '/v1/jobs', body, signal);
  if (res.statusCode !== 200) throw await failure(res);
  let tail = '';
  let result: ResultDocument | undefined;
  let error: ApiError | undefined;
  for await (const chunk of res) {
    tail += (chunk as Buffer).toString('utf8');
    let nl: number;
    while ((nl = tail.indexOf('\n')) >= 0) {
      const line = tail.slice(0, nl);
      tail = tail.slice(nl + 1);
      if (!line.trim()) continue;
      const e = JSON.parse(line) as JobEvent;
      onEvent?.(e);
      if (e.event === 'result') result = e.result;
      if (e.event === 'error') error = new ApiError(200, e.code, e.message);
    }
  }
  if (result) return result;
  throw (
    error ?? new ApiError(200, 'incomplete', 'the agent closed the job stream without a result')
  );
}
