// The validating edge: every document that crosses a boundary (configuration, board
// inventory, result, model analysis) goes through validate() before code trusts its
// type. Schemas are read once from schemas/ and compiled on first use. Problems are
// reported as `<source>: <json pointer>: <problem>`, phrased for people rather than
// as ajv's raw messages, so a typo in tinyml-gate.yml reads as a typo.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { AnySchemaObject, ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { BoardsFile } from './boards-types.ts';
import { crossFieldProblems } from './checks.ts';
import type { Config } from './config-types.ts';
import type { DatasetManifest } from '../host/dataset/types.ts';
import type { EvalDocument } from '../host/evaluate.ts';
import { DocumentError, SchemaError, type SchemaProblem } from './errors.ts';
import type { ModelAnalysis, ResultDocument } from './result-types.ts';

export type SchemaName = 'result' | 'config' | 'boards' | 'modelAnalysis' | 'dataset' | 'eval';

/** The type a document has once validate() accepted it. */
export interface DocumentTypes {
  result: ResultDocument;
  config: Config;
  boards: BoardsFile;
  modelAnalysis: ModelAnalysis;
  dataset: DatasetManifest;
  eval: EvalDocument;
}

const BASE = 'https://tinyml-gate.dev/schemas/';
const SCHEMA_REFS: Record<SchemaName, string> = {
  result: `${BASE}result.schema.json`,
  config: `${BASE}config.schema.json`,
  boards: `${BASE}boards.schema.json`,
  modelAnalysis: `${BASE}result.schema.json#/$defs/modelAnalysis`,
  dataset: `${BASE}dataset.schema.json`,
  eval: `${BASE}eval.schema.json`,
};
const SCHEMA_FILES = [
  'result.schema.json',
  'config.schema.json',
  'boards.schema.json',
  'dataset.schema.json',
  'eval.schema.json',
];

/**
 * The schemas folder: beside src/ when run from sources (src/schema/ -> ../../schemas),
 * beside dist/ when bundled into one file (dist/ -> ../schemas).
 */
export function schemasDir(): string {
  const candidates = ['../../schemas/', '../schemas/'].map((rel) =>
    fileURLToPath(new URL(rel, import.meta.url)),
  );
  const found = candidates.find((dir) => existsSync(`${dir}config.schema.json`));
  if (found === undefined) {
    const message = `schemas not found (looked in ${candidates.join(' and ')})`;
    throw new DocumentError('file-missing', 'tinyml-gate', message);
  }
  return found;
}

// Two instances: one pure, one that fills in schema defaults (it mutates the document,
// so only loaders use it, on data they have just parsed).
const instances = new Map<boolean, Ajv2020>();
const validators = new Map<string, ValidateFunction>();

function ajvInstance(useDefaults: boolean): Ajv2020 {
  let ajv = instances.get(useDefaults);
  if (ajv === undefined) {
    // strictTypes/strictRequired off: if/then branches constrain and require properties
    // that the main schema defines, without restating them.
    ajv = new Ajv2020({
      allErrors: true,
      verbose: true,
      strict: true,
      strictTypes: false,
      strictRequired: false,
      useDefaults,
    });
    addFormats.default(ajv);
    // `hint`: our annotation giving the message for a failed pattern/const/not/...
    ajv.addKeyword({ keyword: 'hint', schemaType: 'string' });
    const dir = schemasDir();
    for (const file of SCHEMA_FILES) {
      ajv.addSchema(JSON.parse(readFileSync(`${dir}${file}`, 'utf8')) as AnySchemaObject);
    }
    instances.set(useDefaults, ajv);
  }
  return ajv;
}

function validator(schema: SchemaName, useDefaults: boolean): ValidateFunction {
  const key = `${schema}:${useDefaults}`;
  let fn = validators.get(key);
  if (fn === undefined) {
    fn = ajvInstance(useDefaults).getSchema(SCHEMA_REFS[schema]);
    if (fn === undefined) throw new Error(`schema ${SCHEMA_REFS[schema]} is not loaded`);
    validators.set(key, fn);
  }
  return fn;
}

