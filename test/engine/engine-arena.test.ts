// Issue 4, arena acceptance: the C engine's activation region is the host analysis's plan
// (src/model/arena-plan.ts), offset for offset, for every shared model that has golden
// inputs. With KERNELS=ref that is the plan of the tensors alone. With KERNELS=opt the
// fast paths add scratch buffers (im2col columns), which the engine plans as extra
// buffers alive during their operator only, with ids after the last tensor: the same
// planner over the tensors plus those requests must give the opt region, so the
// difference between the two kernel sets is exactly the scratch, and explained.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  planArena,
  tensorLifetimes,
  type ArenaPlan,
  type ArenaRequest,
} from '../../src/model/arena-plan.ts';
import { readModel } from '../../src/model/reader.ts';
import { buildEngine, REPO_ROOT, toolchainMissing, type KernelSet } from './engine-runner.ts';

const SHARED = path.resolve(REPO_ROOT, '..', 'shared');
const absent = !existsSync(path.join(SHARED, 'golden'));
const skip = absent ? 'shared/ not found beside the checkout' : toolchainMissing();

/** The shared models the engine runs (their golden directories hold inputs.bin). */
const MODELS = [
  'hello_world_float',
  'hello_world_int8',
  'ic_resnet8_float',
  'ic_resnet8_int8',
  'kws_ref_model',
  'micro_speech_quantized',
];

interface EnginePlan {
  tensors: Map<number, { offset: number; size: number }>;
  scratch: { layer: number; offset: number; size: number }[];
  activationBytes: number;
}

/** tg_run --plan lines: `plan tensor|scratch ...` and `plan activation_bytes <n>`. */
function parsePlan(stdout: string, what: string): EnginePlan {
  const plan: EnginePlan = { tensors: new Map(), scratch: [], activationBytes: -1 };
  for (const line of stdout.split('\n')) {
    let m = /^plan tensor (\d+) offset (\d+) size (\d+)$/.exec(line);
    if (m !== null) {
      plan.tensors.set(Number(m[1]), { offset: Number(m[2]), size: Number(m[3]) });
      continue;
    }
    m = /^plan scratch (\d+) layer (\d+) offset (\d+) size (\d+)$/.exec(line);
    if (m !== null) {
      plan.scratch[Number(m[1])] = {
        layer: Number(m[2]),
        offset: Number(m[3]),
        size: Number(m[4]),
      };
      continue;
    }
    m = /^plan activation_bytes (\d+)$/.exec(line);
    if (m !== null) plan.activationBytes = Number(m[1]);
  }
  assert.ok(plan.activationBytes >= 0, `${what}: tg_run --plan printed no activation_bytes`);
  return plan;
}

async function enginePlan(k: KernelSet, name: string): Promise<EnginePlan> {
  const bin = await buildEngine(k);
  const model = path.join(SHARED, 'models', `${name}.tflite`);
  const inputs = path.join(SHARED, 'golden', name, 'inputs.bin');
  const { stdout } = await promisify(execFile)(
    bin,
    [model, inputs, '/dev/null', '--samples', '1', '--plan'],
    { maxBuffer: 16 << 20 },
  );
  return parsePlan(stdout, `${name} (${k})`);
}

function assertSamePlacement(
  engine: EnginePlan,
  host: ArenaPlan,
  nTensors: number,
  what: string,
): void {
  for (const a of host.allocations) {
    if (a.tensor >= nTensors) continue; // a scratch request, checked by the caller
    const e = engine.tensors.get(a.tensor);
    assert.deepEqual(e, { offset: a.offset, size: a.size }, `${what}: tensor ${a.tensor}`);
  }
  assert.equal(
    engine.tensors.size,
    host.allocations.filter((a) => a.tensor < nTensors).length,
    `${what}: planned tensors`,
  );
  assert.equal(engine.activationBytes, host.bytes, `${what}: activation bytes`);
}

for (const name of MODELS) {
  test(`${name}: engine activation region equals the host plan (ref)`, { skip }, async () => {
    const model = readModel(readFileSync(path.join(SHARED, 'models', `${name}.tflite`)), name);
    const host = planArena(tensorLifetimes(model));
    const engine = await enginePlan('ref', name);
    assert.equal(engine.scratch.length, 0, `${name} (ref): the reference kernels use no scratch`);
    assertSamePlacement(engine, host, model.subgraphs[0].tensors.length, `${name} (ref)`);
  });

  test(`${name}: opt region = host plan of tensors + opt scratch buffers`, { skip }, async () => {
    const model = readModel(readFileSync(path.join(SHARED, 'models', `${name}.tflite`)), name);
    const lifetimes = tensorLifetimes(model);
    const engine = await enginePlan('opt', name);
    const nTensors = model.subgraphs[0].tensors.length;
    const scratch: ArenaRequest[] = engine.scratch.map((s, k) => ({
      tensor: nTensors + k,
      size: s.size,
      first: s.layer,
      last: s.layer,
    }));
    const host = planArena([...lifetimes, ...scratch]);
    assertSamePlacement(engine, host, nTensors, `${name} (opt)`);
    for (const [k, s] of engine.scratch.entries()) {
      const h = host.allocations.find((a) => a.tensor === nTensors + k);
      assert.equal(h?.offset, s.offset, `${name} (opt): scratch ${k} of layer ${s.layer}`);
    }
    // Without scratch buffers the opt region is the ref region.
    if (scratch.length === 0) assert.equal(engine.activationBytes, planArena(lifetimes).bytes);
  });
}
