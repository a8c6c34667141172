// The history branch as the action uses it: the pipeline reads baselines from it, and a
// push to the default branch appends its head results. The remote is the checkout's
// `origin` (actions/checkout points it at the repository; the tests at a bare one), the
// branch the configuration's history.branch, the token github-token.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { GateContext } from '../github/index.ts';
import { HistoryStore, pipelineHistory } from '../history/index.ts';
import type { HistoryStore as PipelineHistoryStore, PipelineResult } from '../pipeline/index.ts';
import { loadConfigFile } from '../schema/load.ts';

const execFileP = promisify(execFile);

export interface ActionHistory {
  store: PipelineHistoryStore;
  /** Appends the head results of a run in one commit; returns a line for the log. */
  record(run: PipelineResult, ctx: GateContext): Promise<string>;
  close(): Promise<void>;
}

export interface HistoryDeps {
  repoDir: string;
  configPath: string;
  token: string;
  log: (line: string) => void;
}

/** The history of the checkout's origin, or null (no origin: baselines are re-measured). */
export async function openHistory(deps: HistoryDeps): Promise<ActionHistory | null> {
  let remote: string;
  try {
    const { stdout } = await execFileP('git', ['remote', 'get-url', 'origin'], {
      cwd: deps.repoDir,
    });
    remote = stdout.trim();
  } catch {
    deps.log('history: the checkout has no origin remote; no history baselines, nothing recorded');
    return null;
  }
  const branch = loadConfigFile(deps.configPath).history.branch;
  const store = await HistoryStore.open({
    remote,
    branch,
    ...(deps.token !== '' ? { token: deps.token } : {}),
  });
  return {
    store: pipelineHistory(store, deps.repoDir),
    record: async (run) => {
      const heads = run.results.filter((r) => r.role === 'head').map((r) => r.doc);
      const r = await store.append(heads);
      const tries = r.attempts === 1 ? '' : ` after ${r.attempts} attempts`;
      return `history: ${r.paths.length} result(s) recorded on ${branch} in ${r.commit.slice(0, 12)}${tries}`;
    },
    close: () => store.close(),
  };
}
