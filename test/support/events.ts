// Webhook payloads for tests: real examples from @octokit/webhooks-examples (captured
// from GitHub), adapted (repository, numbers, commits, refs, fork, labels) and checked
// against @octokit/webhooks-schemas after the change, so an adaptation can never invent
// a payload GitHub would not send. Plus the GITHUB_* environment of a run.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

type Json = Record<string, unknown>;
interface ExampleGroup {
  name: string;
  examples: Json[];
}

const require = createRequire(import.meta.url);
let examples: ExampleGroup[] | undefined;
let ajv: Ajv | undefined;

function allExamples(): ExampleGroup[] {
  examples ??= JSON.parse(
    readFileSync(require.resolve('@octokit/webhooks-examples/api.github.com/index.json'), 'utf8'),
  ) as ExampleGroup[];
  return examples;
}

function schemaFor(definition: string): ValidateFunction {
  if (ajv === undefined) {
    // The schemas are draft-07 with GitHub's formats; strict off for their annotations.
    ajv = new Ajv({ strict: false, allErrors: true });
    addFormats.default(ajv);
    const schema = JSON.parse(
      readFileSync(require.resolve('@octokit/webhooks-schemas/schema.json'), 'utf8'),
    ) as Json;
    ajv.addSchema(schema, 'webhooks');
  }
  const fn = ajv.getSchema(`webhooks#/definitions/${definition}`);
  if (fn === undefined) throw new Error(`no webhook schema ${definition}`);
  return fn;
}

function definitionOf(event: string, payload: Json): string {
  return event === 'push' || event === 'workflow_dispatch'
    ? `${event}$event`
    : `${event}$${String(payload.action)}`;
}

/** Throws naming the first problems when payload is not a valid `event` payload. */
export function checkPayload(event: string, payload: Json): void {
  const fn = schemaFor(definitionOf(event, payload));
  if (!fn(payload)) {
    const problems = (fn.errors ?? [])
      .slice(0, 5)
      .map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}`);
    throw new Error(`adapted ${event} payload breaks the webhook schema: ${problems.join('; ')}`);
  }
}

/** A deep copy of the first example of `event` that is valid and matches `pick`. */
export function example(event: string, pick: (p: Json) => boolean = () => true): Json {
  const group = allExamples().find((g) => g.name === event);
  if (group === undefined) throw new Error(`no webhook examples for ${event}`);
  for (const p of group.examples) {
    if (!pick(p)) continue;
    if (schemaFor(definitionOf(event, p))(p)) return structuredClone(p);
  }
  throw new Error(`no valid ${event} example matches`);
}

export interface RepoOptions {
  owner?: string;
  repo?: string;
}

function obj(v: unknown): Json {
  if (typeof v !== 'object' || v === null) throw new Error('example field is not an object');
  return v as Json;
}

/** Points a repository object of a payload at owner/repo. */
function setRepo(r: Json, owner: string, repo: string): void {
  r.name = repo;
  r.full_name = `${owner}/${repo}`;
  obj(r.owner).login = owner;
  r.html_url = `https://github.com/${owner}/${repo}`;
  r.url = `https://api.github.com/repos/${owner}/${repo}`;
}

export interface PullRequestOptions extends RepoOptions {
  action?: 'opened' | 'synchronize' | 'reopened' | 'labeled';
  number?: number;
  baseSha: string;
  headSha: string;
  baseRef?: string;
  headRef?: string;
  /** Owner of the fork the head comes from; default: the same repository. */
  forkOwner?: string;
  labels?: string[];
}

export function pullRequestEvent(o: PullRequestOptions): Json {
  const owner = o.owner ?? 'tinyml-org';
  const repo = o.repo ?? 'kws-models';
  const action = o.action ?? 'opened';
  const p = example('pull_request', (x) => x.action === action);
  const label = obj(example('pull_request', (x) => x.action === 'labeled').label);
  const pr = obj(p.pull_request);
  const number = o.number ?? 7;
  p.number = number;
  pr.number = number;
  setRepo(obj(p.repository), owner, repo);
  const base = obj(pr.base);
  const head = obj(pr.head);
  base.sha = o.baseSha;
  base.ref = o.baseRef ?? 'main';
  setRepo(obj(base.repo), owner, repo);
  head.sha = o.headSha;
  head.ref = o.headRef ?? 'widen-conv';
  const headOwner = o.forkOwner ?? owner;
  setRepo(obj(head.repo), headOwner, repo);
  obj(head.repo).fork = o.forkOwner !== undefined;
  head.label = `${headOwner}:${String(head.ref)}`;
  pr.labels = (o.labels ?? []).map((name, i) => ({ ...label, id: 1000 + i, name }));
  if (action === 'labeled' && o.labels !== undefined && o.labels.length > 0) {
    p.label = { ...label, name: o.labels[o.labels.length - 1] };
  }
  checkPayload('pull_request', p);
  return p;
}

