// GitHub's published REST description (@octokit/openapi, api.github.com, OpenAPI 3.0),
// loaded once and turned into request checks for the API double: the operation a
// method and path name, its path and query parameters, its JSON body; and the
// response schema of each status, so that the double's answers are checked too.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

type Json = Record<string, unknown>;

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Json;
}

export interface Operation {
  operationId: string;
  method: string;
  /** The documented path template, /repos/{owner}/{repo}/... */
  template: string;
  parameters: Parameter[];
  body: { required: boolean; schema: Json } | null;
  responses: Record<string, Json | null>;
  /** Path segments: a literal, or null for a {parameter}. */
  segments: (string | null)[];
}

export interface Spec {
  operations: Operation[];
  examples: Json;
  ajv: Ajv;
  validators: Map<string, ValidateFunction>;
}

const ROOT = 'gh';
let cached: Spec | undefined;

/** The description, parsed and prepared once per process (about a second). */
export function loadSpec(): Spec {
  if (cached !== undefined) return cached;
  const require = createRequire(import.meta.url);
  const raw = JSON.parse(
    readFileSync(require.resolve('@octokit/openapi/generated/api.github.com.json'), 'utf8'),
  ) as Json;
  const doc = toJsonSchema(raw) as Json;
  const components = doc.components as Json;
  const ajv = new Ajv({ strict: false, allErrors: true, logger: false });
  addFormats.default(ajv);
  ajv.addSchema({ $id: ROOT, components }, ROOT);
  const operations: Operation[] = [];
  for (const [template, item] of Object.entries(doc.paths as Json)) {
    const pathItem = item as Json;
    const shared = (pathItem.parameters as Json[] | undefined) ?? [];
    for (const method of ['get', 'post', 'put', 'patch', 'delete']) {
      const op = pathItem[method] as Json | undefined;
      if (op === undefined) continue;
      const params = [...shared, ...((op.parameters as Json[] | undefined) ?? [])].map(
        (p) => deref(components, p) as unknown as Parameter,
      );
      const rb = op.requestBody === undefined ? null : deref(components, op.requestBody as Json);
      const rbSchema = ((rb?.content as Json | undefined)?.['application/json'] as Json | undefined)
        ?.schema as Json | undefined;
      const responses: Record<string, Json | null> = {};
      for (const [status, r] of Object.entries((op.responses as Json) ?? {})) {
        const res = deref(components, r as Json);
        const content = (res.content as Json | undefined)?.['application/json'] as Json | undefined;
        responses[status] = (content?.schema as Json | undefined) ?? null;
      }
      operations.push({
        operationId: String(op.operationId),
        method: method.toUpperCase(),
        template,
        parameters: params,
        body: rb === null ? null : { required: rb.required === true, schema: rbSchema ?? {} },
        responses,
        segments: template
          .split('/')
          .slice(1)
          .map((s) => (/^\{.+\}$/.test(s) ? null : s)),
      });
    }
  }
  cached = { operations, examples: components.examples as Json, ajv, validators: new Map() };
  return cached;
}

/** The operation for a method and path; with several, the one with the most literal segments. */
export function findOperation(spec: Spec, method: string, path: string): Operation | undefined {
  const segs = path.split('/').slice(1);
  let best: Operation | undefined;
  let bestLiterals = -1;
  for (const op of spec.operations) {
    if (op.method !== method || op.segments.length !== segs.length) continue;
    if (!op.segments.every((s, i) => s === null || s === segs[i])) continue;
    const literals = op.segments.filter((s) => s !== null).length;
    if (literals > bestLiterals) {
      best = op;
      bestLiterals = literals;
    }
  }
  return best;
}

/** The path parameters of a matched path, by name. */
export function pathParams(op: Operation, path: string): Record<string, string> {
  const segs = path.split('/').slice(1);
  const names = op.template.split('/').slice(1);
  const out: Record<string, string> = {};
  names.forEach((n, i) => {
    if (op.segments[i] === null) out[n.slice(1, -1)] = decodeURIComponent(segs[i]);
  });
  return out;
}

