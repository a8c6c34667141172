// The sticky comment against the API double: created once, updated in place, found
// across pages, one per configuration, never duplicated (also when two runs race).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from '../../src/github/client.ts';
import { commentMarker, upsertComment } from '../../src/github/comment.ts';
import { startGitHubDouble, type GitHubDouble } from '../support/github-double.ts';

const OWNER = 'tinyml-org';
const REPO = 'kws-models';

async function withDouble(fn: (d: GitHubDouble) => Promise<void>): Promise<void> {
  const d = await startGitHubDouble();
  try {
    await fn(d);
  } finally {
    await d.close();
  }
}

const marked = (d: GitHubDouble, marker: string, pr = 7) =>
  d.comments(OWNER, REPO, pr).filter((c) => c.body.startsWith(marker));

test('marker: one per configuration, stable, hidden', () => {
  const a = commentMarker('tinyml-gate.yml');
  assert.equal(a, commentMarker('./tinyml-gate.yml'));
  assert.match(a, /^<!-- tinyml-gate:config=[0-9a-f]{12} -->$/);
  assert.notEqual(a, commentMarker('models/other/tinyml-gate.yml'));
});

test('first run creates the comment, a second push updates it in place', async () => {
  await withDouble(async (d) => {
    const client = createClient({ token: 'test-token', apiUrl: d.url });
    const marker = commentMarker('tinyml-gate.yml');
    d.seedComments(OWNER, REPO, 7, ['LGTM', 'please rebase']);
    const first = await upsertComment(client, {
      owner: OWNER,
      repo: REPO,
      issueNumber: 7,
      marker,
      body: `${marker}\n## ❌ tinyml-gate: fail`,
    });
    assert.equal(first.action, 'created');
    const second = await upsertComment(client, {
      owner: OWNER,
      repo: REPO,
      issueNumber: 7,
      marker,
      body: `${marker}\n## ✅ tinyml-gate: pass`,
    });
    assert.equal(second.action, 'updated');
    assert.equal(second.id, first.id);
    const ours = marked(d, marker);
    assert.equal(ours.length, 1);
    assert.equal(ours[0].body, `${marker}\n## ✅ tinyml-gate: pass`);
    assert.equal(ours[0].login, 'github-actions[bot]');
    assert.equal(d.comments(OWNER, REPO, 7).length, 3, 'other comments untouched');
    // A third run with the same report changes nothing (no PATCH).
    const patches = d.requests.filter((r) => r.method === 'PATCH').length;
    const third = await upsertComment(client, {
      owner: OWNER,
      repo: REPO,
      issueNumber: 7,
      marker,
      body: `${marker}\n## ✅ tinyml-gate: pass`,
    });
    assert.equal(third.action, 'unchanged');
    assert.equal(d.requests.filter((r) => r.method === 'PATCH').length, patches);
    assert.equal(d.requests.filter((r) => r.method === 'POST').length, 1);
  });
});

test('pagination: the marked comment on page 3 of 250 is found and updated', async () => {
  await withDouble(async (d) => {
    const client = createClient({ token: 'test-token', apiUrl: d.url });
    const marker = commentMarker('tinyml-gate.yml');
    d.seedComments(
      OWNER,
      REPO,
      7,
      Array.from({ length: 230 }, (_, i) => `comment ${i}`),
    );
    d.seedComments(OWNER, REPO, 7, [`${marker}\nold report`], 'github-actions[bot]');
    d.seedComments(
      OWNER,
      REPO,
      7,
      Array.from({ length: 19 }, (_, i) => `later ${i}`),
    );
    const r = await upsertComment(client, {
      owner: OWNER,
      repo: REPO,
      issueNumber: 7,
      marker,
      body: `${marker}\nnew report`,
    });
    assert.equal(r.action, 'updated');
    assert.equal(d.comments(OWNER, REPO, 7).length, 250);
    assert.equal(marked(d, marker)[0].body, `${marker}\nnew report`);
    const pages = d.requests.filter((q) => q.method === 'GET').map((q) => q.query.page ?? '1');
    assert.deepEqual(pages, ['1', '2', '3']);
    assert.ok(d.requests.every((q) => q.method !== 'GET' || q.query.per_page === '100'));
    assert.equal(d.requests.filter((q) => q.method === 'POST').length, 0);
  });
});

