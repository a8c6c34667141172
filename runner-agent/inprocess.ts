// The agent's operations without a daemon: `tinyml-gate run` and `tinyml-agent bench`
// benchmark a model on an emulated board (or one of the inventory's) in this process,
// with the same queue, leases (in memory), bench and result document as the API.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { BoardsFile } from '../src/schema/boards-types.ts';
import type { ResultDocument } from '../src/schema/result-types.ts';
import { boardFactory, type BoardFactoryOptions } from './boards/factory.ts';
import { DEFAULT_INVENTORY, loadInventory } from './boards/inventory.ts';
import { Agent, type JobEvent } from './jobs/manager.ts';

export interface InProcessOptions extends BoardFactoryOptions {
  /** Board id or label. Default 'qemu-m4'. */
  board?: string;
  /** .tflite path or its bytes. */
  model: string | Uint8Array;
  /** Name in the result; default the file name. */
  modelName?: string;
  /** Inventory file or document; default the four QEMU boards. */
  inventory?: string | BoardsFile;
  dataset?: string;
  limit?: number;
  /** Default 5. */
  repeats?: number;
  /** Default 1. */
  warmup?: number;
  commit?: { sha: string; ref?: string };
  signal?: AbortSignal;
  onEvent?: (e: JobEvent) => void;
}

export async function runBenchInProcess(opts: InProcessOptions): Promise<ResultDocument> {
  const inventory =
    typeof opts.inventory === 'string'
      ? loadInventory(opts.inventory)
      : (opts.inventory ?? DEFAULT_INVENTORY);
  const bytes = typeof opts.model === 'string' ? await readFile(opts.model) : opts.model;
  const agent = new Agent({
    inventory,
    stateFile: null,
    createBoard: boardFactory(opts),
    timeoutScale: opts.timeoutScale,
    log: opts.log,
  });
  try {
    return await agent.runJob(
      {
        board: opts.board ?? 'qemu-m4',
        model: bytes,
        modelName:
          opts.modelName ??
          (typeof opts.model === 'string' ? basename(opts.model) : 'model.tflite'),
        repeats: opts.repeats ?? 5,
        warmup: opts.warmup ?? 1,
        ...(opts.dataset !== undefined ? { dataset: opts.dataset } : {}),
        ...(opts.limit !== undefined ? { limit: opts.limit } : {}),
        ...(opts.commit !== undefined ? { commit: opts.commit } : {}),
      },
      { owner: 'in-process', signal: opts.signal, onEvent: opts.onEvent },
    );
  } finally {
    await agent.close();
  }
}
