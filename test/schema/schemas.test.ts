// The schema files themselves: valid draft 2020-12, the conventions every document
// follows (ids, schemaVersion, closed objects, descriptions), and agreement with the
// code they mirror.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { TENSOR_TYPES } from '../../src/model/types.ts';
import { schemasDir } from '../../src/schema/validate.ts';
import { repoRoot, type Json } from './helpers.ts';

const NAMES = ['result', 'config', 'boards'] as const;
const load = (name: string): Record<string, Json> =>
  JSON.parse(readFileSync(path.join(repoRoot, 'schemas', `${name}.schema.json`), 'utf8')) as Record<
    string,
    Json
  >;

/** Every object schema reachable in s, with its JSON pointer. */
function objectSchemas(s: Json, pointer = ''): [string, Record<string, Json>][] {
  if (s === null || typeof s !== 'object') return [];
  const out: [string, Record<string, Json>][] = [];
  if (
    !Array.isArray(s) &&
    (s.type === 'object' || (Array.isArray(s.type) && s.type.includes('object')))
  ) {
    out.push([pointer, s]);
  }
  for (const [k, v] of Object.entries(s)) {
    // Enumerated and constant values are data, not schemas.
    if (k === 'enum' || k === 'const' || k === 'default') continue;
    out.push(...objectSchemas(v, `${pointer}/${k}`));
  }
  return out;
}

/**
 * Properties without a description, their own or that of the $defs entry they refer
 * to. Conditional branches (if/then/else/not) only narrow fields described elsewhere.
 */
function undescribed(root: Record<string, Json>): string[] {
  const resolve = (s: Json): Json => {
    let cur = s;
    for (let hops = 0; hops < 8; hops++) {
      if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return cur;
      if ('description' in cur || typeof cur.$ref !== 'string') return cur;
      let target: Json = root;
      for (const seg of cur.$ref.replace(/^#\//, '').split('/')) {
        target = (target as Record<string, Json>)[seg];
      }
      cur = target;
    }
    return cur;
  };
  const out: string[] = [];
  const walk = (s: Json, pointer: string): void => {
    if (s === null || typeof s !== 'object') return;
    for (const [k, v] of Object.entries(s)) {
      if (['enum', 'const', 'default', 'if', 'then', 'else', 'not'].includes(k)) continue;
      if (k === 'properties' && v !== null && typeof v === 'object' && !Array.isArray(v)) {
        for (const [field, fs] of Object.entries(v)) {
          const r = resolve(fs);
          if (r === null || typeof r !== 'object' || !('description' in r)) {
            out.push(`${pointer}/properties/${field}`);
          }
        }
      }
      walk(v, `${pointer}/${k}`);
    }
  };
  walk(root, '');
  return out;
}

test('schemas are found next to the sources', () => {
  assert.equal(path.resolve(schemasDir()), path.join(repoRoot, 'schemas'));
});

for (const name of NAMES) {
  test(`${name}.schema.json is valid draft 2020-12 with the project's conventions`, () => {
    const schema = load(name);
    const ajv = new Ajv2020({ strict: false });
    assert.equal(ajv.validateSchema(schema), true, JSON.stringify(ajv.errors));
    assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
    assert.equal(schema.$id, `https://tinyml-gate.dev/schemas/${name}.schema.json`);
    const props = schema.properties as Record<string, Record<string, Json>>;
    assert.deepEqual(props.schemaVersion.const, 1);
    assert.ok((schema.required as string[]).includes('schemaVersion'));

    const objects = objectSchemas(schema);
    assert.ok(objects.length > 3, 'walker found the object schemas');
    for (const [pointer, s] of objects) {
      // Closed objects make typos errors; a map (perModel) closes its values instead.
      const ap = s.additionalProperties;
      assert.ok(
        ap === false || (ap !== null && typeof ap === 'object' && '$ref' in ap),
        `${name}${pointer}: additionalProperties must be false`,
      );
    }
    for (const field of undescribed(schema)) assert.fail(`${name}${field} has no description`);
  });
}

test('tensor dtypes in the result schema are the TFLite TensorType names the reader produces', () => {
  const defs = load('result').$defs as Record<
    string,
    Record<string, Record<string, Record<string, Json>>>
  >;
  assert.deepEqual(defs.tensorInfo.properties.dtype.enum, [...TENSOR_TYPES]);
});

test('QEMU machines and cores are the same lists in the result and boards schemas', () => {
  type Defs = Record<string, Record<string, Record<string, Record<string, Json>>>>;
  const result = (load('result').$defs as Defs).boardFingerprint.properties;
  const boards = (load('boards').$defs as Defs).board.properties;
  assert.deepEqual(result.machine.enum, boards.machine.enum);
  assert.deepEqual(result.core.enum, [...(boards.core.enum as string[]), 'host']);
});
