// Link benchmark of the serial protocol, through the agent's own board classes:
// 1. Through the pty of QEMU mps2-an386 (no pacing; QEMU's UART ignores the baud rate):
//    model upload speed and on-device evaluation samples/s for the LeNet example and
//    MLPerf Tiny ResNet-8 (shared/models, skipped when absent).
// 2. Link efficiency at a configured baud rate, simulated by the transport's pacing
//    (PacedTransport, 10 bits per byte, both directions): model payload bytes per second of
//    the whole upload (UPLOAD_BEGIN to the loaded model) over the line's capacity, and the
//    same for the input bytes of a streamed evaluation, at 115200 and 921600 baud, on the
//    host virtual board (the firmware's protocol code built for the host). QEMU's pty
//    cannot keep up (10-24 kB/s depending on the machine's load, docs/protocol.md section
//    9, against 11.5 kB/s at 115200 and 92 kB/s at 921600), so pacing it would measure
//    QEMU, not the protocol; the rate QEMU's pty reached is printed beside the capacities,
//    and QEMU paced at 115200 is shown for information, not held to the target.
// Target: upload >= 80% of capacity at both rates. Run: npx tsx bench/link.ts
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EmulatedBoard } from '../src/schema/boards-types.ts';
import type { LinkBoard } from '../runner-agent/boards/link-board.ts';
import { QemuBoard } from '../runner-agent/boards/qemu.ts';
import { VIRTUAL_BOARD, VirtualBoard } from '../runner-agent/boards/virtual.ts';
import { PacedTransport, uartBytesPerSecond } from '../runner-agent/transport/paced.ts';
import type { Transport } from '../runner-agent/transport/transport.ts';
import { formatTable, writeResults } from './lib.ts';

const TARGET = 0.8;
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const models = [
  {
    name: 'LeNet (lenet_int8)',
    file: path.join(repoRoot, 'examples', 'lenet-mnist', 'lenet_int8.tflite'),
    qemuSamples: 40,
  },
  {
    name: 'ResNet-8 (ic_resnet8_int8)',
    file: path.resolve(repoRoot, '..', 'shared', 'models', 'ic_resnet8_int8.tflite'),
    qemuSamples: 4,
  },
].filter((m) => {
  if (!existsSync(m.file)) console.log(`${m.file} not found: ${m.name} skipped`);
  return existsSync(m.file);
});

const spec: EmulatedBoard = {
  id: 'link',
  kind: 'emulated',
  machine: 'mps2-an386',
  core: 'cortex-m4',
  clockHz: 25_000_000,
  labels: [],
};

class PacedQemu extends QemuBoard {
  constructor(private readonly bps: number) {
    super(spec, { bytesPerSecond: bps });
  }
  protected override async open(o: Parameters<QemuBoard['start']>[0] = {}): Promise<Transport> {
    return new PacedTransport(await super.open(o), this.bps);
  }
}

class PacedVirtual extends VirtualBoard {
  constructor(private readonly bps: number) {
    super(spec, { bytesPerSecond: bps, args: ['--ticks', 'counter'] });
  }
  protected override async open(): Promise<Transport> {
    return new PacedTransport(await super.open(), this.bps);
  }
}

interface Row {
  board: string;
  baud: number | null;
  model: string;
  modelBytes: number;
  uploadSeconds: number;
  uploadBytesPerSecond: number;
  uploadEfficiency: number | null;
  samples: number;
  inputBytes: number;
  samplesPerSecond: number;
  evalInputBytesPerSecond: number;
  evalEfficiency: number | null;
}

