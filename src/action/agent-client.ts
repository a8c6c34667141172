// The pipeline's BenchFn over the runner agent's HTTP API (docs/agent.md): POST /v1/jobs
// with a bearer token, progress streamed back as NDJSON lines on the same response, the
// last line carrying the result document or the error. The document crosses a process
// boundary, so it is validated here like any other input.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { BenchFn } from '../pipeline/index.ts';
import type { ResultDocument } from '../schema/result-types.ts';
import { validate } from '../schema/validate.ts';
import { evaluationSteps } from './progress.ts';

export class AgentClientError extends Error {
  /** 'unreachable': no connection; 'http': a status other than 200; 'protocol': a bad stream; else the agent's own code. */
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'AgentClientError';
    this.code = code;
  }
}

export type AgentEndpoint = { url: URL; token: string } | { socketPath: string; token: string };

// A result document of a large model with a dataset stays well below this; a line past it
// is a broken or hostile stream.
const MAX_LINE = 32 << 20;

/** One JSON line of the job stream, as far as this client reads it. */
type JobLine =
  | { event: 'result'; result: unknown }
  | { event: 'error'; code?: unknown; message?: unknown }
  | { event: string; [k: string]: unknown };

export function httpBench(endpoint: AgentEndpoint): BenchFn {
  return async (req, progress) => {
    const body = JSON.stringify({
      board: req.board,
      model: { base64: Buffer.from(req.model).toString('base64'), name: req.modelName },
      repeats: req.repeats,
      warmup: req.warmup,
      ...(req.dataset !== undefined ? { dataset: req.dataset } : {}),
      commit: req.commit,
    });
    const where = `agent ${describe(endpoint)}`;
    const res = await post(endpoint, '/v1/jobs', body, where);
    if (res.statusCode !== 200) {
      const text = await readAll(res, 64 << 10);
      throw new AgentClientError(
        'http',
        `${where}: POST /v1/jobs answered ${res.statusCode}: ${agentMessage(text)}`,
      );
    }
    let result: unknown;
    const step = evaluationSteps();
    for await (const line of ndjson(res, where)) {
      if (line.event === 'result' && 'result' in line) {
        result = line.result;
      } else if (line.event === 'error') {
        const code = typeof line.code === 'string' ? line.code : 'agent-error';
        const message = typeof line.message === 'string' ? line.message : 'no message';
        throw new AgentClientError(code, `${where}, board ${req.board}: ${code}: ${message}`);
      } else if (line.event !== 'evaluating' || step(Number(line.done), Number(line.total))) {
        progress?.(progressLine(line));
      }
    }
    if (result === undefined) {
      const why = `the job stream of board ${req.board} ended without a result`;
      throw new AgentClientError('protocol', `${where}: ${why}`);
    }
    validate('result', result, `${where}: result of ${req.modelName} on ${req.board}`);
    return result as ResultDocument;
  };
}

function describe(e: AgentEndpoint): string {
  return 'url' in e ? e.url.origin : `unix:${e.socketPath}`;
}

function post(e: AgentEndpoint, path: string, body: string, where: string) {
  return new Promise<IncomingMessage>((resolve, reject) => {
    const headers = {
      authorization: `Bearer ${e.token}`,
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    };
    const req =
      'url' in e
        ? (e.url.protocol === 'https:' ? httpsRequest : httpRequest)(new URL(path, e.url), {
            method: 'POST',
            headers,
          })
        : httpRequest({ socketPath: e.socketPath, path, method: 'POST', headers });
    req.on('response', resolve);
    req.on('error', (err) => {
      reject(new AgentClientError('unreachable', `${where}: ${err.message}`));
    });
    req.end(body);
  });
}

async function readAll(res: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of res as AsyncIterable<Buffer>) {
    if (size < limit) chunks.push(c);
    size += c.length;
  }
  return Buffer.concat(chunks).toString('utf8').slice(0, limit);
}

function agentMessage(text: string): string {
  try {
    const j = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    if (typeof j.error?.message === 'string') return `${String(j.error.code)}: ${j.error.message}`;
  } catch {
    // Not the agent's JSON error: show the start of the text.
  }
  return text.slice(0, 200);
}

/** JSON lines of the response; keeps a partial line between chunks, bounded by MAX_LINE. */
async function* ndjson(res: IncomingMessage, where: string): AsyncGenerator<JobLine> {
  let pending: Buffer[] = [];
  let pendingSize = 0;
  const parse = (raw: Buffer): JobLine => {
    let v: unknown;
    try {
      v = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new AgentClientError('protocol', `${where}: a job stream line is not JSON`);
    }
    if (
      typeof v !== 'object' ||
      v === null ||
      typeof (v as { event?: unknown }).event !== 'string'
    ) {
      throw new AgentClientError('protocol', `${where}: a job stream line has no event`);
    }
    return v as JobLine;
  };
  for await (const chunk of res as AsyncIterable<Buffer>) {
    let start = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      const line = Buffer.concat([...pending, chunk.subarray(start, nl)]);
      pending = [];
      pendingSize = 0;
      start = nl + 1;
      if (line.length > 0) yield parse(line);
    }
    if (start < chunk.length) {
      pending.push(chunk.subarray(start));
      pendingSize += chunk.length - start;
      if (pendingSize > MAX_LINE) {
        throw new AgentClientError(
          'protocol',
          `${where}: a job stream line exceeds ${MAX_LINE} bytes`,
        );
      }
    }
  }
  if (pendingSize > 0) yield parse(Buffer.concat(pending));
}

function progressLine(line: JobLine): string {
  switch (line.event) {
    case 'queued':
      return `queued (${String(line.ahead)} ahead)`;
    case 'leased':
      return `leased board ${String(line.boardId)}`;
    case 'uploading':
      return `uploading ${String(line.percent)}%`;
    case 'invoking':
      return `invoking (${String(line.warmup)} warm-up, ${String(line.repeats)} timed)`;
    case 'evaluating':
      return `evaluating ${String(line.done)}/${String(line.total)}`;
    default:
      return line.event;
  }
}
