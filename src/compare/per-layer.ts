// Per-layer budgets (budgets.perLayer): for every layer matched between base and head,
// the first entry whose match and model apply limits that layer's regression.
import type { LayerMatch } from '../schema/config-types.ts';
import {
  finish,
  judge,
  pctMessage,
  type BudgetCheck,
  type BudgetInput,
  type Draft,
  type LayerRef,
} from './checks.ts';

export function perLayerChecks(input: BudgetInput): BudgetCheck[] {
  const entries = input.config.budgets?.perLayer ?? [];
  if (entries.length === 0) return [];
  const out: BudgetCheck[] = [];
  const unit = input.head.timeUnit;
  for (const l of input.layers) {
    if (l.pair.base === undefined || l.pair.head === undefined) continue;
    const layer = input.head.model.layers[l.pair.head];
    const ref: LayerRef = { index: layer.index, op: layer.op, name: layer.outputs[0]?.name ?? '' };
    const entry = entries.find(
      (e) => (e.model === undefined || e.model === input.model) && layerMatches(e.match, ref),
    );
    if (entry === undefined) continue;
    const metric = entry.metric ?? 'latency';
    const delta = metric === 'latency' ? l.ticks : l.energy;
    const d: Draft = {
      kind: 'perLayer',
      metric,
      row: metric === 'latency' ? 'latency' : 'energy',
      layer: ref,
      observed: null,
      limit: entry.maxRegressionPct,
      unit: '%',
      noise: 0,
    };
    const who = describeLayer(ref);
    if (delta === null || delta.base === null || delta.head === null || delta.base === 0) {
      out.push(
        finish(
          input,
          d,
          'unavailable',
          `${who}: ${metric} not measured on both commits, per-layer limit not checked`,
        ),
      );
      continue;
    }
    d.observed = ((delta.head - delta.base) / delta.base) * 100;
    d.noise = (delta.bound / delta.base) * 100;
    const what = metric === 'latency' ? unit : '';
    out.push(
      finish(
        input,
        d,
        judge(d.observed, d.limit, d.noise),
        pctMessage(who, d, 'per-layer limit', what),
      ),
    );
  }
  return out;
}

/** `conv2d_1 (CONV_2D, layer 3)`; a layer without an output name reads `CONV_2D (layer 3)`. */
export function describeLayer(l: LayerRef): string {
  const name = displayName(l.name);
  return name !== '' ? `${name} (${l.op}, layer ${l.index})` : `${l.op} (layer ${l.index})`;
}

/** Longest tensor name shown; converter names of fused layers run to hundreds of characters. */
export const MAX_NAME = 64;

/**
 * A tensor name as shown: the converter joins the names of fused ops with ';' and the first
 * one names the layer ('functional_1/activation/Relu;functional_1/batch_normalization/...');
 * past MAX_NAME characters the end is kept, which is the most specific part.
 */
export function displayName(name: string): string {
  const first = name.split(';')[0];
  return first.length <= MAX_NAME ? first : `…${first.slice(first.length - MAX_NAME + 1)}`;
}

export function layerMatches(match: LayerMatch, l: LayerRef): boolean {
  if ('op' in match) return match.op === l.op;
  if ('index' in match) return match.index === l.index;
  return globMatch(match.name, l.name);
}

/** `*` any run of characters (including '/'), `?` one character; everything else literal. */
export function globMatch(pattern: string, text: string): boolean {
  const re = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&')))
    .join('');
  return new RegExp(`^${re}$`, 's').test(text);
}