async function measure(
  board: LinkBoard,
  label: string,
  baud: number | null,
  samplesOf: (m: (typeof models)[number]) => number,
): Promise<Row[]> {
  const rows: Row[] = [];
  await board.start();
  try {
    for (const m of models) {
      const bytes = new Uint8Array(readFileSync(m.file));
      const dev = board.device();
      const t0 = performance.now();
      const loaded = await dev.upload(bytes);
      const up = (performance.now() - t0) / 1000;
      const n = samplesOf(m);
      const input = loaded.inputs[0];
      // Distinct inputs per sample (a ramp): no cache anywhere can make them cheaper.
      const sample = (k: number) => {
        const s = new Uint8Array(input.bytes);
        for (let i = 0; i < s.length; i++) s[i] = (i + k * 7) & 0xff;
        return s;
      };
      const t1 = performance.now();
      const outs = await dev.evaluate(n, sample);
      const ev = (performance.now() - t1) / 1000;
      if (outs.length !== n) throw new Error(`${label} ${m.name}: ${outs.length} of ${n} results`);
      const cap = baud === null ? null : uartBytesPerSecond(baud);
      const upRate = bytes.length / up;
      const evRate = (n * input.bytes) / ev;
      rows.push({
        board: label,
        baud,
        model: m.name,
        modelBytes: bytes.length,
        uploadSeconds: +up.toFixed(3),
        uploadBytesPerSecond: Math.round(upRate),
        uploadEfficiency: cap === null ? null : +(upRate / cap).toFixed(3),
        samples: n,
        inputBytes: input.bytes,
        samplesPerSecond: +(n / ev).toFixed(2),
        evalInputBytesPerSecond: Math.round(evRate),
        evalEfficiency: cap === null ? null : +(evRate / cap).toFixed(3),
      });
    }
  } finally {
    await board.stop();
  }
  return rows;
}

async function main(): Promise<number> {
  const rows: Row[] = [];
  const notes: string[] = [];
  const haveQemu = spawnSync('qemu-system-arm', ['--version']).status === 0;
  if (haveQemu) {
    const pty = await measure(
      new QemuBoard(spec),
      'QEMU mps2-an386 pty',
      null,
      (m) => m.qemuSamples,
    );
    rows.push(...pty);
    const best = Math.max(...pty.map((r) => r.uploadBytesPerSecond));
    notes.push(
      `QEMU's pty moved ${Math.min(...pty.map((r) => r.uploadBytesPerSecond))}-${best} B/s unpaced (capacity at 115200 baud: ${uartBytesPerSecond(115200)} B/s, at 921600: ${uartBytesPerSecond(921600)} B/s)`,
    );
    // Shown, not held to the target: QEMU's own rate swings with the machine's load and
    // can fall below 115200 baud's capacity, which would measure QEMU, not the protocol.
    const q = await measure(
      new PacedQemu(uartBytesPerSecond(115200)),
      'QEMU mps2-an386 paced (info)',
      115200,
      () => 8,
    );
    rows.push(...q);
  } else {
    notes.push('qemu-system-arm not found: QEMU rows skipped');
  }
  if (existsSync(VIRTUAL_BOARD)) {
    for (const baud of [115200, 921600]) {
      // The virtual board computes in microseconds: evaluation is bound by the line.
      rows.push(
        ...(await measure(
          new PacedVirtual(uartBytesPerSecond(baud)),
          'virtual board paced',
          baud,
          () => 40,
        )),
      );
    }
  } else {
    notes.push(`${VIRTUAL_BOARD} missing (make -C firmware virtual-board): paced rows skipped`);
  }
  const pct = (x: number | null) => (x === null ? '-' : `${(100 * x).toFixed(1)}%`);
  console.log(
    formatTable(
      [
        'board',
        'baud',
        'model',
        'bytes',
        'upload s',
        'upload B/s',
        'upload eff',
        'samples/s',
        'eval in B/s',
        'eval eff',
      ],
      rows.map((r) => [
        r.board,
        r.baud === null ? 'pty' : String(r.baud),
        r.model,
        String(r.modelBytes),
        r.uploadSeconds.toFixed(2),
        String(r.uploadBytesPerSecond),
        pct(r.uploadEfficiency),
        r.samplesPerSecond.toFixed(2),
        String(r.evalInputBytesPerSecond),
        pct(r.evalEfficiency),
      ]),
      new Set([1, 3, 4, 5, 6, 7, 8, 9]),
    ),
  );
  const paced = rows.filter((r) => r.uploadEfficiency !== null && !r.board.includes('(info)'));
  const below = paced.filter((r) => (r.uploadEfficiency as number) < TARGET);
  for (const n of notes) console.log(n);
  console.log(
    below.length === 0
      ? `upload efficiency >= ${TARGET * 100}% of capacity in all ${paced.length} paced runs`
      : `BELOW TARGET: ${below.map((r) => `${r.board} ${r.baud} ${r.model} ${pct(r.uploadEfficiency)}`).join('; ')}`,
  );
  console.log(
    `wrote ${writeResults('link', { target: TARGET, rows, notes, pass: below.length === 0 })}`,
  );
  return below.length === 0 ? 0 : 1;
}

process.exitCode = await main();
