// What every board shares once its byte stream is open: the protocol client
// (runner-agent/device/client.ts) over the transport, the boot handshake (HELLO every
// 500 ms for up to 10 s, docs/protocol.md section 5), and the adapter from the client's
// messages to the agent's Device. Subclasses open and close the stream (QEMU's pty, a
// USB serial port, the virtual board's stdio) and say how to reset and re-image.
import type { BoardSpec } from '../../src/schema/boards-types.ts';
import type { KernelPath } from '../../src/schema/result-types.ts';
import { DeviceClient } from '../device/client.ts';
import type { Hello, TensorInfo } from '../protocol/messages.ts';
import type { Transport } from '../transport/transport.ts';
import { AgentError, messageOf } from '../jobs/errors.ts';
import type { Board, BoardState, Device, DeviceFacts, StepOptions, TensorDesc } from './board.ts';

const KERNEL_PATHS: readonly KernelPath[] = ['ref', 'opt', 'opt-fallback'];
const TENSOR_TYPES: Record<number, string> = {
  0: 'float32',
  2: 'int32',
  3: 'uint8',
  7: 'int16',
  9: 'int8',
};

export interface LinkBoardOptions {
  /** Multiplies the protocol's timeouts. Default 1. */
  timeoutScale?: number;
  /** Line rate for the transfer part of the timeouts, bytes per second. */
  bytesPerSecond?: number;
  log?: (line: string) => void;
}

export function toFacts(h: Hello, boardId: string): DeviceFacts {
  if (h.kernelSet !== 'ref' && h.kernelSet !== 'opt') {
    throw new AgentError(
      'board-failed',
      `board ${boardId}: HELLO kernel set "${h.kernelSet}" is neither ref nor opt`,
    );
  }
  if (!/^[0-9a-f]{64}$/.test(h.buildHash)) {
    throw new AgentError('board-failed', `board ${boardId}: HELLO build hash is not 64 hex digits`);
  }
  return {
    protocolVersion: h.protocol,
    board: h.board,
    core: h.core,
    clockHz: h.clockHz,
    tickHz: h.tickHz,
    fpu: h.fpu,
    dsp: h.dsp,
    kernelSet: h.kernelSet,
    fastPath: h.fastPaths,
    modelRamBytes: h.modelRam,
    arenaBytes: h.arenaBytes,
    maxFrame: h.maxFrame,
    firmwareVersion: h.firmwareVersion,
    buildHash: h.buildHash,
    compiler: h.compiler,
  };
}

function toDesc(t: TensorInfo): TensorDesc {
  return {
    type: TENSOR_TYPES[t.type] ?? `type-${t.type}`,
    dims: t.dims,
    scale: t.scale,
    zeroPoint: t.zeroPoint,
    bytes: t.bytes,
  };
}

/** The agent's Device over the protocol client. Signals are honoured between requests. */
export function deviceOf(client: DeviceClient, boardId: string): Device {
  const live = (o?: StepOptions) => {
    if (o?.signal?.aborted) throw new AgentError('cancelled', `board ${boardId}: step cancelled`);
  };
  return {
    async hello(o) {
      live(o);
      return toFacts(await client.hello(), boardId);
    },
    async upload(model, o) {
      live(o);
      const info = await client.upload(model, {
        macs: o?.macs,
        onProgress: (sent, total) => o?.onProgress?.(sent / total),
      });
      return {
        layers: info.layers.map((l, i) => {
          const path = KERNEL_PATHS[l.kernelPath];
          if (!path) {
            throw new AgentError(
              'board-failed',
              `board ${boardId}: layer ${i} has kernel path ${l.kernelPath}`,
            );
          }
          return { op: l.op, kernelPath: path };
        }),
        arenaUsed: info.arenaUsed,
        inputs: info.inputs.map(toDesc),
        outputs: info.outputs.map(toDesc),
      };
    },
    async setInput(index, bytes, o) {
      live(o);
      await client.setInput(index, bytes);
    },
    async invoke(warmup, repeats, o) {
      live(o);
      const r = await client.invoke(warmup, repeats);
      return { repeats: r.layerTicks.map((layers, i) => ({ layers, total: r.totalTicks[i] })) };
    },
    async getOutput(index, _bytes, o) {
      live(o);
      return client.getOutput(index);
    },
    async evaluate(count, sample, o) {
      live(o);
      const samples: Uint8Array[] = [];
      for (let k = 0; k < count; k++) samples.push(sample(k));
      let done = 0;
      const results = await client.evaluate(samples, {
        onResult: () => o?.onResult?.(done++),
      });
      return results.map((r) => r.output);
    },
  };
}

