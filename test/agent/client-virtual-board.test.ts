// The device client against the real firmware dispatcher built for the host
// (firmware/build/host-proto/tg_virtual_board, `make -C firmware virtual-board`): every
// shared model's golden inputs streamed through evaluate() must give TensorFlow Lite
// Micro's reference outputs exactly; the same over a pseudo-terminal opened with
// serialport, through the fault proxy, and against a stopped ("hung") board.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DeviceClient } from '../../runner-agent/device/client.ts';
import { ClientError, DeviceTimeoutError } from '../../runner-agent/device/errors.ts';
import { DeviceError } from '../../runner-agent/protocol/errors.ts';
import { encodeFrame } from '../../runner-agent/protocol/frame.ts';
import { FaultProxy } from '../../runner-agent/transport/fault-proxy.ts';
import { openSerialTransport } from '../../runner-agent/transport/serialport.ts';
import { spawnTransport, type ChildTransport } from '../../runner-agent/transport/stream.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
// TG_VIRTUAL_BOARD: another build of the same program (e.g. of a known-good commit).
const board =
  process.env.TG_VIRTUAL_BOARD ??
  path.join(repoRoot, 'firmware', 'build', 'host-proto', 'tg_virtual_board');
const shared = path.resolve(repoRoot, '..', 'shared');
const noBoard = existsSync(board)
  ? false
  : `${board} not built: run \`make -C firmware virtual-board\` (or set TG_VIRTUAL_BOARD)`;
const noShared = noBoard || (existsSync(shared) ? false : 'shared/ not found beside the checkout');

async function start(args: string[] = []): Promise<ChildTransport & { client: DeviceClient }> {
  const ct = await spawnTransport(board, ['--ticks', 'counter', ...args]);
  return { ...ct, client: new DeviceClient(ct.transport) };
}

interface Golden {
  model: Uint8Array;
  samples: Uint8Array[];
  outputs: Buffer;
}

function golden(name: string): Golden {
  const dir = path.join(shared, 'golden', name);
  const meta = JSON.parse(readFileSync(path.join(dir, 'meta.json'), 'utf8')) as { samples: number };
  const inputs = readFileSync(path.join(dir, 'inputs.bin'));
  const per = inputs.length / meta.samples;
  return {
    model: readFileSync(path.join(shared, 'models', `${name}.tflite`)),
    samples: Array.from({ length: meta.samples }, (_, i) =>
      inputs.subarray(i * per, (i + 1) * per),
    ),
    outputs: readFileSync(path.join(dir, 'outputs.bin')),
  };
}

function assertGolden(g: Golden, outputs: Uint8Array[], name: string): void {
  const per = g.outputs.length / g.samples.length;
  outputs.forEach((o, i) => {
    assert.deepEqual(
      Buffer.from(o),
      g.outputs.subarray(i * per, (i + 1) * per),
      `${name} sample ${i}`,
    );
  });
}

const INT8_MODELS = [
  'hello_world_int8',
  'micro_speech_quantized',
  'kws_ref_model',
  'ic_resnet8_int8',
];

test('hello: the virtual board describes itself', { skip: noBoard }, async () => {
  const b = await start();
  try {
    const h = await b.client.hello();
    assert.equal(h.protocol, 1);
    assert.equal(h.board, 'host');
    assert.equal(h.tickName, 'counter');
    assert.match(h.buildHash, /^[0-9a-f]{64}$/);
    const p = await b.client.ping(Uint8Array.from([0, 1, 0, 2]));
    assert.deepEqual(p.echo, Uint8Array.from([0, 1, 0, 2]));
    assert.ok(p.framesOk >= 2);
  } finally {
    await b.transport.close();
  }
});

for (const name of INT8_MODELS) {
  test(
    `${name}: streamed golden inputs give TFLite Micro's outputs exactly`,
    { skip: noShared },
    async () => {
      const g = golden(name);
      const b = await start();
      try {
        const info = await b.client.upload(g.model);
        assert.equal(info.modelBytes, g.model.length);
        assert.ok(info.layers.length > 0 && info.layers.every((l) => /^[A-Z_0-9]+$/.test(l.op)));
        const out = await b.client.evaluate(g.samples);
        assertGolden(
          g,
          out.map((r) => r.output),
          name,
        );
        // The single-shot path agrees: sample 3 through SET_INPUT, INVOKE, GET_OUTPUT.
        await b.client.setInput(0, g.samples[3]);
        const inv = await b.client.invoke(1, 2);
        assert.equal(inv.layerTicks[0].length, info.layers.length);
        assert.deepEqual(inv.layerTicks[0], inv.layerTicks[1]);
        assertGolden(
          {
            ...g,
            samples: g.samples.slice(3, 4),
            outputs: g.outputs.subarray(
              3 * (g.outputs.length / g.samples.length),
              4 * (g.outputs.length / g.samples.length),
            ),
          },
          [await b.client.getOutput(0)],
          name,
        );
      } finally {
        await b.transport.close();
      }
    },
  );
}

test('deterministic ticks: two boards, identical per-layer ticks', { skip: noShared }, async () => {
  const g = golden('kws_ref_model');
  const runs: number[][][] = [];
  for (let k = 0; k < 2; k++) {
    const b = await start();
    try {
      await b.client.upload(g.model);
      await b.client.setInput(0, g.samples[5]);
      runs.push((await b.client.invoke(2, 5)).layerTicks);
    } finally {
      await b.transport.close();
    }
  }
  assert.deepEqual(runs[0], runs[1]);
});

