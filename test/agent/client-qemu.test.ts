// The device client against the board firmware (tg_agent.elf) on QEMU mps2-an386 with
// -icount, over the UART's pseudo-terminal opened with serialport: boot handshake, golden
// outputs of a shared model streamed through evaluate(), identical ticks over repeats,
// and the same with the fault proxy between the client and the pty. One QEMU boot per test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BOOT_HELLO,
  DeviceClient,
  type DeviceClientOptions,
} from '../../runner-agent/device/client.ts';
import { launchQemu, qemuArgs } from '../../runner-agent/boards/qemu.ts';
import { FaultProxy } from '../../runner-agent/transport/fault-proxy.ts';
import { openSerialTransport } from '../../runner-agent/transport/serialport.ts';
import type { Transport } from '../../runner-agent/transport/transport.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const shared = path.resolve(repoRoot, '..', 'shared');
const elf = path.join(repoRoot, 'firmware', 'build', 'mps2-an386-hard-ref', 'tg_agent.elf');
const hasQemu = spawnSync('qemu-system-arm', ['--version']).status === 0;
const skip = !hasQemu
  ? 'qemu-system-arm not installed (Debian package qemu-system-arm)'
  : !existsSync(elf)
    ? 'tg_agent.elf not built: run `make -C firmware agent BOARD=mps2-an386 FLOAT=hard KERNELS=ref`'
    : !existsSync(shared)
      ? 'shared/ not found beside the checkout'
      : false;

/** The agent image on QEMU as the runner agent starts it (qemuArgs, launchQemu), its UART
 * pty opened with serialport. */
async function boot(): Promise<{ qemu: ChildProcess; line: Transport }> {
  const { child, pty } = await launchQemu(
    'qemu-system-arm',
    qemuArgs('mps2-an386', elf),
    30_000,
    'test QEMU',
  );
  return { qemu: child, line: await openSerialTransport({ path: pty }) };
}

function golden(name: string, n: number) {
  const model = readFileSync(path.join(shared, 'models', `${name}.tflite`));
  const inputs = readFileSync(path.join(shared, 'golden', name, 'inputs.bin'));
  const outputs = readFileSync(path.join(shared, 'golden', name, 'outputs.bin'));
  return { model, inputs, outputs, n };
}

async function session(line: Transport, options: DeviceClientOptions): Promise<DeviceClient> {
  const c = new DeviceClient(line, options);
  const h = await c.hello(BOOT_HELLO);
  assert.equal(h.board, 'mps2-an386');
  assert.equal(h.emulated, true);
  const g = golden('kws_ref_model', 12);
  const info = await c.upload(g.model, { macs: 2_700_000 });
  const ib = info.inputs[0].bytes;
  const ob = info.outputs[0].bytes;
  const samples = Array.from({ length: g.n }, (_, i) => g.inputs.subarray(i * ib, (i + 1) * ib));
  const out = await c.evaluate(samples);
  out.forEach((r, i) =>
    assert.deepEqual(
      Buffer.from(r.output),
      g.outputs.subarray(i * ob, (i + 1) * ob),
      `sample ${i}`,
    ),
  );
  await c.setInput(0, samples[4]);
  const inv = await c.invoke(1, 3);
  assert.deepEqual(inv.layerTicks[0], inv.layerTicks[1]);
  assert.deepEqual(inv.layerTicks[0], inv.layerTicks[2]);
  assert.deepEqual(Buffer.from(await c.getOutput(0)), g.outputs.subarray(4 * ob, 5 * ob));
  return c;
}

test(
  'QEMU mps2-an386: boot HELLO, golden outputs by streamed evaluation, identical ticks',
  { skip },
  async () => {
    const { qemu, line } = await boot();
    try {
      const c = await session(line, {});
      assert.equal(c.stats().lineErrors, 0);
    } finally {
      await line.close();
      qemu.kill();
    }
  },
);

test('QEMU mps2-an386 through the fault proxy: results still exact', { skip }, async () => {
  const { qemu, line } = await boot();
  const rates = { garbage: 0.03, bitFlip: 0.02, drop: 0.02, duplicate: 0.02 };
  const proxy = new FaultProxy(line, { seed: 11, toDevice: rates, fromDevice: rates });
  try {
    // A loss with nothing behind it waits for its timeout: shorter ones keep the test quick
    // (QEMU answers in milliseconds; its pty carries about 20 kB/s).
    const c = await session(proxy, { retries: 6, timeoutScale: 0.3, bytesPerSecond: 20_000 });
    const f = proxy.injected;
    assert.ok(f.toDevice.garbage + f.toDevice.bitFlips + f.toDevice.drops > 0, JSON.stringify(f));
    const st = c.stats();
    assert.ok(st.retransmits + st.fastRetransmits > 0, JSON.stringify(st));
  } finally {
    await proxy.close();
    qemu.kill();
  }
});