export abstract class LinkBoard implements Board {
  protected client: DeviceClient | null = null;
  protected transport: Transport | null = null;
  protected facts: DeviceFacts | null = null;
  private dev: Device | null = null;
  private current: BoardState = 'stopped';
  protected readonly log: (line: string) => void;

  constructor(
    readonly spec: BoardSpec,
    protected readonly opts: LinkBoardOptions = {},
  ) {
    this.log = opts.log ?? (() => {});
  }

  get id(): string {
    return this.spec.id;
  }

  get state(): BoardState {
    return this.current;
  }

  /** Opens the byte stream (starting whatever process stands behind it). */
  protected abstract open(opts: StepOptions): Promise<Transport>;
  /** Closes the stream and ends any process behind it. */
  protected abstract close(): Promise<void>;
  /** The build hash the board should run, or null when any firmware will do. */
  protected abstract wantedHash(): Promise<string | null>;

  abstract imageFootprint(): { engineBytes: number; staticRamBytes: number } | null;

  async start(opts: StepOptions = {}): Promise<DeviceFacts> {
    const want = await this.wantedHash();
    if (
      this.current === 'ready' &&
      this.facts &&
      (want === null || this.facts.buildHash === want)
    ) {
      return this.facts;
    }
    return this.restart(opts);
  }

  async hello(opts: StepOptions = {}): Promise<DeviceFacts> {
    if (!this.client) throw new AgentError('board-failed', `board ${this.id}: not started`);
    if (opts.signal?.aborted)
      throw new AgentError('cancelled', `board ${this.id}: hello cancelled`);
    this.facts = toFacts(await this.client.hello(), this.id);
    return this.facts;
  }

  device(): Device {
    if (!this.dev) throw new AgentError('board-failed', `board ${this.id}: not started`);
    return this.dev;
  }

  async reset(opts: StepOptions = {}): Promise<DeviceFacts> {
    return this.restart(opts);
  }

  /** Closes everything, reopens, and waits for the firmware's HELLO. */
  protected async restart(opts: StepOptions): Promise<DeviceFacts> {
    await this.stop();
    this.current = 'starting';
    try {
      this.transport = await this.open(opts);
      this.transport.on('close', (e) => {
        if (this.current === 'ready') {
          this.log(`board ${this.id}: link closed${e ? `: ${e.message}` : ''}`);
          this.current = 'failed';
        }
      });
      return await this.handshake(opts);
    } catch (e) {
      this.current = 'failed';
      await this.stop().catch(() => {});
      this.current = 'failed';
      throw e instanceof AgentError
        ? e
        : new AgentError('board-failed', `board ${this.id}: start failed: ${messageOf(e)}`, {
            cause: e,
          });
    }
  }

  /** New client on the open transport, boot HELLO. */
  protected async handshake(opts: StepOptions): Promise<DeviceFacts> {
    if (!this.transport) throw new AgentError('board-failed', `board ${this.id}: no link`);
    this.client?.close();
    this.client = new DeviceClient(this.transport, {
      timeoutScale: this.opts.timeoutScale,
      bytesPerSecond: this.opts.bytesPerSecond,
      onLog: (l) => this.log(`board ${this.id} log[${l.level}]: ${l.text}`),
    });
    if (opts.signal?.aborted)
      throw new AgentError('cancelled', `board ${this.id}: start cancelled`);
    const h = await this.client.hello({
      timeoutMs: 500 * (this.opts.timeoutScale ?? 1),
      attempts: 20,
    });
    this.facts = toFacts(h, this.id);
    this.dev = deviceOf(this.client, this.id);
    this.current = 'ready';
    return this.facts;
  }

  async stop(): Promise<void> {
    this.current = 'stopped';
    this.dev = null;
    this.client?.close();
    this.client = null;
    const t = this.transport;
    this.transport = null;
    try {
      await t?.close();
    } finally {
      await this.close();
    }
  }
}