/** Problems of value against schema ('' when valid); key caches the compiled check. */
export function check(spec: Spec, key: string, schema: Json, value: unknown): string {
  let fn = spec.validators.get(key);
  if (fn === undefined) {
    fn = spec.ajv.compile(schema);
    spec.validators.set(key, fn);
  }
  if (fn(value)) return '';
  return (fn.errors ?? [])
    .slice(0, 5)
    .map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}`)
    .join('; ');
}

/** A query or path string as the type its schema says (integers, booleans). */
export function coerce(schema: Json | undefined, raw: string): unknown {
  const type = schema?.type;
  if (type === 'integer' || type === 'number')
    return /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
  if (type === 'boolean') return raw === 'true' ? true : raw === 'false' ? false : raw;
  return raw;
}

function deref(components: Json, node: Json): Json {
  let n = node;
  for (let i = 0; i < 8 && typeof n.$ref === 'string'; i++) {
    const [, section, name] = /^gh#\/components\/([^/]+)\/(.+)$/.exec(n.$ref) ?? [];
    if (section === undefined || section === 'schemas') return n;
    n = (components[section] as Json)[name] as Json;
  }
  return n;
}

/**
 * OpenAPI 3.0 schema dialect to JSON Schema: `nullable: true` becomes a null branch, and
 * local references point into the components registered as `gh`.
 */
function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (typeof node !== 'object' || node === null) return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node as Json)) {
    if (k === '$ref' && typeof v === 'string' && v.startsWith('#/')) out[k] = `${ROOT}${v}`;
    else if (k === 'example' || k === 'examples' || k === 'description') out[k] = v;
    else out[k] = toJsonSchema(v);
  }
  if (out.nullable === true) {
    delete out.nullable;
    if (typeof out.type === 'string') {
      out.type = [out.type, 'null'];
      if (Array.isArray(out.enum)) out.enum = [...(out.enum as unknown[]), null];
    } else {
      return { anyOf: [out, { type: 'null' }] };
    }
  }
  return out;
}

/**
 * '' when the request follows the operation's description, else the problems. Sets
 * record.body to the parsed JSON body.
 */
export function checkRequest(
  spec: Spec,
  op: Operation,
  url: URL,
  rawBody: string,
  record: { query: Record<string, string>; body: unknown },
  contentType: string | undefined,
): string {
  const problems: string[] = [];
  const path = pathParams(op, url.pathname);
  for (const param of op.parameters) {
    if (param.in === 'path') {
      const bad = check(
        spec,
        `${op.operationId} path ${param.name}`,
        param.schema ?? {},
        coerce(param.schema, path[param.name] ?? ''),
      );
      if (bad !== '') problems.push(`path parameter ${param.name}: ${bad}`);
    }
  }
  const documented = new Map(op.parameters.filter((x) => x.in === 'query').map((x) => [x.name, x]));
  for (const [name, value] of Object.entries(record.query)) {
    const param = documented.get(name);
    if (param === undefined) {
      problems.push(`query parameter ${name} is not documented`);
      continue;
    }
    const bad = check(
      spec,
      `${op.operationId} query ${name}`,
      param.schema ?? {},
      coerce(param.schema, value),
    );
    if (bad !== '') problems.push(`query parameter ${name}: ${bad}`);
  }
  for (const param of documented.values()) {
    if (param.required === true && record.query[param.name] === undefined)
      problems.push(`query parameter ${param.name} is required`);
  }
  if (rawBody !== '') {
    if (op.body === null)
      return [...problems, 'a body was sent to an operation that takes none'].join('; ');
    if (!/^application\/json\b/.test(contentType ?? ''))
      problems.push(`content-type ${String(contentType)} is not application/json`);
    try {
      record.body = JSON.parse(rawBody) as unknown;
    } catch {
      return [...problems, 'the body is not JSON'].join('; ');
    }
    const bad = check(spec, `${op.operationId} body`, op.body.schema, record.body);
    if (bad !== '') problems.push(`body: ${bad}`);
    // Stricter than GitHub, which ignores unknown fields: a misspelt field is a bug.
    const known = op.body.schema.properties as Json | undefined;
    if (
      known !== undefined &&
      typeof record.body === 'object' &&
      record.body !== null &&
      !Array.isArray(record.body)
    ) {
      for (const k of Object.keys(record.body))
        if (!(k in known)) problems.push(`body field ${k} is not documented`);
    }
  } else if (op.body?.required === true) {
    problems.push('the body is required');
  }
  return problems.join('; ');
}
