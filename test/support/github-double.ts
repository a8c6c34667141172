// A local stand-in for api.github.com. Every request is checked against GitHub's
// published OpenAPI description before it is answered: an undocumented method or path,
// an unknown or ill-typed parameter, a body that breaks its schema (or carries a field
// the schema does not name) gets GitHub's 400 shape and is recorded as a violation,
// which close() turns into a test failure. The answers follow GitHub's own examples
// and are checked against the documented response schema too. Issue comments and open
// pull requests live in memory; comment listings are paginated with Link headers.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  check,
  checkRequest,
  findOperation,
  loadSpec,
  pathParams,
  type Operation,
} from './github-openapi.ts';

type Json = Record<string, unknown>;

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  operationId: string | null;
  status: number;
}

export interface StoredComment {
  id: number;
  issue: number;
  body: string;
  login: string;
  createdAt: string;
  updatedAt: string;
}

export interface DoubleOptions {
  /** Token the client must send (Authorization: token X); default 'test-token'. */
  token?: string;
  /** The login that owns comments the client creates; default github-actions[bot]. */
  login?: string;
}

export interface GitHubDouble {
  /** Base URL of the REST API: pass it as GITHUB_API_URL. */
  url: string;
  requests: RecordedRequest[];
  /** One line per request that broke the description (or a response that did). */
  violations: string[];
  /** The comments of owner/repo#issue, oldest first. */
  comments(owner: string, repo: string, issue: number): StoredComment[];
  /** Adds comments written by someone (default a person) before the test's run. */
  seedComments(owner: string, repo: string, issue: number, bodies: string[], login?: string): void;
  /** An open pull request, for pulls.list. */
  seedPull(
    owner: string,
    repo: string,
    pull: { number: number; headOwner: string; headRef: string; headSha: string },
  ): void;
  /** Stops the server; rejects listing the violations unless allowViolations. */
  close(opts?: { allowViolations?: boolean }): Promise<void>;
}

const MAX_PER_PAGE = 100;

