// Shared by the schema tests: fixture paths and a deep-copy-and-edit helper that lets a
// table of invalid documents be written as small edits of one valid document.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { SchemaError } from '../../src/schema/errors.ts';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const fixtures = path.join(repoRoot, 'test', 'schema', 'fixtures');

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export function readJson(file: string): Json {
  return JSON.parse(readFileSync(path.join(fixtures, file), 'utf8')) as Json;
}

/** A deep copy of doc with edit applied to it (the original stays untouched). */
export function edited(doc: Json, edit: (d: Record<string, Json>) => void): Json {
  const copy = structuredClone(doc) as Record<string, Json>;
  edit(copy);
  return copy;
}

/** Walks a path of keys and indices; fails the test when it does not exist. */
export function at(doc: Json, ...keys: (string | number)[]): Record<string, Json> {
  let node: Json = doc;
  for (const k of keys) {
    assert.ok(node !== null && typeof node === 'object', `no ${String(k)} in fixture`);
    node = (node as Record<string, Json>)[k];
  }
  assert.ok(
    node !== null && typeof node === 'object',
    `fixture path ${keys.join('/')} is not an object`,
  );
  return node as Record<string, Json>;
}

/** Runs fn, asserts it throws a SchemaError, returns it. */
export function schemaError(fn: () => unknown): SchemaError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof SchemaError, `expected SchemaError, got ${String(e)}`);
    assert.equal(e.code, 'schema-invalid');
    return e;
  }
  assert.fail('expected a SchemaError, nothing was thrown');
}
