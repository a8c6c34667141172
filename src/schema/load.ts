// Loading documents from files: YAML (tinyml-gate.yml, boards.yml) or JSON (result
// documents). Schema problems are mapped back to the line and column of the offending
// node, so that an error reads `tinyml-gate.yml:12:5: /budgets/...: must be number`.
import { readFileSync } from 'node:fs';
import {
  isAlias,
  isCollection,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
} from 'yaml';
import type { Document, Node, Pair } from 'yaml';
import type { BoardsFile } from './boards-types.ts';
import type { ResolvedConfig } from './config-types.ts';
import { DocumentError, SchemaError, type SchemaProblem } from './errors.ts';
import type { ResultDocument } from './result-types.ts';
import { findProblems, type DocumentTypes, type SchemaName } from './validate.ts';

/** tinyml-gate.yml (or .json), validated, with every default filled in. */
export function loadConfigFile(path: string): ResolvedConfig {
  return loadDocumentFile(path, 'config', { applyDefaults: true }) as unknown as ResolvedConfig;
}

/** The same for configuration text that did not come from a file (e.g. a git blob). */
export function parseConfigText(text: string, source: string): ResolvedConfig {
  return parseDocumentText(text, source, 'config', {
    applyDefaults: true,
  }) as unknown as ResolvedConfig;
}

/** The agent's boards.yml, validated, with defaults (baud, timeouts) filled in. */
export function loadBoardsFile(path: string): BoardsFile {
  return loadDocumentFile(path, 'boards', { applyDefaults: true });
}

/** A result document (JSON), validated. */
export function loadResultFile(path: string): ResultDocument {
  return loadDocumentFile(path, 'result');
}

export interface LoadOptions {
  /** Fill in the schema's defaults. Default false. */
  applyDefaults?: boolean;
  /** Default: 'json' when the source ends in .json, else 'yaml' (which also reads JSON). */
  format?: 'json' | 'yaml';
}

/** Reads, parses and validates; throws DocumentError or SchemaError naming path. */
export function loadDocumentFile<S extends SchemaName>(
  path: string,
  schema: S,
  opts: LoadOptions = {},
): DocumentTypes[S] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as { code?: unknown } | null)?.code;
    if (code === 'ENOENT') throw new DocumentError('file-missing', path, 'no such file');
    const why = e instanceof Error ? e.message : String(e);
    throw new DocumentError('file-unreadable', path, `cannot be read (${why})`);
  }
  return parseDocumentText(text, path, schema, opts);
}

/** Parses YAML or JSON text and validates it; throws DocumentError or SchemaError. */
export function parseDocumentText<S extends SchemaName>(
  text: string,
  source: string,
  schema: S,
  opts: LoadOptions = {},
): DocumentTypes[S] {
  const json = opts.format === 'json' || (opts.format === undefined && /\.json$/i.test(source));
  return json ? parseJson(text, source, schema, opts) : parseYaml(text, source, schema, opts);
}

// JSON.parse is two orders of magnitude faster than the YAML parser on a 100 kB result
// document (0.14 ms against 21 ms), and history reads many of them. The YAML parser,
// which keeps node ranges, runs only to place the problems of an invalid document.
function parseJson<S extends SchemaName>(
  raw: string,
  source: string,
  schema: S,
  opts: LoadOptions,
): DocumentTypes[S] {
  // Editors on Windows may save a byte-order mark, which JSON.parse refuses.
  const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
  if (text.trim() === '') {
    throw new DocumentError('file-empty', source, 'is empty: expected a JSON object');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    // V8 names the offset ("... at position 42"); without one the text ran out.
    const offset = Number(/position (\d+)/.exec(why)?.[1] ?? text.length);
    const before = text.slice(0, offset);
    const line = before.split('\n').length;
    const column = offset - before.lastIndexOf('\n');
    const what = why.replace(/ in JSON at position.*$/s, '');
    throw new DocumentError('syntax', source, `invalid JSON: ${what}`, { line, column });
  }
  checkObject(value, source);
  const problems = findProblems(schema, value, opts);
  if (problems.length > 0) {
    const lineCounter = new LineCounter();
    const doc = parseDocument(text, { lineCounter, prettyErrors: false });
    const located = doc.errors.length > 0 ? problems : locateAll(problems, doc, lineCounter);
    throw new SchemaError(source, located);
  }
  return value as DocumentTypes[S];
}

