// Faults through the agent on QEMU mps2-an386 (the board firmware on its pty): a hung
// emulator (SIGSTOP) is restarted and the job retried with the clean run's exact ticks;
// garbage, bit flips, drops and duplicates injected between the agent and the pty leave
// ticks, outputs and accuracy exactly those of a clean run; a model larger than the
// board's model RAM is refused before upload with both sizes; an operator the engine
// lacks (SQUEEZE, built with ModelBuilder) is refused naming it and its layer.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { fullyConnectedOptions, ModelBuilder } from '../../src/model/builder.ts';
import { writeModel } from '../../src/model/writer.ts';
import type { EmulatedBoard } from '../../src/schema/boards-types.ts';
import type { ResultDocument } from '../../src/schema/result-types.ts';
import { isValid } from '../../src/schema/validate.ts';
import type { StepOptions } from '../../runner-agent/boards/board.ts';
import { QemuBoard } from '../../runner-agent/boards/qemu.ts';
import { AgentError } from '../../runner-agent/jobs/errors.ts';
import { Agent, type JobEvent, type JobRequest } from '../../runner-agent/jobs/manager.ts';
import { FaultProxy } from '../../runner-agent/transport/fault-proxy.ts';
import type { Transport } from '../../runner-agent/transport/transport.ts';
import {
  LENET,
  LENET_DATASET,
  emulated,
  hasQemu,
  inventory,
  measuredFigures,
} from './agent-fixtures.ts';

const skip = hasQemu() ? false : 'qemu-system-arm or arm-none-eabi-gcc not installed';

/** QEMU with the fault proxy between the agent and the pty. */
class ProxiedQemu extends QemuBoard {
  proxy: FaultProxy | null = null;

  constructor(
    spec: EmulatedBoard,
    private readonly seed: number,
  ) {
    super(spec);
  }

  protected override async open(opts: StepOptions): Promise<Transport> {
    // Garbage without a trailing 0x00 merges with the next frame and kills it too, so a
    // frame is lost ~9% of the time each way: 4 attempts per request get one through.
    const rates = { garbage: 0.04, bitFlip: 0.03, drop: 0.02, duplicate: 0.03 };
    this.proxy = new FaultProxy(await super.open(opts), {
      seed: this.seed,
      toDevice: rates,
      fromDevice: rates,
    });
    return this.proxy;
  }
}

const lenet = new Uint8Array(readFileSync(LENET));
const lenetJob: JobRequest = {
  board: 'qemu-m4',
  model: lenet,
  modelName: 'lenet_int8.tflite',
  repeats: 2,
  warmup: 1,
  dataset: LENET_DATASET,
  limit: 24,
};

/** Everything a run measures: ticks per layer, kernel paths, totals, footprint, accuracy. */
function measured(d: ResultDocument) {
  return {
    ...measuredFigures(d),
    accuracy: d.accuracy,
    notes: d.notes.filter((n) => /^sample \d+ /.test(n)),
  };
}

let agent: Agent;
const logs: string[] = [];
let board: QemuBoard;
let freezeOnStart = 0;
let clean: ResultDocument;
const cleanByHash = new Map<string, ResultDocument>();

/**
 * The clean run of lenetJob on the firmware `doc` ran on. Other work may rebuild the
 * firmware while this file runs (the agent then restarts QEMU with the new image), and
 * another build gives other ticks and engine bytes: compare like with like.
 */
async function cleanFor(doc: ResultDocument): Promise<ResultDocument> {
  const hash = doc.board.firmwareHash;
  let c = cleanByHash.get(hash);
  if (!c) {
    c = await agent.runJob(lenetJob, { owner: 'faults' });
    if (c.board.firmwareHash !== hash)
      throw new Error('the firmware changed twice during the test');
    cleanByHash.set(hash, c);
  }
  return c;
}

before(async () => {
  if (skip) return;
  agent = new Agent({
    inventory: inventory(emulated('qemu-m4', 'mps2-an386')),
    stateFile: null,
    createBoard: (spec) => {
      board = new QemuBoard(spec as EmulatedBoard, { log: (l) => logs.push(l) });
      const start = board.start.bind(board);
      // A hook for the hang test: freeze QEMU just as the job finds the board ready.
      board.start = async (o) => {
        const f = await start(o);
        if (freezeOnStart > 0) {
          freezeOnStart--;
          board.freeze();
        }
        return f;
      };
      return board;
    },
    log: (l) => logs.push(l),
  });
  clean = await agent.runJob(lenetJob, { owner: 'faults' });
  cleanByHash.set(clean.board.firmwareHash, clean);
});

after(async () => {
  await agent?.close();
});

test('a clean run on QEMU is a valid document with device accuracy', { skip }, () => {
  assert.ok(isValid('result', clean));
  assert.equal(clean.timeUnit, 'instructions');
  assert.equal(clean.accuracy?.samples, 24);
});

test(
  'QEMU stops answering (SIGSTOP): timeout, QEMU restarted, one retry, exactly the clean ticks',
  { skip, timeout: 120_000 },
  async () => {
    const pidBefore = board.process?.pid;
    freezeOnStart = 1;
    const doc = await agent.runJob(lenetJob, { owner: 'faults' });
    assert.equal(freezeOnStart, 0, 'the board was frozen');
    assert.notEqual(board.process?.pid, pidBefore, 'a new QEMU process');
    assert.ok(
      logs.some((l) =>
        /board qemu-m4: board qemu-m4: UPLOAD_BEGIN .*no answer.*resetting and retrying once/.test(
          l,
        ),
      ),
      logs.join('\n'),
    );
    assert.deepEqual(measured(doc), measured(await cleanFor(doc)));
    const s = agent.status()[0];
    assert.equal(s.lease, null);
    assert.equal(s.health.consecutiveFailures, 0);
  },
);

