import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ARENA_ALIGNMENT,
  planArena,
  planModelArena,
  tensorLifetimes,
  type ArenaAllocation,
  type ArenaRequest,
} from '../../src/model/arena-plan.ts';
import { readModel } from '../../src/model/reader.ts';
import { AnalysisError } from '../../src/model/shapes.ts';
import type { Model, Tensor } from '../../src/model/types.ts';

const r = (tensor: number, size: number, first: number, last: number): ArenaRequest => ({
  tensor,
  size,
  first,
  last,
});

function offsets(reqs: ArenaRequest[]): { bytes: number; at: Record<number, number> } {
  const plan = planArena(reqs);
  return {
    bytes: plan.bytes,
    at: Object.fromEntries(plan.allocations.map((a) => [a.tensor, a.offset])),
  };
}

// Each case's arena is the optimum for its lifetimes (argued in the comment), and the
// offsets are the ones the documented rules give; the C planner must print the same.
test('hand-made lifetimes: offsets and optimal arena sizes', () => {
  // A chain: at operator 1 the 200 B and a 100 B tensor are live together, so any
  // plan needs 200 + (alignment of 200 up to 208) + 100 = 308.
  assert.deepEqual(offsets([r(0, 100, 0, 0), r(1, 200, 0, 1), r(2, 100, 1, 2), r(3, 50, 2, 2)]), {
    bytes: 308,
    at: { 0: 208, 1: 0, 2: 208, 3: 0 },
  });
  // The two small tensors are never live together: both sit above the big one.
  assert.deepEqual(offsets([r(0, 64, 0, 0), r(1, 32, 1, 1), r(2, 256, 0, 1)]), {
    bytes: 320,
    at: { 0: 256, 1: 256, 2: 0 },
  });
  // Alignment: the second 10 B tensor starts at 16, not 10.
  assert.deepEqual(offsets([r(0, 10, 0, 0), r(1, 10, 0, 0)]), { bytes: 26, at: { 0: 0, 1: 16 } });
  // A gap between two placed tensors is filled: W fits between Y (0..200) and Z (304..404).
  assert.deepEqual(
    offsets([r(10, 300, 0, 0), r(11, 200, 1, 1), r(12, 100, 0, 1), r(13, 50, 1, 1)]),
    { bytes: 404, at: { 10: 0, 11: 0, 12: 304, 13: 208 } },
  );
  // Ties in size: the earlier first use goes first, then the lower index.
  assert.deepEqual(offsets([r(5, 32, 1, 1), r(3, 32, 1, 1), r(4, 32, 0, 1)]), {
    bytes: 96,
    at: { 4: 0, 3: 32, 5: 64 },
  });
  // Zero-size tensors take no room and never push others.
  assert.deepEqual(offsets([r(0, 0, 0, 3), r(1, 48, 0, 3)]), { bytes: 48, at: { 0: 0, 1: 0 } });
  assert.deepEqual(offsets([]), { bytes: 0, at: {} });
});

test('invalid requests are refused with bad-lifetime', () => {
  const code = (fn: () => unknown): void =>
    assert.throws(fn, (e: unknown) => e instanceof AnalysisError && e.code === 'bad-lifetime');
  code(() => planArena([r(0, 8, 2, 1)]));
  code(() => planArena([r(0, -1, 0, 0)]));
  code(() => planArena([r(0, 1.5, 0, 0)]));
  code(() => planArena([r(0, 8, 0, 0), r(0, 8, 1, 1)]));
  code(() => planArena([r(0, 8, 0, 0)], 0));
});