export async function startGitHubDouble(opts: DoubleOptions = {}): Promise<GitHubDouble> {
  const spec = loadSpec();
  const token = opts.token ?? 'test-token';
  const login = opts.login ?? 'github-actions[bot]';
  const requests: RecordedRequest[] = [];
  const violations: string[] = [];
  const comments = new Map<string, StoredComment[]>();
  const pulls = new Map<
    string,
    { number: number; headOwner: string; headRef: string; headSha: string }[]
  >();
  let nextId = 1_000_000;
  let clock = Date.parse('2026-11-24T05:00:00Z');
  const now = (): string => new Date((clock += 1000)).toISOString().replace(/\.\d+Z$/, 'Z');
  let base = '';

  const list = (owner: string, repo: string, issue: number): StoredComment[] => {
    const key = `${owner}/${repo}#${issue}`.toLowerCase();
    let l = comments.get(key);
    if (l === undefined) comments.set(key, (l = []));
    return l;
  };
  const findComment = (owner: string, repo: string, id: number): StoredComment | undefined => {
    const prefix = `${owner}/${repo}#`.toLowerCase();
    for (const [k, l] of comments)
      if (k.startsWith(prefix)) for (const c of l) if (c.id === id) return c;
    return undefined;
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const record: RecordedRequest = {
        method: req.method ?? '',
        path: '',
        query: {},
        body: undefined,
        operationId: null,
        status: 0,
      };
      requests.push(record);
      let reply: Reply;
      try {
        reply = handle(req, Buffer.concat(chunks).toString('utf8'), record);
      } catch (e) {
        violations.push(`double crashed on ${record.method} ${record.path}: ${String(e)}`);
        reply = { status: 500, body: { message: 'double error' } };
      }
      record.status = reply.status;
      send(res, reply);
    });
  });

  interface Reply {
    status: number;
    body?: unknown;
    headers?: Record<string, string>;
  }

  function reject(record: RecordedRequest, why: string): Reply {
    violations.push(`${record.method} ${record.path}: ${why}`);
    return {
      status: 400,
      body: {
        message: `Invalid request (tinyml-gate API double): ${why}`,
        documentation_url: 'https://docs.github.com/rest',
      },
    };
  }

  function handle(req: IncomingMessage, rawBody: string, record: RecordedRequest): Reply {
    const url = new URL(req.url ?? '/', base);
    record.path = url.pathname;
    for (const [k, v] of url.searchParams) record.query[k] = v;
    const op = findOperation(spec, record.method, url.pathname);
    if (op === undefined) return reject(record, 'no such operation in the OpenAPI description');
    record.operationId = op.operationId;
    const problem = checkRequest(spec, op, url, rawBody, record, req.headers['content-type']);
    if (problem !== '') return reject(record, `${op.operationId}: ${problem}`);
    if (req.headers.authorization !== `token ${token}`) {
      return {
        status: 401,
        body: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' },
      };
    }
    const p = pathParams(op, url.pathname);
    const reply = answer(op, p, record);
    const schema = op.responses[String(reply.status)];
    if (schema === undefined) {
      violations.push(
        `${op.operationId}: the double answered ${reply.status}, which is not documented`,
      );
    } else if (schema !== null) {
      const bad = check(spec, `${op.operationId} response ${reply.status}`, schema, reply.body);
      if (bad !== '')
        violations.push(`${op.operationId}: the double's response breaks the schema: ${bad}`);
    }
    return reply;
  }

  function answer(op: Operation, p: Record<string, string>, record: RecordedRequest): Reply {
    const body = record.body as Json | undefined;
    switch (op.operationId) {
      case 'issues/list-comments': {
        const all = list(p.owner, p.repo, Number(p.issue_number));
        const perPage = Math.min(MAX_PER_PAGE, Number(record.query.per_page ?? 30));
        const page = Math.max(1, Number(record.query.page ?? 1));
        const last = Math.max(1, Math.ceil(all.length / perPage));
        const items = all
          .slice((page - 1) * perPage, page * perPage)
          .map((c) => commentJson(p.owner, p.repo, c));
        const headers: Record<string, string> = {};
        const link = (n: number, rel: string): string =>
          `<${base}${record.path}?per_page=${perPage}&page=${n}>; rel="${rel}"`;
        const links: string[] = [];
        if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
        if (page > 1) links.push(link(1, 'first'), link(page - 1, 'prev'));
        if (links.length > 0) headers.link = links.join(', ');
        return { status: 200, body: items, headers };
      }
      case 'issues/create-comment': {
        const c: StoredComment = {
          id: nextId++,
          issue: Number(p.issue_number),
          body: String(body?.body),
          login,
          createdAt: now(),
          updatedAt: '',
        };
        c.updatedAt = c.createdAt;
        list(p.owner, p.repo, c.issue).push(c);
        return {
          status: 201,
          body: commentJson(p.owner, p.repo, c),
          headers: { location: `${base}/repos/${p.owner}/${p.repo}/issues/comments/${c.id}` },
        };
      }
      case 'issues/update-comment': {
        const c = findComment(p.owner, p.repo, Number(p.comment_id));
        if (c === undefined)
          return {
            status: 404,
            body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' },
          };
        c.body = String(body?.body);
        c.updatedAt = now();
        return { status: 200, body: commentJson(p.owner, p.repo, c) };
      }
      case 'issues/delete-comment': {
        const c = findComment(p.owner, p.repo, Number(p.comment_id));
        if (c === undefined)
          return {
            status: 404,
            body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' },
          };
        const l = list(p.owner, p.repo, c.issue);
        l.splice(l.indexOf(c), 1);
        return { status: 204 };
      }
      case 'pulls/list': {
        const [headOwner, headRef] = (record.query.head ?? ':').split(':');
        const found = (pulls.get(`${p.owner}/${p.repo}`.toLowerCase()) ?? []).filter(
          (x) =>
            record.query.head === undefined || (x.headOwner === headOwner && x.headRef === headRef),
        );
        return { status: 200, body: found.map((x) => pullJson(p.owner, p.repo, x)) };
      }
      default:
        violations.push(`${op.operationId}: documented, but the double does not implement it`);
        return {
          status: 404,
          body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' },
        };
    }
  }

  function commentJson(owner: string, repo: string, c: StoredComment): Json {
    const ex = structuredClone((spec.examples['issue-comment'] as Json).value as Json);
    const user = ex.user as Json;
    user.login = c.login;
    user.type = c.login.endsWith('[bot]') ? 'Bot' : 'User';
    return {
      ...ex,
      id: c.id,
      node_id: `IC_${c.id}`,
      url: `${base}/repos/${owner}/${repo}/issues/comments/${c.id}`,
      html_url: `https://github.com/${owner}/${repo}/pull/${c.issue}#issuecomment-${c.id}`,
      issue_url: `${base}/repos/${owner}/${repo}/issues/${c.issue}`,
      body: c.body,
      user,
      created_at: c.createdAt,
      updated_at: c.updatedAt,
      author_association: c.login.endsWith('[bot]') ? 'NONE' : 'MEMBER',
    };
  }

  function pullJson(
    owner: string,
    repo: string,
    x: { number: number; headOwner: string; headRef: string; headSha: string },
  ): Json {
    const ex = structuredClone(
      ((spec.examples['pull-request-simple-items'] as Json).value as Json[])[0],
    );
    const head = ex.head as Json;
    head.sha = x.headSha;
    head.ref = x.headRef;
    head.label = `${x.headOwner}:${x.headRef}`;
    // GitHub's own example lists a requested team without the `type` its schema requires.
    ex.requested_teams = [];
    return {
      ...ex,
      number: x.number,
      url: `${base}/repos/${owner}/${repo}/pulls/${x.number}`,
      head,
    };
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: base,
    requests,
    violations,
    comments: (owner, repo, issue) => [...list(owner, repo, issue)],
    seedComments(owner, repo, issue, bodies, by = 'octocat') {
      for (const body of bodies) {
        const t = now();
        list(owner, repo, issue).push({
          id: nextId++,
          issue,
          body,
          login: by,
          createdAt: t,
          updatedAt: t,
        });
      }
    },
    seedPull(owner, repo, pull) {
      const key = `${owner}/${repo}`.toLowerCase();
      pulls.set(key, [...(pulls.get(key) ?? []), pull]);
    },
    close: async (o = {}) => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (violations.length > 0 && o.allowViolations !== true) {
        throw new Error(
          `the GitHub API double saw ${violations.length} violation(s):\n${violations.join('\n')}`,
        );
      }
    },
  };
}

function send(
  res: ServerResponse,
  reply: { status: number; body?: unknown; headers?: Record<string, string> },
): void {
  const headers: Record<string, string> = {
    'x-github-media-type': 'github.v3; format=json',
    ...reply.headers,
  };
  if (reply.body === undefined) {
    res.writeHead(reply.status, headers).end();
    return;
  }
  res
    .writeHead(reply.status, { ...headers, 'content-type': 'application/json; charset=utf-8' })
    .end(JSON.stringify(reply.body));
}
