// A BenchFn backed by the runner agent in this process (no daemon): one Agent for the
// whole run, so a board started for the head stays up for the base. With no inventory it
// uses the agent's default one, the four QEMU boards, so `tinyml-gate run` works on a
// machine with no board attached.
import { boardFactory } from '../../runner-agent/boards/factory.ts';
import { loadInventory } from '../../runner-agent/boards/inventory.ts';
import { Agent, type JobEvent } from '../../runner-agent/jobs/manager.ts';
import type { BenchFn } from './measure.ts';

export interface InProcessBenchOptions {
  /** boards.yml of the agent; default the agent's QEMU inventory. */
  inventory?: string;
  /** Kernel set of the QEMU firmware images; default the agent's ('ref'). */
  kernels?: 'ref' | 'opt';
  /** Scales every step's timeout (slow or loaded hosts); default 1. */
  timeoutScale?: number;
  /** The agent's own log lines (board starts, resets). */
  log?: (line: string) => void;
}

export interface InProcessBench {
  bench: BenchFn;
  /** Stops every board the agent started (QEMU processes). Call it once, at the end. */
  close(): Promise<void>;
}

export function inProcessBench(opts: InProcessBenchOptions = {}): InProcessBench {
  const agent = new Agent({
    inventory: loadInventory(opts.inventory),
    stateFile: null,
    createBoard: boardFactory({
      ...(opts.kernels !== undefined ? { image: { kernels: opts.kernels } } : {}),
      ...(opts.timeoutScale !== undefined ? { timeoutScale: opts.timeoutScale } : {}),
      ...(opts.log !== undefined ? { log: opts.log } : {}),
    }),
    ...(opts.timeoutScale !== undefined ? { timeoutScale: opts.timeoutScale } : {}),
    ...(opts.log !== undefined ? { log: opts.log } : {}),
  });
  const bench: BenchFn = (req, progress) => {
    const say = progressLines(progress);
    return agent.runJob(
      {
        board: req.board,
        model: req.model,
        modelName: req.modelName,
        repeats: req.repeats,
        warmup: req.warmup,
        ...(req.dataset !== undefined ? { dataset: req.dataset } : {}),
        commit: req.commit,
      },
      { owner: 'tinyml-gate run', onEvent: say },
    );
  };
  return { bench, close: () => agent.close() };
}

/** Job events as a few readable lines: every 25% of an upload or an evaluation, not every sample. */
function progressLines(progress?: (line: string) => void): (e: JobEvent) => void {
  let lastEval = -1;
  return (e) => {
    if (progress === undefined) return;
    switch (e.event) {
      case 'queued':
        if (e.ahead > 0) progress(`queued behind ${e.ahead} job(s)`);
        break;
      case 'leased':
        progress(`board ${e.boardId} leased`);
        break;
      case 'uploading':
        if (e.percent === 0 || e.percent === 100) progress(`upload ${e.percent}%`);
        break;
      case 'invoking':
        progress(`invoking: ${e.warmup} warm-up and ${e.repeats} timed inference(s)`);
        break;
      case 'evaluating': {
        const quarter = e.total === 0 ? 4 : Math.floor((4 * e.done) / e.total);
        if (quarter !== lastEval) {
          lastEval = quarter;
          progress(`on-device evaluation ${e.done}/${e.total}`);
        }
        break;
      }
      default:
        break;
    }
  };
}
