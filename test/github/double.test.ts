// The API double itself: every request is held against GitHub's OpenAPI description,
// and a request that breaks it is refused with 400 and fails the test at close().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from '../../src/github/client.ts';
import { startGitHubDouble } from '../support/github-double.ts';

test('a documented request passes and its answer follows the response schema', async () => {
  const d = await startGitHubDouble();
  const client = createClient({ token: 'test-token', apiUrl: d.url });
  const res = await client.rest.issues.createComment({
    owner: 'o',
    repo: 'r',
    issue_number: 3,
    body: 'hello',
  });
  assert.equal(res.status, 201);
  assert.equal(res.data.body, 'hello');
  assert.equal(res.data.user?.login, 'github-actions[bot]');
  assert.deepEqual(d.violations, []);
  assert.equal(d.requests[0].operationId, 'issues/create-comment');
  await d.close();
});

// Each row is a request Octokit would happily send, that GitHub does not document.
const WRONG: { name: string; route: string; params: Record<string, unknown>; why: RegExp }[] = [
  {
    name: 'an undocumented path',
    route: 'POST /repos/{owner}/{repo}/issues/{issue_number}/comment',
    params: { owner: 'o', repo: 'r', issue_number: 3, body: 'x' },
    why: /no such operation/,
  },
  {
    name: 'a method the path does not have',
    route: 'PUT /repos/{owner}/{repo}/issues/comments/{comment_id}',
    params: { owner: 'o', repo: 'r', comment_id: 1, body: 'x' },
    why: /no such operation/,
  },
  {
    name: 'a misspelt body field',
    route: 'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
    params: { owner: 'o', repo: 'r', issue_number: 3, bod: 'x' },
    why: /required property 'body'/,
  },
  {
    name: 'a body of the wrong type',
    route: 'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}',
    params: { owner: 'o', repo: 'r', comment_id: 1, body: 42 },
    why: /body: \/body must be string/,
  },
  {
    name: 'a path parameter that is not an integer',
    route: 'GET /repos/{owner}/{repo}/issues/{issue_number}/comments',
    params: { owner: 'o', repo: 'r', issue_number: 'seven' },
    why: /path parameter issue_number/,
  },
  {
    name: 'an undocumented query parameter',
    route: 'GET /repos/{owner}/{repo}/issues/{issue_number}/comments',
    params: { owner: 'o', repo: 'r', issue_number: 3, perpage: 100 },
    why: /query parameter perpage is not documented/,
  },
  {
    name: 'a query value outside its enum',
    route: 'GET /repos/{owner}/{repo}/pulls',
    params: { owner: 'o', repo: 'r', state: 'merged' },
    why: /query parameter state/,
  },
];

for (const row of WRONG) {
  test(`the double refuses ${row.name} with 400 and fails the test`, async () => {
    const d = await startGitHubDouble();
    const client = createClient({ token: 'test-token', apiUrl: d.url });
    await assert.rejects(
      client.request(row.route, row.params),
      (e: Error & { status?: number }) => {
        assert.equal(e.status, 400);
        return true;
      },
    );
    assert.equal(d.violations.length, 1);
    assert.match(d.violations[0], row.why);
    await assert.rejects(d.close(), /violation/);
  });
}

test('a wrong token gets 401 Bad credentials (not a violation)', async () => {
  const d = await startGitHubDouble({ token: 'right' });
  const client = createClient({ token: 'wrong', apiUrl: d.url });
  await assert.rejects(
    client.rest.issues.listComments({ owner: 'o', repo: 'r', issue_number: 1 }),
    (e: Error & { status?: number }) => e.status === 401,
  );
  assert.deepEqual(d.violations, []);
  await d.close();
});