function checkObject(value: unknown, source: string): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const found = Array.isArray(value) ? 'a list' : value === null ? 'null' : `a ${typeof value}`;
    const message = `must be a mapping of fields at the top level, found ${found}`;
    throw new DocumentError('not-an-object', source, message);
  }
}

function parseYaml<S extends SchemaName>(
  text: string,
  source: string,
  schema: S,
  opts: LoadOptions,
): DocumentTypes[S] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const syntax = doc.errors[0];
  if (syntax !== undefined) {
    const { line, col } = lineCounter.linePos(syntax.pos[0]);
    const what = syntax.message.split('\n')[0];
    throw new DocumentError('syntax', source, `invalid YAML: ${what}`, { line, column: col });
  }
  if (doc.contents === null) {
    throw new DocumentError(
      'file-empty',
      source,
      'is empty: expected a mapping with schemaVersion: 1',
    );
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    // Alias expansion past the limit (a "billion laughs" document) ends up here.
    const why = e instanceof Error ? e.message : String(e);
    throw new DocumentError('syntax', source, `invalid YAML: ${why}`);
  }
  checkObject(value, source);
  const problems = findProblems(schema, value, opts);
  if (problems.length > 0) {
    throw new SchemaError(source, locateAll(problems, doc, lineCounter));
  }
  return value as DocumentTypes[S];
}

/** Adds line:column to each problem and orders them as they appear in the file. */
function locateAll(problems: SchemaProblem[], doc: Document, lc: LineCounter): SchemaProblem[] {
  const located = problems.map((p) => {
    const offset = locate(doc, p);
    if (offset === undefined) return p;
    const { line, col } = lc.linePos(offset);
    return { ...p, line, column: col };
  });
  return located.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
}

/**
 * Offset of the node a problem is about: the key of an unknown field, the value of a
 * bad scalar, the key that introduces a bad mapping or list (its first line would
 * point past the field's name), or the nearest existing ancestor.
 */
function locate(doc: Document, p: SchemaProblem): number | undefined {
  let node: unknown = doc.contents;
  let via: Pair | undefined;
  const segments = p.pointer === '' ? [] : p.pointer.slice(1).split('/');
  for (const raw of segments) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const next = child(doc, node, seg);
    if (next === undefined) break;
    [node, via] = next;
  }
  node = resolve(doc, node);
  if (p.key !== undefined && isMap(node)) {
    const pair = node.items.find((it) => isScalar(it.key) && String(it.key.value) === p.key);
    const keyNode = pair?.key as Node | undefined;
    if (keyNode?.range) return keyNode.range[0];
  }
  const viaKey = via?.key as Node | undefined;
  if (isCollection(node) && viaKey?.range) return viaKey.range[0];
  if (isScalar(node) || isCollection(node)) {
    if (node.range) return node.range[0];
  }
  return viaKey?.range?.[0];
}

/** The child at seg, with the pair that holds it for mappings. */
function child(
  doc: Document,
  parent: unknown,
  seg: string,
): [unknown, Pair | undefined] | undefined {
  const node = resolve(doc, parent);
  if (isMap(node)) {
    const pair = node.items.find((it) => isScalar(it.key) && String(it.key.value) === seg);
    return pair === undefined ? undefined : [pair.value, pair];
  }
  if (isSeq(node) && /^[0-9]+$/.test(seg)) {
    const item = node.items[Number(seg)];
    return item === undefined ? undefined : [isPair(item) ? item.value : item, undefined];
  }
  return undefined;
}

function resolve(doc: Document, node: unknown): unknown {
  return isAlias(node) ? node.resolve(doc) : node;
}