test('one comment per configuration; a quoted marker is not ours', async () => {
  await withDouble(async (d) => {
    const client = createClient({ token: 'test-token', apiUrl: d.url });
    const a = commentMarker('tinyml-gate.yml');
    const b = commentMarker('boards/farm/tinyml-gate.yml');
    d.seedComments(OWNER, REPO, 7, [`> ${a}\n> quoting the bot`]);
    for (const body of ['one', 'two']) {
      await upsertComment(client, {
        owner: OWNER,
        repo: REPO,
        issueNumber: 7,
        marker: a,
        body: `${a}\n${body}`,
      });
      await upsertComment(client, {
        owner: OWNER,
        repo: REPO,
        issueNumber: 7,
        marker: b,
        body: `${b}\n${body}`,
      });
    }
    assert.equal(marked(d, a).length, 1);
    assert.equal(marked(d, b).length, 1);
    assert.equal(d.comments(OWNER, REPO, 7).length, 3);
    assert.equal(d.comments(OWNER, REPO, 7)[0].body, `> ${a}\n> quoting the bot`);
  });
});

test('two runs racing on a pull request leave one comment', async () => {
  await withDouble(async (d) => {
    const client = createClient({ token: 'test-token', apiUrl: d.url });
    const marker = commentMarker('tinyml-gate.yml');
    const results = await Promise.all(
      ['run A', 'run B', 'run C'].map((run) =>
        upsertComment(client, {
          owner: OWNER,
          repo: REPO,
          issueNumber: 9,
          marker,
          body: `${marker}\n${run}`,
        }),
      ),
    );
    assert.equal(marked(d, marker, 9).length, 1);
    assert.equal(d.comments(OWNER, REPO, 9).length, 1);
    const kept = marked(d, marker, 9)[0].id;
    assert.ok(results.every((r) => r.id === kept));
  });
});

test('bad markers are refused before any request', async () => {
  await withDouble(async (d) => {
    const client = createClient({ token: 'test-token', apiUrl: d.url });
    const marker = commentMarker('tinyml-gate.yml');
    const opts = { owner: OWNER, repo: REPO, issueNumber: 7 };
    await assert.rejects(upsertComment(client, { ...opts, marker, body: 'no marker' }), {
      code: 'bad-marker',
    });
    await assert.rejects(
      upsertComment(client, { ...opts, marker: '<!-- x -->', body: '<!-- x -->' }),
      {
        code: 'bad-marker',
      },
    );
    await assert.rejects(
      upsertComment(client, { ...opts, marker, body: `${marker}${'x'.repeat(65_536)}` }),
      {
        code: 'bad-marker',
      },
    );
    assert.equal(d.requests.length, 0);
  });
});

test('a token GitHub refuses gives forbidden, naming the pull request', async () => {
  await withDouble(async (d) => {
    const client = createClient({ token: 'read-only-fork-token', apiUrl: d.url });
    const marker = commentMarker('tinyml-gate.yml');
    await assert.rejects(
      upsertComment(client, {
        owner: OWNER,
        repo: REPO,
        issueNumber: 7,
        marker,
        body: `${marker}\nx`,
      }),
      (e: Error & { code?: string }) =>
        e.code === 'forbidden' && e.message.includes(`${OWNER}/${REPO}#7`),
    );
  });
});

test('an unreachable API gives api-failed, naming what was being done', async () => {
  const d = await startGitHubDouble();
  const url = d.url;
  await d.close(); // nothing listens there any more
  const client = createClient({ token: 'test-token', apiUrl: url });
  const marker = commentMarker('tinyml-gate.yml');
  await assert.rejects(
    upsertComment(client, {
      owner: OWNER,
      repo: REPO,
      issueNumber: 7,
      marker,
      body: `${marker}\nx`,
    }),
    (e: Error & { code?: string }) =>
      e.code === 'api-failed' && e.message.startsWith(`listing the comments of ${OWNER}/${REPO}#7`),
  );
  assert.throws(() => createClient({ token: '' }), { code: 'missing-env' });
});

test('duplicates left by an interrupted race are removed; the oldest is kept', async () => {
  await withDouble(async (d) => {
    const client = createClient({ token: 'test-token', apiUrl: d.url });
    const marker = commentMarker('tinyml-gate.yml');
    d.seedComments(
      OWNER,
      REPO,
      7,
      [`${marker}\nold`, 'human', `${marker}\nolder race`],
      'github-actions[bot]',
    );
    const [first, , second] = d.comments(OWNER, REPO, 7);
    const r = await upsertComment(client, {
      owner: OWNER,
      repo: REPO,
      issueNumber: 7,
      marker,
      body: `${marker}\nnew`,
    });
    assert.equal(r.action, 'updated');
    assert.equal(r.id, first.id);
    assert.deepEqual(r.removedDuplicates, [second.id]);
    assert.deepEqual(
      d.comments(OWNER, REPO, 7).map((c) => c.body),
      [`${marker}\nnew`, 'human'],
    );
  });
});
