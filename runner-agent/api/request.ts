// The body of POST /v1/jobs, validated with ajv before anything else looks at it: a
// closed object (no field the agent does not know, so nothing like a command can ride
// along), bounded sizes, and paths only to .tflite and dataset.json files.
import { readFile } from 'node:fs/promises';
import { basename, isAbsolute } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { AgentError } from '../jobs/errors.ts';
import type { JobRequest } from '../jobs/manager.ts';

export interface JobBody {
  board: string;
  model: { base64: string; name?: string } | { path: string };
  dataset?: string;
  limit?: number;
  repeats?: number;
  warmup?: number;
  commit?: { sha: string; ref?: string };
}

/** Largest model accepted in a request (base64 grows it by a third). */
export const MAX_MODEL_BYTES = 16 << 20;

const NAME = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$', maxLength: 64 };

export const jobBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['board', 'model'],
  properties: {
    board: NAME,
    model: {
      oneOf: [
        {
          type: 'object',
          additionalProperties: false,
          required: ['base64'],
          properties: {
            base64: {
              type: 'string',
              minLength: 4,
              maxLength: Math.ceil(MAX_MODEL_BYTES / 3) * 4,
              pattern: '^[A-Za-z0-9+/]*={0,2}$',
            },
            name: {
              type: 'string',
              minLength: 1,
              maxLength: 128,
              pattern: '^[^/\\\\\\u0000-\\u001f]+$',
            },
          },
        },
        {
          type: 'object',
          additionalProperties: false,
          required: ['path'],
          properties: {
            path: { type: 'string', minLength: 1, maxLength: 4096, pattern: '\\.tflite$' },
          },
        },
      ],
    },
    dataset: { type: 'string', minLength: 1, maxLength: 4096, pattern: '\\.json$' },
    limit: { type: 'integer', minimum: 1, maximum: 1_000_000 },
    repeats: { type: 'integer', minimum: 1, maximum: 1000, default: 5 },
    warmup: { type: 'integer', minimum: 0, maximum: 100, default: 1 },
    commit: {
      type: 'object',
      additionalProperties: false,
      required: ['sha'],
      properties: {
        sha: { type: 'string', pattern: '^(?:[0-9a-f]{40}|[0-9a-f]{64})$' },
        ref: { type: 'string', minLength: 1, maxLength: 256 },
      },
    },
  },
} as const;

const ajv = new Ajv2020({ allErrors: true, useDefaults: true, strict: false });
const check = ajv.compile<JobBody>(jobBodySchema);

/** Validates a parsed body (defaults filled in) or throws 'bad-request' listing the problems. */
export function parseJobBody(body: unknown): JobBody {
  if (check(body)) return body;
  const problems = (check.errors ?? [])
    .slice(0, 5)
    .map(
      (e) =>
        `${e.instancePath || '/'}: ${e.message ?? 'invalid'}${e.params && 'additionalProperty' in e.params ? ` "${String(e.params.additionalProperty)}"` : ''}`,
    );
  throw new AgentError('bad-request', `job request: ${problems.join('; ')}`, { boardFault: false });
}

/** Reads the model and turns the body into the agent's JobRequest. */
export async function toJobRequest(body: JobBody): Promise<JobRequest> {
  let model: Uint8Array;
  let modelName: string;
  if ('base64' in body.model) {
    model = Buffer.from(body.model.base64, 'base64');
    modelName = body.model.name ?? 'model.tflite';
  } else {
    const path = body.model.path;
    if (!isAbsolute(path))
      throw new AgentError(
        'bad-request',
        `model.path "${path}" must be absolute (a path on the runner)`,
      );
    try {
      model = await readFile(path);
    } catch (e) {
      throw new AgentError('bad-request', `model.path ${path}: ${(e as Error).message}`, {
        boardFault: false,
      });
    }
    modelName = basename(path);
  }
  if (model.length > MAX_MODEL_BYTES) {
    throw new AgentError(
      'bad-request',
      `model of ${model.length} bytes is over the agent's limit of ${MAX_MODEL_BYTES}`,
    );
  }
  if (body.dataset !== undefined && !isAbsolute(body.dataset)) {
    throw new AgentError(
      'bad-request',
      `dataset "${body.dataset}" must be an absolute path on the runner`,
    );
  }
  return {
    board: body.board,
    model,
    modelName,
    repeats: body.repeats ?? 5,
    warmup: body.warmup ?? 1,
    ...(body.dataset !== undefined ? { dataset: body.dataset } : {}),
    ...(body.limit !== undefined ? { limit: body.limit } : {}),
    ...(body.commit !== undefined ? { commit: body.commit } : {}),
  };
}
