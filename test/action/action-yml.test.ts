// action.yml is the contract with every workflow: its inputs and outputs must be exactly
// what the code reads and sets, its defaults the code's, and the example workflows may only
// pass inputs it declares (and must keep the properties docs/action.md promises).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { INPUT_NAMES, readInputs } from '../../src/action/inputs.ts';
import { OUTPUT_NAMES } from '../../src/action/outcome.ts';
import { REPO_ROOT } from '../../scripts/bundle.ts';

interface ActionYml {
  runs: { using: string; main: string };
  inputs: Record<string, { description: string; required?: boolean; default?: string }>;
  outputs: Record<string, { description: string }>;
}

type Json = Record<string, unknown>;

const action = parse(readFileSync(path.join(REPO_ROOT, 'action.yml'), 'utf8')) as ActionYml;
const WORKFLOWS = path.join(REPO_ROOT, 'examples/workflows');
const workflows = Object.fromEntries(
  readdirSync(WORKFLOWS)
    .filter((f) => f.endsWith('.yml'))
    .map((f) => [f, parse(readFileSync(path.join(WORKFLOWS, f), 'utf8')) as Json]),
);

test('runs on node24 from the committed bundle', () => {
  assert.deepEqual(action.runs, { using: 'node24', main: 'dist/index.js' });
});

test('inputs and outputs are exactly those of the code', () => {
  assert.deepEqual(Object.keys(action.inputs).sort(), [...INPUT_NAMES].sort());
  assert.deepEqual(Object.keys(action.outputs).sort(), [...OUTPUT_NAMES].sort());
  for (const [name, i] of Object.entries(action.inputs)) {
    assert.ok(i.description.length > 20, `input ${name} is described`);
    assert.notEqual(i.required, true, `input ${name}: every input has a default`);
  }
});

test("action.yml's defaults are the code's defaults", () => {
  const env = (values: Record<string, string>) => {
    const e: Record<string, string> = { GITHUB_WORKSPACE: '/ws' };
    for (const [k, v] of Object.entries(values)) e[`INPUT_${k.toUpperCase()}`] = v;
    return e;
  };
  const defaults: Record<string, string> = {};
  for (const [name, i] of Object.entries(action.inputs)) {
    // github-token defaults to an expression the runner fills in.
    if (i.default !== undefined && !i.default.includes('${{')) defaults[name] = i.default;
  }
  assert.deepEqual(readInputs(env(defaults)), readInputs(env({})));
});

/** Steps of every job that use this action, with their workflow and job names. */
function gateSteps(): { where: string; with: Record<string, unknown> }[] {
  const out: { where: string; with: Record<string, unknown> }[] = [];
  for (const [file, wf] of Object.entries(workflows)) {
    for (const [job, j] of Object.entries(wf.jobs as Record<string, { steps: Json[] }>)) {
      for (const step of j.steps) {
        if (typeof step.uses === 'string' && step.uses.startsWith('tinyml-gate/tinyml-gate@')) {
          out.push({ where: `${file} ${job}`, with: (step.with ?? {}) as Record<string, unknown> });
        }
      }
    }
  }
  return out;
}

test('the example workflows pass only declared inputs, with valid values', () => {
  const steps = gateSteps();
  assert.ok(steps.length >= 5);
  for (const s of steps) {
    for (const key of Object.keys(s.with)) {
      assert.ok(key in action.inputs, `${s.where}: input ${key} is not in action.yml`);
    }
    // Literal values must pass the input checks (expressions are filled in by the runner).
    const env: Record<string, string> = { GITHUB_WORKSPACE: '/ws' };
    for (const [k, v] of Object.entries(s.with)) {
      const text = String(v);
      env[`INPUT_${k.toUpperCase()}`] = text.includes('${{') ? sample(k) : text;
    }
    assert.doesNotThrow(() => readInputs(env), s.where);
  }
});

function sample(input: string): string {
  if (input === 'agent-url') return 'http://127.0.0.1:7357';
  if (input === 'boards') return 'nucleo-l496zg';
  return 'x';
}

test('the fork-safe pair and the farm keep their promises', () => {
  const measure = workflows['measure.yml'];
  const comment = workflows['comment.yml'];
  const farm = workflows['farm.yml'];
  // measure.yml: pull_request with a read-only token, no comment, results uploaded.
  assert.ok('pull_request' in (measure.on as Json));
  assert.deepEqual(measure.permissions, { contents: 'read' });
  const m = gateSteps().find((s) => s.where.startsWith('measure.yml'));
  assert.equal(m?.with.comment, 'off');
  // comment.yml: workflow_run of the measure workflow, mode comment, never the fork's code.
  const on = (comment.on as Json).workflow_run as Json;
  assert.deepEqual(on.workflows, [measure.name]);
  const c = gateSteps().find((s) => s.where.startsWith('comment.yml'));
  assert.equal(c?.with.mode, 'comment');
  const steps = JSON.stringify(comment.jobs);
  assert.doesNotMatch(
    steps,
    /head_sha|head\.sha|head_branch/,
    'comment.yml checks out the base only',
  );
  // farm.yml: one job per board, a gather job that runs even when a board's job failed.
  const jobs = farm.jobs as Record<string, Json>;
  const boards = ((jobs.measure.strategy as Json).matrix as Json).board as string[];
  assert.ok(boards.length >= 2);
  assert.equal((jobs.measure.strategy as Json)['fail-fast'], false);
  assert.equal(jobs.gather.needs, 'measure');
  assert.equal(jobs.gather.if, 'always()');
  const g = gateSteps().find((s) => s.where === 'farm.yml gather');
  assert.equal(g?.with.mode, 'comment');
  assert.deepEqual(
    String(g?.with.boards)
      .split(',')
      .map((b) => b.trim()),
    boards,
    'the gather job expects every board of the matrix',
  );
});