for (const seed of [5, 23]) {
  test(
    `garbage and corrupted bytes between agent and pty (seed ${seed}): results exactly those of a clean run`,
    { skip, timeout: 180_000 },
    async () => {
      let proxied!: ProxiedQemu;
      const noisyLogs: string[] = [];
      const noisy = new Agent({
        inventory: inventory(emulated('qemu-m4', 'mps2-an386')),
        stateFile: null,
        createBoard: (spec) => (proxied = new ProxiedQemu(spec as EmulatedBoard, seed)),
        log: (l) => noisyLogs.push(l),
      });
      try {
        const doc = await noisy.runJob(lenetJob, { owner: 'faults' });
        const inj = proxied.proxy?.injected;
        assert.ok(inj, 'the proxy stood on the line');
        const { toDevice: a, fromDevice: b } = inj;
        for (const k of ['garbage', 'bitFlips', 'drops', 'duplicates'] as const) {
          assert.ok(a[k] + b[k] > 0, `no ${k} injected: ${JSON.stringify(inj)}`);
        }
        assert.ok(a.bitFlips + a.drops > 0 && b.bitFlips + b.drops > 0, JSON.stringify(inj));
        console.log(`fault proxy on the QEMU pty, seed ${seed}: ${JSON.stringify(inj)}`);
        // Through the noise on the first attempt: not a clean retry after a reset.
        assert.ok(!noisyLogs.some((l) => /resetting and retrying/.test(l)), noisyLogs.join('\n'));
        assert.ok(isValid('result', doc));
        assert.deepEqual(measured(doc), measured(await cleanFor(doc)));
      } finally {
        await noisy.close();
      }
    },
  );
}

const q = (s: number) => ({ scale: [s], zeroPoint: [0], quantizedDimension: 0 });

/** int8 FULLY_CONNECTED [1,n] -> [1,m], optionally followed by `tail` (one input, one output). */
function fcModel(n: number, m: number, tail?: string): Uint8Array {
  const b = new ModelBuilder();
  const x = b.addTensor({ name: 'x', shape: [1, n], type: 'int8', quantization: q(0.1) });
  const w = b.addTensor({
    name: 'w',
    shape: [m, n],
    type: 'int8',
    data: new Int8Array(m * n).fill(1),
    quantization: q(0.01),
  });
  const bias = b.addTensor({
    name: 'b',
    shape: [m],
    type: 'int32',
    data: new Int32Array(m),
    quantization: q(0.001),
  });
  const y = b.addTensor({ name: 'y', shape: [1, m], type: 'int8', quantization: q(0.2) });
  b.addOperator('FULLY_CONNECTED', [x, w, bias], [y], fullyConnectedOptions());
  let out = y;
  if (tail) {
    out = b.addTensor({ name: 'z', shape: [m], type: 'int8', quantization: q(0.2) });
    b.addOperator(tail, [y], [out], null);
  }
  b.setInputs([x]);
  b.setOutputs([out]);
  return writeModel(b.build());
}

test(
  "a model larger than the board's model RAM: refused before upload, both sizes named",
  { skip, timeout: 60_000 },
  async () => {
    const model = fcModel(4096, 4100); // 16.8 MB of weights; MPS2 BULK holds 16 MiB
    const ram = agent.status()[0];
    assert.ok(ram.firmware, 'the board has said HELLO');
    const events: JobEvent[] = [];
    await assert.rejects(
      agent.runJob(
        { board: 'qemu-m4', model, modelName: 'huge.tflite', repeats: 1, warmup: 0 },
        { owner: 'faults', onEvent: (e) => events.push(e) },
      ),
      (e: unknown) =>
        e instanceof AgentError &&
        e.code === 'model-rejected' &&
        e.message.includes(`${model.length} bytes`) &&
        e.message.includes('16777216 bytes') &&
        /qemu-m4/.test(e.message),
    );
    assert.ok(!events.some((e) => e.event === 'uploading'), 'no byte of it was sent');
    assert.equal(agent.status()[0].health.consecutiveFailures, 0, "not the board's fault");
  },
);

test(
  'an operator the engine lacks (SQUEEZE): refused by the firmware naming it and its layer',
  { skip, timeout: 60_000 },
  async () => {
    const model = fcModel(8, 4, 'SQUEEZE');
    await assert.rejects(
      agent.runJob(
        { board: 'qemu-m4', model, modelName: 'squeeze.tflite', repeats: 1, warmup: 0 },
        { owner: 'faults' },
      ),
      (e: unknown) =>
        e instanceof AgentError &&
        e.code === 'model-rejected' &&
        /board qemu-m4: .*UNSUPPORTED_OP: layer 1: operator SQUEEZE/.test(e.message),
    );
    const s = agent.status()[0];
    assert.equal(s.health.consecutiveFailures, 0, "not the board's fault");
    assert.equal(s.lease, null);
    // The board is still in service: the next job runs with the clean run's ticks.
    // (With a dataset the timed input is its sample 0, so the same job as the clean run.)
    const again = await agent.runJob(lenetJob, { owner: 'faults' });
    assert.deepEqual(measured(again), measured(await cleanFor(again)));
  },
);
