// The action's inputs (action.yml) turned into one typed, validated options object at the
// edge: everything after this trusts its types. GitHub passes input `foo-bar` as the
// environment variable INPUT_FOO-BAR; an input left out of `with:` arrives as its default
// from action.yml, which a test run without the runner does not fill in, so the defaults
// are restated here.
import { isAbsolute, resolve } from 'node:path';
import type { BaselineMode, CommentMode } from '../schema/config-types.ts';

export type ActionMode = 'measure' | 'comment';
export type FailOn = 'fail' | 'inconclusive' | 'never';

/** Where the boards are: an agent's HTTP API, or in this process (emulated boards only). */
export type AgentTarget =
  | { kind: 'http'; url: URL; token: string }
  | { kind: 'socket'; path: string; token: string }
  | { kind: 'inprocess' };

export interface ActionOptions {
  /** Absolute path of tinyml-gate.yml. Default <workspace>/tinyml-gate.yml. */
  configPath: string;
  /** Model names to gate; empty: every model of the configuration. */
  models: string[];
  /** Board ids or labels; empty: the configuration's boards. */
  boards: string[];
  agent: AgentTarget;
  /** Empty when none was given (then nothing is posted and pushes record no history). */
  githubToken: string;
  /** Overrides the configuration's baseline.mode when set. */
  baseline?: BaselineMode;
  /** Overrides the configuration's comment.mode when set. */
  comment?: CommentMode;
  /** Default 'measure'. */
  mode: ActionMode;
  /** Default 'fail'. */
  failOn: FailOn;
  /** Absolute path. Default <workspace>/tinyml-gate-results. */
  resultsDir: string;
}

export class ActionInputError extends Error {
  readonly code: 'missing-input' | 'bad-input';
  readonly input: string;
  constructor(code: ActionInputError['code'], input: string, message: string) {
    super(`input ${input}: ${message}`);
    this.name = 'ActionInputError';
    this.code = code;
    this.input = input;
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** Every input of action.yml (test/action/action-yml.test.ts keeps the two equal). */
export const INPUT_NAMES = [
  'config',
  'models',
  'boards',
  'agent-url',
  'agent-token',
  'github-token',
  'baseline',
  'comment',
  'mode',
  'fail-on',
  'results-dir',
] as const;

export type InputName = (typeof INPUT_NAMES)[number];

/** The raw value of one input as the runner passes it (trimmed; '' when absent). */
export function rawInput(env: Env, name: InputName): string {
  return (env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim();
}

/** Reads and checks every input; throws ActionInputError naming the first bad one. */
export function readInputs(env: Env = process.env): ActionOptions {
  const workspace = env.GITHUB_WORKSPACE ?? process.cwd();
  const inside = (p: string) => (isAbsolute(p) ? p : resolve(workspace, p));
  const get = (name: InputName) => rawInput(env, name);

  const opts: ActionOptions = {
    configPath: inside(get('config') || 'tinyml-gate.yml'),
    models: list(get('models'), 'models'),
    boards: list(get('boards'), 'boards'),
    agent: agentTarget(get('agent-url'), get('agent-token')),
    githubToken: get('github-token'),
    mode: oneOf(get('mode') || 'measure', 'mode', ['measure', 'comment'] as const),
    failOn: oneOf(get('fail-on') || 'fail', 'fail-on', ['fail', 'inconclusive', 'never'] as const),
    resultsDir: inside(get('results-dir') || 'tinyml-gate-results'),
  };
  const baseline = get('baseline');
  if (baseline !== '') {
    opts.baseline = oneOf(baseline, 'baseline', ['remeasure', 'history', 'auto'] as const);
  }
  const comment = get('comment');
  if (comment !== '') opts.comment = oneOf(comment, 'comment', ['sticky', 'off'] as const);
  return opts;
}

function oneOf<T extends string>(value: string, input: string, allowed: readonly T[]): T {
  const found = allowed.find((a) => a === value);
  if (found === undefined) {
    const want = allowed.map((a) => `"${a}"`).join(', ');
    throw new ActionInputError(
      'bad-input',
      input,
      `${JSON.stringify(value)} is not one of ${want}`,
    );
  }
  return found;
}

// Names of the configuration: the schema's pattern for model names and board ids/labels.
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Comma- or newline-separated names (a YAML block scalar or a matrix value). */
function list(value: string, input: string): string[] {
  const items = value
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const item of items) {
    if (!NAME.test(item)) {
      const why = 'is not a name (letters, digits, . _ -, starting with a letter or digit)';
      throw new ActionInputError('bad-input', input, `${JSON.stringify(item)} ${why}`);
    }
  }
  return [...new Set(items)];
}

function agentTarget(url: string, token: string): AgentTarget {
  if (url === '') {
    if (token !== '') {
      throw new ActionInputError('bad-input', 'agent-token', 'is set but agent-url is empty');
    }
    return { kind: 'inprocess' };
  }
  if (token === '') {
    throw new ActionInputError('missing-input', 'agent-token', 'is required with agent-url');
  }
  if (url.startsWith('unix:')) {
    const path = url.slice('unix:'.length);
    if (!isAbsolute(path)) {
      throw new ActionInputError(
        'bad-input',
        'agent-url',
        `unix socket path ${path} is not absolute`,
      );
    }
    return { kind: 'socket', path, token };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ActionInputError('bad-input', 'agent-url', `${JSON.stringify(url)} is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    const why = `protocol ${parsed.protocol} is not http:, https: or unix:`;
    throw new ActionInputError('bad-input', 'agent-url', why);
  }
  return { kind: 'http', url: parsed, token };
}
