// The run manifest: tinyml-gate-run.json, written beside the result documents of one
// measure job (the artifact a fork-safe measure workflow or one matrix job uploads). It
// says what the job was asked to measure and what became of each model and board: the
// result files of base and head, or the error of a failed measurement, or why a model was
// not measured. Comment mode reads it back from artifacts it cannot trust (a fork's
// workflow wrote them), so it is checked field by field and every file name is a plain
// name inside the manifest's folder.
import { readFileSync } from 'node:fs';
import { writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { BaselineSource, Comparison, EntryStatus } from '../compare/index.ts';
import type { PipelineResult } from '../pipeline/index.ts';
import type { ResultDocument } from '../schema/result-types.ts';

export const MANIFEST_FILE = 'tinyml-gate-run.json';

export interface ManifestEntry {
  model: string;
  /** Board id or label as the configuration (or the boards input) names it. */
  board: string;
  status: EntryStatus;
  baselineSource: BaselineSource;
  /** File names (no folder) of the result documents beside the manifest. */
  head?: string;
  base?: string;
  error?: string;
}

export interface RunManifest {
  tinymlGateRun: 1;
  /** owner/name. */
  repository: string;
  event: string;
  /** The pull request the job measured, when it measured one. */
  pullRequest: number | null;
  head: { sha: string };
  base: { sha: string } | null;
  /** What the job was asked for (the models and boards inputs, else the configuration's). */
  models: string[];
  boards: string[];
  entries: ManifestEntry[];
  skipped: { model: string; reason: string }[];
}

export class ManifestError extends Error {
  readonly code: 'bad-manifest' | 'write-failed';
  constructor(code: ManifestError['code'], message: string) {
    super(message);
    this.name = 'ManifestError';
    this.code = code;
  }
}

const NAME = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$' };
const SHA = { type: 'string', pattern: '^[0-9a-f]{40}([0-9a-f]{24})?$' };
const FILE = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,250}\\.json$' };
const TEXT = { type: 'string', maxLength: 4000 };

const schema = {
  type: 'object',
  additionalProperties: false,
  required: ['tinymlGateRun', 'repository', 'event', 'pullRequest', 'head', 'base', 'models'],
  properties: {
    tinymlGateRun: { const: 1 },
    repository: { type: 'string', pattern: '^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$' },
    event: { type: 'string', pattern: '^[a-z_]{1,64}$' },
    pullRequest: { type: ['integer', 'null'], minimum: 1 },
    head: {
      type: 'object',
      additionalProperties: false,
      required: ['sha'],
      properties: { sha: SHA },
    },
    base: {
      oneOf: [
        { type: 'null' },
        {
          type: 'object',
          additionalProperties: false,
          required: ['sha'],
          properties: { sha: SHA },
        },
      ],
    },
    models: { type: 'array', items: NAME, maxItems: 1000 },
    boards: { type: 'array', items: NAME, maxItems: 1000 },
    entries: {
      type: 'array',
      maxItems: 10000,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['model', 'board', 'status', 'baselineSource'],
        properties: {
          model: NAME,
          board: NAME,
          status: { enum: ['compared', 'new', 'incomparable', 'error'] },
          baselineSource: { enum: ['remeasured', 'history', 'none'] },
          head: FILE,
          base: FILE,
          error: TEXT,
        },
      },
    },
    skipped: {
      type: 'array',
      maxItems: 1000,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['model', 'reason'],
        properties: { model: NAME, reason: TEXT },
      },
    },
  },
} as const;

let check: ReturnType<Ajv2020['compile']> | undefined;

/** Reads and checks one manifest; throws ManifestError naming the file and the field. */
export function readManifest(file: string): RunManifest {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new ManifestError('bad-manifest', `${file}: not readable JSON (${why})`);
  }
  check ??= new Ajv2020({ allErrors: false, strict: false }).compile(schema);
  if (!check(value)) {
    const err = check.errors?.[0];
    const where = err?.instancePath === '' ? '(top level)' : (err?.instancePath ?? '');
    throw new ManifestError('bad-manifest', `${file}: ${where}: ${err?.message ?? 'invalid'}`);
  }
  const m = value as RunManifest;
  return { ...m, boards: m.boards ?? [], entries: m.entries ?? [], skipped: m.skipped ?? [] };
}

export interface ManifestContext {
  repository: string;
  event: string;
  pullRequest: number | null;
  headSha: string;
  baseSha: string | null;
  models: string[];
  boards: string[];
}

/** The manifest of a finished pipeline run; result files are named relative to outDir. */
export function manifestOf(ctx: ManifestContext, run: PipelineResult): RunManifest {
  const fileOf = new Map<ResultDocument, string>();
  for (const r of run.results) fileOf.set(r.doc, path.basename(r.path));
  return {
    tinymlGateRun: 1,
    repository: ctx.repository,
    event: ctx.event,
    pullRequest: ctx.pullRequest,
    head: { sha: ctx.headSha },
    base: ctx.baseSha === null ? null : { sha: ctx.baseSha },
    models: ctx.models,
    boards: ctx.boards,
    entries: entriesOf(run.comparison, fileOf),
    skipped: run.skipped,
  };
}

function entriesOf(c: Comparison, fileOf: Map<ResultDocument, string>): ManifestEntry[] {
  return c.entries.map((e) => {
    const out: ManifestEntry = {
      model: e.model,
      board: e.board,
      status: e.status,
      baselineSource: e.baselineSource,
    };
    const head = e.head !== undefined ? fileOf.get(e.head) : undefined;
    const base = e.base !== undefined ? fileOf.get(e.base) : undefined;
    if (head !== undefined) out.head = head;
    if (base !== undefined) out.base = base;
    if (e.error !== undefined) out.error = e.error.slice(0, 4000);
    return out;
  });
}

/** A manifest for a job that failed before the pipeline gave a result: every pair an error. */
export function failedManifest(ctx: ManifestContext, error: string): RunManifest {
  return {
    tinymlGateRun: 1,
    repository: ctx.repository,
    event: ctx.event,
    pullRequest: ctx.pullRequest,
    head: { sha: ctx.headSha },
    base: ctx.baseSha === null ? null : { sha: ctx.baseSha },
    models: ctx.models,
    boards: ctx.boards,
    entries: ctx.models.flatMap((model) =>
      ctx.boards.map((board) => ({
        model,
        board,
        status: 'error' as const,
        baselineSource: 'none' as const,
        error: error.slice(0, 4000),
      })),
    ),
    skipped: [],
  };
}

export async function writeManifest(dir: string, m: RunManifest): Promise<string> {
  const file = path.join(dir, MANIFEST_FILE);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(file, `${JSON.stringify(m, null, 2)}\n`);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new ManifestError('write-failed', `${file}: cannot be written (${why})`);
  }
  return file;
}
