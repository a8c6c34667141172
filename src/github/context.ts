// The run's context, read once at the edge: the GITHUB_* variables and the event payload
// (GITHUB_EVENT_PATH) turned into one typed value for the four events the gate handles.
// Everything past this file trusts the types; a payload that lacks a field fails here,
// naming the variable, the event and the field.
import { readFileSync } from 'node:fs';
import { GitHubError, messageOf } from './errors.ts';
import { Field } from './field.ts';

export interface RepoRef {
  owner: string;
  repo: string;
  /** owner/repo */
  fullName: string;
}

export interface PullRequestEvent {
  kind: 'pull_request';
  /** 'pull_request' or 'pull_request_target' (same payload; the latter runs the base's workflow). */
  trigger: 'pull_request' | 'pull_request_target';
  /** opened, synchronize, reopened, labeled, ... */
  action: string;
  number: number;
  draft: boolean;
  /** Label names on the pull request when the event fired. */
  labels: string[];
  author: string;
  base: { sha: string; ref: string; repo: string };
  /** repo is null when the fork was deleted. */
  head: { sha: string; ref: string; repo: string | null };
  /** The head lives in another repository than the base. */
  fork: boolean;
}

export interface PushEvent {
  kind: 'push';
  /** refs/heads/main, refs/tags/v1 */
  ref: string;
  /** The branch name when ref is a branch, else null. */
  branch: string | null;
  before: string;
  after: string;
  /** A branch deletion: after is all zeros and there is nothing to measure. */
  deleted: boolean;
  defaultBranch: string;
  /** The push is to the repository's default branch (the usual base branch). */
  toDefaultBranch: boolean;
}

export interface WorkflowDispatchEvent {
  kind: 'workflow_dispatch';
  ref: string;
  /** The inputs the run was dispatched with, as strings (booleans and numbers converted). */
  inputs: Record<string, string>;
}

export interface WorkflowRunEvent {
  kind: 'workflow_run';
  /** requested, in_progress, completed */
  action: string;
  /** The run that finished (the measuring half of the fork-safe pair). */
  run: {
    id: number;
    name: string;
    /** The event that started that run: pull_request, push, ... */
    event: string;
    conclusion: string | null;
    headSha: string;
    headBranch: string | null;
    /** owner/repo of the head; null when the fork was deleted. */
    headRepo: string | null;
  };
  /** Pull requests GitHub links to the run; empty for forks (a GitHub limitation). */
  pullRequests: number[];
  fork: boolean;
}

export type GateEvent = PullRequestEvent | PushEvent | WorkflowDispatchEvent | WorkflowRunEvent;

export interface GateContext {
  eventName: string;
  repo: RepoRef;
  /** GITHUB_SHA: the commit the workflow runs on (the merge commit for pull_request). */
  sha: string;
  /** GITHUB_REF */
  ref: string;
  /** GITHUB_API_URL; default https://api.github.com. */
  apiUrl: string;
  /** GITHUB_SERVER_URL; default https://github.com. */
  serverUrl: string;
  /** GITHUB_STEP_SUMMARY, when the runner provides it. */
  stepSummaryPath: string | null;
  /** GITHUB_OUTPUT, when the runner provides it. */
  outputPath: string | null;
  event: GateEvent;
}

export const SUPPORTED_EVENTS = [
  'pull_request',
  'pull_request_target',
  'push',
  'workflow_dispatch',
  'workflow_run',
] as const;

type Env = Record<string, string | undefined>;

/** Reads the context from the environment (default process.env); throws GitHubError. */
export function readContext(env: Env = process.env): GateContext {
  const eventName = required(env, 'GITHUB_EVENT_NAME');
  if (!(SUPPORTED_EVENTS as readonly string[]).includes(eventName)) {
    throw new GitHubError(
      'unsupported-event',
      `GITHUB_EVENT_NAME ${JSON.stringify(eventName)} is not handled: tinyml-gate runs on ${SUPPORTED_EVENTS.join(', ')}`,
    );
  }
  const repoName = required(env, 'GITHUB_REPOSITORY');
  const m = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(repoName);
  if (m === null) {
    throw new GitHubError(
      'missing-env',
      `GITHUB_REPOSITORY ${JSON.stringify(repoName)} is not owner/repo`,
    );
  }
  const eventPath = required(env, 'GITHUB_EVENT_PATH');
  const payload = readPayload(eventPath);
  const at = new Field(payload, `${eventPath} (${eventName})`);
  return {
    eventName,
    repo: { owner: m[1], repo: m[2], fullName: repoName },
    sha: required(env, 'GITHUB_SHA'),
    ref: env.GITHUB_REF ?? '',
    apiUrl: (env.GITHUB_API_URL ?? 'https://api.github.com').replace(/\/+$/, ''),
    serverUrl: (env.GITHUB_SERVER_URL ?? 'https://github.com').replace(/\/+$/, ''),
    stepSummaryPath: nonEmpty(env.GITHUB_STEP_SUMMARY),
    outputPath: nonEmpty(env.GITHUB_OUTPUT),
    event: parseEvent(eventName, at),
  };
}