export interface CheckOptions {
  /** Fill in schema defaults (mutates doc). Default false. */
  applyDefaults?: boolean;
}

/**
 * Every problem of doc against the schema, then the rules a schema cannot express
 * (unique names, references between fields); the latter only once the shape is right.
 */
export function findProblems(
  schema: SchemaName,
  doc: unknown,
  opts: CheckOptions = {},
): SchemaProblem[] {
  const fn = validator(schema, opts.applyDefaults ?? false);
  if (fn(doc)) {
    // Dataset manifests and eval documents have no cross-field rules.
    return schema === 'dataset' || schema === 'eval' ? [] : crossFieldProblems(schema, doc);
  }
  return describeErrors(fn.errors ?? []);
}

/** Throws SchemaError (code 'schema-invalid') listing every problem; source names the document. */
export function validate<S extends SchemaName>(
  schema: S,
  doc: unknown,
  source: string,
): asserts doc is DocumentTypes[S] {
  const problems = findProblems(schema, doc);
  if (problems.length > 0) throw new SchemaError(source, problems);
}

export function isValid<S extends SchemaName>(schema: S, doc: unknown): doc is DocumentTypes[S] {
  return findProblems(schema, doc).length === 0;
}

// Keywords whose failure is best explained by the schema's own `hint`.
const HINTED = new Set([
  'pattern',
  'const',
  'enum',
  'not',
  'contains',
  'minProperties',
  'maxProperties',
]);

const FORMATS: Record<string, string> = {
  date: 'must be a date, YYYY-MM-DD',
  'date-time': 'must be a date-time such as 2026-01-31T12:00:00Z',
};

/** ajv errors as problems: one per cause, in people's words, duplicates removed. */
function describeErrors(errors: readonly ErrorObject[]): SchemaProblem[] {
  const out: SchemaProblem[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    const message = describe(e);
    if (message === null) continue;
    const id = `${e.instancePath}\u0000${message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const key =
      e.keyword === 'additionalProperties'
        ? String((e.params as Record<string, unknown>).additionalProperty)
        : e.propertyName;
    out.push(
      key === undefined
        ? { pointer: e.instancePath, message }
        : { pointer: e.instancePath, message, key },
    );
  }
  return out;
}

function describe(e: ErrorObject): string | null {
  const params = e.params as Record<string, unknown>;
  const parent = (e.parentSchema ?? {}) as AnySchemaObject;
  // "must match then schema" and "property name must be valid" only repeat the
  // errors of the branch or the name that follow them.
  if (e.keyword === 'if' || e.keyword === 'propertyNames') return null;
  let message: string;
  if (HINTED.has(e.keyword) && typeof parent.hint === 'string') {
    message = parent.hint;
  } else {
    message = plainMessage(e, params, parent);
  }
  return e.propertyName === undefined ? message : `key "${e.propertyName}": ${message}`;
}

function plainMessage(
  e: ErrorObject,
  params: Record<string, unknown>,
  parent: AnySchemaObject,
): string {
  switch (e.keyword) {
    case 'additionalProperties': {
      const field = String(params.additionalProperty);
      const known = Object.keys((parent.properties ?? {}) as object);
      const near = nearest(field, known);
      return `unknown field "${field}"${near === null ? '' : ` (did you mean "${near}"?)`}`;
    }
    case 'enum':
      return `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `must be ${JSON.stringify(params.allowedValue)}`;
    case 'type': {
      const t = params.type;
      return `must be ${(Array.isArray(t) ? t : String(t).split(',')).join(' or ')}`;
    }
    case 'format':
      return FORMATS[String(params.format)] ?? `must be a ${String(params.format)}`;
    case 'not':
      return 'is not allowed here';
    case 'uniqueItems':
      return `must not repeat an entry (items ${String(params.j)} and ${String(params.i)} are equal)`;
    default:
      return e.message ?? e.keyword;
  }
}

/** The known field closest to a typo, when it is close enough to be the intent. */
function nearest(field: string, known: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Math.max(1, Math.floor(field.length / 3)) + 1;
  for (const k of known) {
    const d = editDistance(field.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}
