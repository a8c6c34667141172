// The public API of src/history (docs/github.md, "History branch").
export { HistoryStore, DEFAULT_BRANCH } from './store.ts';
export type { AppendResult, HistoryOptions, StoredResult } from './store.ts';
export { ancestorsOf, pipelineHistory } from './ancestors.ts';
export type { AncestorOptions, PipelineHistory } from './ancestors.ts';
export {
  INDEX_PATH,
  RESULTS_DIR,
  indexEntry,
  parseIndex,
  resultPath,
  resultPathOf,
} from './layout.ts';
export type { IndexDocument, IndexEntry } from './layout.ts';
export { HistoryError } from './errors.ts';
export type { HistoryErrorCode } from './errors.ts';
export { DASHBOARD_PATH, dashboardHtml } from './dashboard.ts';