/** The event of a payload already in memory (what readContext does after reading the file). */
export function parseEventPayload(
  eventName: string,
  payload: unknown,
  source = 'payload',
): GateEvent {
  if (!(SUPPORTED_EVENTS as readonly string[]).includes(eventName)) {
    throw new GitHubError('unsupported-event', `event ${JSON.stringify(eventName)} is not handled`);
  }
  return parseEvent(eventName, new Field(payload, `${source} (${eventName})`));
}

function parseEvent(eventName: string, at: Field): GateEvent {
  switch (eventName) {
    case 'pull_request':
    case 'pull_request_target':
      return pullRequest(eventName, at);
    case 'push':
      return push(at);
    case 'workflow_dispatch':
      return {
        kind: 'workflow_dispatch',
        ref: at.string('ref'),
        inputs: dispatchInputs(at),
      };
    default:
      return workflowRun(at);
  }
}

function pullRequest(trigger: PullRequestEvent['trigger'], at: Field): PullRequestEvent {
  const pr = at.object('pull_request');
  const baseRepo = pr.string('base.repo.full_name');
  const headRepo = pr.nullableString('head.repo.full_name', 'head.repo');
  return {
    kind: 'pull_request',
    trigger,
    action: at.string('action'),
    number: pr.integer('number'),
    draft: pr.optionalBoolean('draft') ?? false,
    labels: pr.items('labels').map((l) => l.string('name')),
    author: pr.string('user.login'),
    base: { sha: pr.string('base.sha'), ref: pr.string('base.ref'), repo: baseRepo },
    head: { sha: pr.string('head.sha'), ref: pr.string('head.ref'), repo: headRepo },
    // A deleted fork (head.repo null) is still a fork: its code is not the base's.
    fork: headRepo === null || headRepo.toLowerCase() !== baseRepo.toLowerCase(),
  };
}

function push(at: Field): PushEvent {
  const ref = at.string('ref');
  const after = at.string('after');
  const defaultBranch = at.string('repository.default_branch');
  const branch = ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : null;
  return {
    kind: 'push',
    ref,
    branch,
    before: at.string('before'),
    after,
    deleted: at.optionalBoolean('deleted') ?? /^0+$/.test(after),
    defaultBranch,
    toDefaultBranch: branch === defaultBranch,
  };
}

function dispatchInputs(at: Field): Record<string, string> {
  const raw = at.get('inputs');
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) at.fail('inputs', 'must be an object');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
      out[k] = String(v);
  }
  return out;
}

function workflowRun(at: Field): WorkflowRunEvent {
  const run = at.object('workflow_run');
  const repo = run.string('repository.full_name');
  const headRepo = run.nullableString('head_repository.full_name', 'head_repository');
  return {
    kind: 'workflow_run',
    action: at.string('action'),
    run: {
      id: run.integer('id'),
      name: run.string('name'),
      event: run.string('event'),
      conclusion: run.nullableString('conclusion'),
      headSha: run.string('head_sha'),
      headBranch: run.nullableString('head_branch'),
      headRepo,
    },
    pullRequests: run.items('pull_requests').map((p) => p.integer('number')),
    fork: headRepo === null || headRepo.toLowerCase() !== repo.toLowerCase(),
  };
}

function readPayload(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new GitHubError(
      'bad-event-file',
      `GITHUB_EVENT_PATH ${path} cannot be read (${messageOf(e)})`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new GitHubError(
      'bad-event-file',
      `GITHUB_EVENT_PATH ${path} is not JSON (${messageOf(e)})`,
    );
  }
}

function required(env: Env, name: string): string {
  const v = env[name];
  if (v === undefined || v === '') {
    throw new GitHubError(
      'missing-env',
      `${name} is not set: is this running inside GitHub Actions?`,
    );
  }
  return v;
}

function nonEmpty(v: string | undefined): string | null {
  return v === undefined || v === '' ? null : v;
}

/**
 * The repository's git URL on the server (https://github.com/owner/repo.git): the remote of
 * the history branch; give the token to HistoryStore, never inside this URL.
 */
export function repositoryUrl(ctx: Pick<GateContext, 'serverUrl' | 'repo'>): string {
  return `${ctx.serverUrl}/${ctx.repo.fullName}.git`;
}