test(
  'a model larger than model RAM: refused before upload, board still usable',
  { skip: noShared },
  async () => {
    const b = await start(['--model-ram', '30000']);
    try {
      const big = readFileSync(path.join(shared, 'models', 'ic_resnet8_int8.tflite'));
      await assert.rejects(
        b.client.upload(big),
        (e) =>
          e instanceof ClientError &&
          e.code === 'model-too-large' &&
          e.message.includes(`${big.length} bytes`) &&
          e.message.includes('30000 bytes'),
      );
      assert.equal(b.client.stats().requests, 1); // HELLO only
      const small = golden('hello_world_int8');
      await b.client.upload(small.model);
      assertGolden(
        small,
        (await b.client.evaluate(small.samples)).map((r) => r.output),
        'hello_world_int8',
      );
    } finally {
      await b.transport.close();
    }
  },
);

test('hybrid model: the engine refuses it by name', { skip: noShared }, async () => {
  const b = await start();
  try {
    await assert.rejects(
      b.client.upload(readFileSync(path.join(shared, 'models', 'kws_ref_model_float32.tflite'))),
      (e) => e instanceof DeviceError && e.command === 'UPLOAD_END' && e.code === 'hybrid',
    );
  } finally {
    await b.transport.close();
  }
});

/** Starts the virtual board on a new pseudo-terminal; resolves with its path. */
async function startPty(): Promise<{ child: ChildProcess; pty: string }> {
  const child = spawn(board, ['--ticks', 'counter', '--pty'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const pty = await new Promise<string>((resolve, reject) => {
    let err = '';
    child.stderr?.on('data', (b: Buffer) => {
      err += b.toString();
      const m = /serial on (\/dev\/\S+)/.exec(err);
      if (m) resolve(m[1]);
    });
    child.once('exit', () => reject(new Error(`virtual board exited: ${err}`)));
  });
  return { child, pty };
}

test('over a pseudo-terminal opened with serialport', { skip: noShared }, async () => {
  const { child, pty } = await startPty();
  try {
    const transport = await openSerialTransport({ path: pty, baudRate: 115200 });
    try {
      const c = new DeviceClient(transport);
      const h = await c.hello();
      assert.equal(h.board, 'host');
      const g = golden('micro_speech_quantized');
      await c.upload(g.model);
      assertGolden(
        g,
        (await c.evaluate(g.samples)).map((r) => r.output),
        'micro_speech_quantized',
      );
    } finally {
      await transport.close();
    }
  } finally {
    child.kill();
  }
});

test(
  'a new session on a pty never sees the answers a previous client left unread',
  { skip: noBoard },
  async () => {
    const { child, pty } = await startPty();
    try {
      // Client 1 asks HELLO (seq 0) and PING 'stale' (seq 1) and goes away without reading.
      const first = await openSerialTransport({ path: pty });
      await first.write(encodeFrame({ type: 0x01, seq: 0, payload: new Uint8Array(0) }));
      await first.write(
        encodeFrame({ type: 0x0b, seq: 1, payload: new TextEncoder().encode('stale') }),
      );
      await first.close();
      // The answers land in the pty while nobody has it open.
      await new Promise((r) => setTimeout(r, 300));
      // Client 2 uses the same seqs: its PING must be answered with its own bytes.
      const second = await openSerialTransport({ path: pty });
      try {
        const c = new DeviceClient(second);
        await c.hello();
        const p = await c.ping(new TextEncoder().encode('fresh'));
        assert.equal(new TextDecoder().decode(p.echo), 'fresh');
        assert.equal(c.stats().staleResponses, 0);
      } finally {
        await second.close();
      }
    } finally {
      child.kill();
    }
  },
);

test(
  'through the fault proxy: garbage, bit flips, drops, duplicates; outputs still exact',
  { skip: noShared },
  async () => {
    const g = golden('kws_ref_model');
    const ct = await spawnTransport(board, ['--ticks', 'counter']);
    const rates = { garbage: 0.05, bitFlip: 0.03, drop: 0.03, duplicate: 0.03 };
    const proxy = new FaultProxy(ct.transport, { seed: 7, toDevice: rates, fromDevice: rates });
    // A pipe, not a UART: fast line, short timeouts, so each loss costs little.
    const c = new DeviceClient(proxy, { bytesPerSecond: 10e6, timeoutScale: 0.1, retries: 6 });
    try {
      await c.hello();
      await c.upload(g.model, { macs: 3_000_000 });
      assertGolden(
        g,
        (await c.evaluate(g.samples)).map((r) => r.output),
        'kws_ref_model',
      );
      const f = proxy.injected;
      assert.ok(
        f.toDevice.drops + f.toDevice.bitFlips > 0 &&
          f.fromDevice.drops + f.fromDevice.bitFlips > 0,
        JSON.stringify(f),
      );
      const st = c.stats();
      assert.ok(st.retransmits + st.fastRetransmits > 0, JSON.stringify(st));
    } finally {
      await proxy.close();
    }
  },
);

test('a hung board (process stopped): DeviceTimeoutError, no hang', { skip: noBoard }, async () => {
  const b = await start();
  const c = new DeviceClient(b.transport, { timeoutScale: 0.05, retries: 2 });
  try {
    await c.hello();
    b.child.kill('SIGSTOP');
    const t0 = performance.now();
    await assert.rejects(c.ping(), (e) => e instanceof DeviceTimeoutError && e.attempts === 3);
    assert.ok(performance.now() - t0 < 2000);
  } finally {
    b.child.kill('SIGCONT');
    await b.transport.close();
  }
});
