// The dashboard page of the data branch, run under a small fake DOM: one section per
// model and board, one chart per metric that has figures, one point per result in date
// order, and hostile names shown as text, never parsed as markup.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runInNewContext } from 'node:vm';
import { dashboardHtml } from '../../src/history/dashboard.ts';
import { indexEntry, mergeIndex } from '../../src/history/layout.ts';
import { cnn, measure } from '../compare/factory.ts';

class FakeNode {
  children: FakeNode[] = [];
  attrs: Record<string, string> = {};
  textContent = '';
  constructor(
    readonly tag: string,
    readonly ns: string | null = null,
  ) {}
  appendChild(c: FakeNode): FakeNode {
    this.children.push(c);
    return c;
  }
  setAttribute(k: string, v: string): void {
    this.attrs[k] = v;
  }
  // No innerHTML: the page must never need it (a test below checks the source too).
  all(tag: string): FakeNode[] {
    return this.children.flatMap((c) => [...(c.tag === tag ? [c] : []), ...c.all(tag)]);
  }
}

async function runPage(
  indexText: string,
  ok = true,
): Promise<{ status: FakeNode; charts: FakeNode }> {
  const script = /<script>([\s\S]*)<\/script>/.exec(dashboardHtml())?.[1];
  assert.ok(script !== undefined);
  const status = new FakeNode('p');
  const charts = new FakeNode('div');
  const document = {
    getElementById: (id: string) => (id === 'status' ? status : id === 'charts' ? charts : null),
    createElement: (tag: string) => new FakeNode(tag),
    createElementNS: (ns: string, tag: string) => new FakeNode(tag, ns),
  };
  const fetch = async (url: string) => {
    assert.equal(url, 'index.json');
    return { ok, status: ok ? 200 : 404, json: async () => JSON.parse(indexText) as unknown };
  };
  runInNewContext(script, { document, fetch, Math, JSON, String });
  await new Promise((r) => setTimeout(r, 20));
  return { status, charts };
}

const shas = ['1', '2', '3'].map((c) => c.repeat(40));

test('one section per model and board, one point per result, in date order', async () => {
  const model = cnn();
  const docs = shas.flatMap((sha, i) => {
    const emu = measure(model, { commit: sha, slowdown: { 4: 1 + i / 10 } });
    emu.createdAt = `2026-11-2${i}T00:00:00Z`;
    const real = measure(model, { commit: sha, board: 'nucleo-l496zg', energy: false });
    real.createdAt = emu.createdAt;
    real.accuracy = { task: 'classification', samples: 100, device: 90 + i };
    return [emu, real];
  });
  // Written in reverse order: the page sorts by date.
  const index = mergeIndex(null, 'index.json', docs.reverse().map(indexEntry));
  const { status, charts } = await runPage(index);
  assert.equal(status.textContent, '6 results, 2 model and board pairs');
  const sections = charts.all('section');
  assert.deepEqual(
    sections.map((s) => s.all('h2')[0].textContent),
    ['cnn16 on nucleo-l496zg', 'cnn16 on qemu-m4'],
  );
  const captions = (s: FakeNode) => s.all('figcaption').map((f) => f.textContent);
  // The real board: no energy (energy: false), accuracy from the dataset.
  assert.deepEqual(captions(sections[0]), [
    'time per inference (cycles)',
    'flash (bytes)',
    'RAM (bytes)',
    'device accuracy (%)',
  ]);
  assert.deepEqual(captions(sections[1]), [
    'time per inference (instructions (emulated))',
    'energy per inference (uJ)',
    'flash (bytes)',
    'RAM (bytes)',
  ]);
  const ticks = sections[1].all('circle').slice(0, 3);
  const titles = ticks.map((c) => c.all('title')[0].textContent);
  assert.ok(titles[0].startsWith(shas[0].slice(0, 12)), titles[0]);
  assert.ok(titles[2].startsWith(shas[2].slice(0, 12)), titles[2]);
  // The slowdown grows with the commits: the line climbs (SVG y grows downwards).
  const ys = ticks.map((c) => Number(c.attrs.cy));
  assert.ok(ys[0] > ys[1] && ys[1] > ys[2], ys.join(' '));
  assert.equal(sections[1].all('polyline')[0].attrs.points.split(' ').length, 3);
});

test('hostile names are text; a missing index is reported', async () => {
  const doc = measure(cnn(), { commit: shas[0] });
  doc.model = { ...doc.model, name: '<img src=x onerror=alert(1)>' };
  const { charts } = await runPage(mergeIndex(null, 'index.json', [indexEntry(doc)]));
  assert.equal(charts.all('h2')[0].textContent, '<img src=x onerror=alert(1)> on qemu-m4');
  assert.equal(charts.all('img').length, 0);
  assert.ok(!dashboardHtml().includes('innerHTML'));
  const missing = await runPage('{}', false);
  assert.equal(missing.status.textContent, 'index.json: HTTP 404');
});
