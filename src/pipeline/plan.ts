// Which models on which boards a run measures: the configuration's lists, narrowed by the
// caller's selection (the action's `models`/`boards` inputs, the CLI's --board). Boards
// are ids or labels of the agent's inventory; the agent resolves them, not this module.
import type { ModelEntry, ResolvedConfig } from '../schema/config-types.ts';
import { PipelineError } from './errors.ts';

export interface PlanSelection {
  /** Model names of the configuration to keep; default every model. */
  models?: readonly string[];
  /** Board ids or labels to measure on instead of the configuration's; default its boards. */
  boards?: readonly string[];
}

export interface Plan {
  models: ModelEntry[];
  boards: string[];
  /** Every model on every board, models outermost (the order of the report). */
  jobs: { model: ModelEntry; board: string }[];
}

const BOARD_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function plan(config: ResolvedConfig, sel: PlanSelection = {}): Plan {
  let models = config.models;
  if (sel.models !== undefined) {
    const known = new Set(config.models.map((m) => m.name));
    const unknown = sel.models.filter((n) => !known.has(n));
    if (unknown.length > 0) {
      throw new PipelineError(
        'bad-selection',
        `model ${unknown.map((n) => JSON.stringify(n)).join(', ')} is not in the configuration (it has ${[...known].join(', ')})`,
      );
    }
    const wanted = new Set(sel.models);
    models = config.models.filter((m) => wanted.has(m.name));
  }
  const boards = [...new Set(sel.boards ?? config.boards)];
  for (const b of boards) {
    // The same rule as an inventory id or label: the name reaches file names and comments.
    if (!BOARD_NAME.test(b)) {
      throw new PipelineError(
        'bad-selection',
        `board ${JSON.stringify(b)} is not a board id or label (letters, digits, . _ -)`,
      );
    }
  }
  if (models.length === 0) throw new PipelineError('bad-selection', 'no model selected');
  if (boards.length === 0) throw new PipelineError('bad-selection', 'no board selected');
  const jobs = models.flatMap((model) => boards.map((board) => ({ model, board })));
  return { models, boards, jobs };
}