/** Deterministic PRNG (mulberry32) so a failure reproduces. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const liveTogether = (a: ArenaRequest, b: ArenaRequest): boolean =>
  a.first <= b.last && b.first <= a.last;
const bytesOverlap = (a: ArenaAllocation, b: ArenaAllocation): boolean =>
  a.offset < b.offset + b.size && b.offset < a.offset + a.size;

test('random lifetimes: no two live tensors overlap, each placement is the lowest one', () => {
  const rand = rng(20261124);
  for (let round = 0; round < 200; round++) {
    const n = 1 + Math.floor(rand() * 25);
    const ops = 1 + Math.floor(rand() * 12);
    const reqs: ArenaRequest[] = [];
    for (let i = 0; i < n; i++) {
      const a = Math.floor(rand() * ops);
      const b = Math.floor(rand() * ops);
      // Sizes from a small set make ties common, which exercises the ordering rule.
      const size = rand() < 0.3 ? 16 * Math.floor(rand() * 4) : Math.floor(rand() * 700);
      reqs.push(r(i * 3 + 1, size, Math.min(a, b), Math.max(a, b)));
    }
    const plan = planArena(reqs);
    assert.equal(plan.allocations.length, n);
    const all = plan.allocations;
    for (const a of all) {
      assert.equal(a.offset % ARENA_ALIGNMENT, 0, `round ${round}: tensor ${a.tensor} unaligned`);
      for (const b of all) {
        if (a === b || a.size === 0 || b.size === 0) continue;
        assert.ok(
          !(liveTogether(a, b) && bytesOverlap(a, b)),
          `round ${round}: tensors ${a.tensor} and ${b.tensor} overlap`,
        );
      }
    }
    assert.equal(plan.bytes, Math.max(0, ...all.map((a) => a.offset + a.size)));
    // Lower bound: the bytes live at any one operator.
    for (let op = 0; op < ops; op++) {
      const live = all.filter((a) => a.first <= op && op <= a.last);
      assert.ok(plan.bytes >= live.reduce((s, a) => s + a.size, 0), `round ${round}`);
    }
    // Greedy: no lower aligned offset was free given the tensors placed before it.
    const order = [...all].sort(
      (a, b) => b.size - a.size || a.first - b.first || a.tensor - b.tensor,
    );
    order.forEach((a, k) => {
      if (a.size === 0) return assert.equal(a.offset, 0);
      for (let lower = 0; lower < a.offset; lower += ARENA_ALIGNMENT) {
        const moved = { ...a, offset: lower };
        const blocked = order
          .slice(0, k)
          .some((p) => p.size > 0 && liveTogether(p, a) && bytesOverlap(p, moved));
        assert.ok(blocked, `round ${round}: tensor ${a.tensor} could sit at ${lower}`);
      }
    });
  }
});

// A model built by hand (not by the builder) so the rules of lifetimes are tested
// apart from the writer/reader.
function tensor(name: string, shape: number[], buffer = 0, isVariable = false): Tensor {
  return { name, shape, type: 'int8', buffer, isVariable };
}

test('lifetimes of a model: constants skipped, graph I/O and variables stretched', () => {
  const model: Model = {
    version: 3,
    description: 'lifetimes',
    operatorCodes: [{ builtin: 'ADD', code: 0, version: 1 }],
    buffers: [{ data: new Uint8Array(0) }, { data: new Uint8Array(8) }],
    subgraphs: [
      {
        name: 'main',
        tensors: [
          tensor('in', [1, 8]), // 0: graph input, read by op 1 only
          tensor('w', [1, 8], 1), // 1: constant
          tensor('a', [1, 8]), // 2: written by op 0, read by op 2
          tensor('b', [1, 16]), // 3: written by op 1, read by op 2
          tensor('out', [1, 8]), // 4: graph output, written by op 2
          tensor('state', [1, 4], 0, true), // 5: variable, used by op 1 only
          tensor('dead', [2, 8]), // 6: written by op 0, never read
        ],
        inputs: [0],
        outputs: [4],
        operators: [
          { opcodeIndex: 0, inputs: [1, 1], outputs: [2, 6], options: null },
          { opcodeIndex: 0, inputs: [0, 5, -1], outputs: [3], options: null },
          { opcodeIndex: 0, inputs: [2, 3], outputs: [4], options: null },
          { opcodeIndex: 0, inputs: [1, 1], outputs: [], options: null },
        ],
      },
    ],
  };
  assert.deepEqual(tensorLifetimes(model), [
    r(0, 8, 0, 1),
    r(2, 8, 0, 2),
    r(3, 16, 1, 2),
    r(4, 8, 2, 3),
    r(5, 4, 0, 3),
    r(6, 16, 0, 0),
  ]);
});

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const shared = path.resolve(repoRoot, '..', 'shared');
const absent = !existsSync(path.join(shared, 'models'));

test(
  'shared models: arena estimates, pinned, valid, and below TFLite Micro arenas',
  { skip: absent ? 'shared/ not found beside the checkout' : false },
  (t) => {
    // [greedy plan, TFLite Micro's measured arena (shared/golden/README.md), which adds
    // its own bookkeeping and scratch to the activations].
    const expected: Record<string, [number, number | null]> = {
      hello_world_int8: [32, 1184],
      hello_world_float: [128, null],
      micro_speech_quantized: [5960, 7312],
      kws_ref_model: [16_000, 24_000],
      kws_ref_model_float32: [64_000, null],
      ic_resnet8_int8: [49_152, 55_712],
      ic_resnet8_float: [196_608, 203_104],
    };
    for (const [name, [bytes, tflm]] of Object.entries(expected)) {
      const file = path.join(shared, 'models', `${name}.tflite`);
      const model = readModel(new Uint8Array(readFileSync(file)), file);
      const plan = planModelArena(model);
      const ops = model.subgraphs[0].operators.length;
      let peak = 0;
      for (let op = 0; op < ops; op++) {
        const live = plan.allocations.filter((a) => a.first <= op && op <= a.last);
        peak = Math.max(
          peak,
          live.reduce((s, a) => s + a.size, 0),
        );
        for (const a of live) {
          for (const b of live) {
            if (a !== b && a.size > 0 && b.size > 0) assert.ok(!bytesOverlap(a, b), name);
          }
        }
      }
      const all = plan.allocations.reduce((s, a) => s + a.size, 0);
      t.diagnostic(
        `${name}: arena ${plan.bytes} B for ${plan.allocations.length} tensors ` +
          `(peak live ${peak} B, no reuse ${all} B, TFLite Micro ${tflm ?? 'n/a'} B)`,
      );
      assert.equal(plan.bytes, bytes, name);
      assert.ok(peak <= plan.bytes && plan.bytes <= all, name);
      if (tflm !== null) assert.ok(plan.bytes <= tflm, name);
    }
  },
);