export interface PushOptions extends RepoOptions {
  ref?: string;
  before: string;
  after: string;
  defaultBranch?: string;
}

export function pushEvent(o: PushOptions): Json {
  const p = example('push', (x) => String(x.ref).startsWith('refs/heads/') && x.deleted === false);
  setRepo(obj(p.repository), o.owner ?? 'tinyml-org', o.repo ?? 'kws-models');
  p.ref = o.ref ?? 'refs/heads/main';
  p.before = o.before;
  p.after = o.after;
  obj(p.repository).default_branch = o.defaultBranch ?? 'main';
  obj(p.repository).master_branch = o.defaultBranch ?? 'main';
  checkPayload('push', p);
  return p;
}

export function workflowDispatchEvent(
  o: RepoOptions & { ref?: string; inputs?: Record<string, string> },
): Json {
  const p = example('workflow_dispatch');
  setRepo(obj(p.repository), o.owner ?? 'tinyml-org', o.repo ?? 'kws-models');
  p.ref = o.ref ?? 'refs/heads/main';
  p.inputs = o.inputs ?? {};
  checkPayload('workflow_dispatch', p);
  return p;
}

export interface WorkflowRunOptions extends RepoOptions {
  runId?: number;
  headSha: string;
  headBranch?: string;
  /** Owner of the fork the run's head comes from; its pull request is then not linked. */
  forkOwner?: string;
  /** Pull requests GitHub links (never for a fork); default [7] for a same-repo head. */
  pullRequests?: number[];
  conclusion?: 'success' | 'failure';
}

export function workflowRunEvent(o: WorkflowRunOptions): Json {
  const owner = o.owner ?? 'tinyml-org';
  const repo = o.repo ?? 'kws-models';
  const p = example('workflow_run', (x) => x.action === 'completed');
  const linked = example(
    'workflow_run',
    (x) => (obj(x.workflow_run).pull_requests as unknown[]).length > 0,
  );
  const prShape = obj((obj(linked.workflow_run).pull_requests as unknown[])[0]);
  const run = obj(p.workflow_run);
  setRepo(obj(p.repository), owner, repo);
  setRepo(obj(run.repository), owner, repo);
  setRepo(obj(run.head_repository), o.forkOwner ?? owner, repo);
  run.id = o.runId ?? 4242;
  run.name = 'tinyml-gate measure';
  run.event = 'pull_request';
  run.head_sha = o.headSha;
  run.head_branch = o.headBranch ?? 'widen-conv';
  run.conclusion = o.conclusion ?? 'success';
  const numbers = o.pullRequests ?? (o.forkOwner === undefined ? [7] : []);
  run.pull_requests = numbers.map((n) => ({
    ...prShape,
    number: n,
    url: `https://api.github.com/repos/${owner}/${repo}/pulls/${n}`,
  }));
  checkPayload('workflow_run', p);
  return p;
}

export interface ActionsEnvOptions {
  dir: string;
  eventName: string;
  payload: Json;
  repository?: string;
  sha: string;
  ref?: string;
  apiUrl: string;
}

/** Writes the payload, an empty GITHUB_OUTPUT and GITHUB_STEP_SUMMARY in dir; the env. */
export function actionsEnv(o: ActionsEnvOptions): Record<string, string> {
  mkdirSync(o.dir, { recursive: true });
  const eventPath = join(o.dir, 'event.json');
  writeFileSync(eventPath, JSON.stringify(o.payload));
  const output = join(o.dir, 'output.txt');
  const summary = join(o.dir, 'summary.md');
  writeFileSync(output, '');
  writeFileSync(summary, '');
  return {
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: o.eventName,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_REPOSITORY: o.repository ?? 'tinyml-org/kws-models',
    GITHUB_SHA: o.sha,
    GITHUB_REF: o.ref ?? 'refs/heads/main',
    GITHUB_API_URL: o.apiUrl,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_OUTPUT: output,
    GITHUB_STEP_SUMMARY: summary,
  };
}
