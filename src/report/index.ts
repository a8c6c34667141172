// The public API of src/report (docs/report.md).
export { render, ReportError, DEFAULT_MAX_CHARS } from './render.ts';
export type { RenderOptions } from './render.ts';
export { escapeText } from './escape.ts';
export { explainPathChange } from './kernel-paths.ts';
