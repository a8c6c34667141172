// Optional Mermaid chart: per-layer time of base and head as two bar series
// (xychart-beta draws them overlaid, base first). Axis labels are layer positions, never
// tensor names, so nothing from outside reaches the code block.
import type { EntryComparison } from '../compare/verdict.ts';

export function mermaidChart(e: EntryComparison): string {
  const unit = e.head?.timeUnit === 'instructions' ? 'instructions (emulated)' : 'cycles';
  // Added layers are labelled by their head position, removed ones by their base position.
  const labels = e.layers.map((l) =>
    l.pair.head !== undefined ? `"${l.pair.head}"` : `"base ${l.pair.base ?? ''}"`,
  );
  const series = (pick: (l: EntryComparison['layers'][number]) => number | null): string =>
    e.layers.map((l) => String(pick(l) ?? 0)).join(', ');
  return [
    '```mermaid',
    'xychart-beta',
    `  title "Per-layer time, base (first bar) vs head (second bar)"`,
    `  x-axis [${labels.join(', ')}]`,
    `  y-axis "${unit}"`,
    `  bar [${series((l) => l.ticks.base)}]`,
    `  bar [${series((l) => l.ticks.head)}]`,
    '```',
  ].join('\n');
}
