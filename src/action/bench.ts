// Where the action's measurements run: the runner agent's API (agent-url), or, with no
// agent, an agent inside this process over the default inventory's emulated boards. The
// in-process agent lives for the whole step, so base and head (and every model) share one
// QEMU boot per board instead of one per measurement.
import { boardFactory } from '../../runner-agent/boards/factory.ts';
import { DEFAULT_INVENTORY } from '../../runner-agent/boards/inventory.ts';
import { Agent, type JobEvent } from '../../runner-agent/jobs/manager.ts';
import type { BenchFn } from '../pipeline/index.ts';
import { httpBench } from './agent-client.ts';
import type { AgentTarget } from './inputs.ts';
import { evaluationSteps } from './progress.ts';

export interface Bench {
  bench: BenchFn;
  /** Stops what the bench started (the in-process agent's boards); idempotent. */
  close(): Promise<void>;
}

export function openBench(target: AgentTarget, log: (line: string) => void): Bench {
  if (target.kind === 'http') {
    return { bench: httpBench({ url: target.url, token: target.token }), close: async () => {} };
  }
  if (target.kind === 'socket') {
    const bench = httpBench({ socketPath: target.path, token: target.token });
    return { bench, close: async () => {} };
  }
  const agent = new Agent({
    inventory: DEFAULT_INVENTORY,
    stateFile: null,
    createBoard: boardFactory({ log }),
    log,
  });
  let closed = false;
  const bench: BenchFn = (req, progress) => {
    const step = evaluationSteps();
    const onEvent = (e: JobEvent): void => {
      if (e.event !== 'evaluating' || step(e.done, e.total)) progress?.(eventLine(e));
    };
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
      { owner: 'tinyml-gate action', onEvent },
    );
  };
  return {
    bench,
    close: async () => {
      if (closed) return;
      closed = true;
      await agent.close();
    },
  };
}

function eventLine(e: JobEvent): string {
  switch (e.event) {
    case 'queued':
      return `queued (${e.ahead} ahead)`;
    case 'leased':
      return `leased board ${e.boardId}`;
    case 'uploading':
      return `uploading ${e.percent}%`;
    case 'invoking':
      return `invoking (${e.warmup} warm-up, ${e.repeats} timed)`;
    case 'evaluating':
      return `evaluating ${e.done}/${e.total}`;
    case 'result':
      return 'result';
    case 'error':
      return `error ${e.code}: ${e.message}`;
  }
}
