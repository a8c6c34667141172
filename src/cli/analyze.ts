// `tinyml-gate analyze MODEL [--json | --arena]`: host analysis of one .tflite file, as a table
// for people or as the ModelAnalysis document (validated against its schema) for tools.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { analyzeModel, type LayerAnalysis, type ModelAnalysis } from '../model/analysis.ts';
import { planModelArena, type ArenaPlan } from '../model/arena-plan.ts';
import { readModel } from '../model/reader.ts';
import type { Model } from '../model/types.ts';
import { validate } from '../schema/validate.ts';
import { UsageError, parseArgs } from './args.ts';
import type { CliIo } from './main.ts';

export const ANALYZE_USAGE = [
  'usage: tinyml-gate analyze MODEL [--json | --arena] [--name NAME] [--engine-bytes N]',
  '',
  'Per-layer MACs, parameters, weight and activation bytes of subgraph 0 of a .tflite',
  'model, its activation arena (greedy-by-size plan) and flash footprint.',
  'Every figure is defined in docs/metrics.md.',
  '',
  'options:',
  '  --json            print the ModelAnalysis JSON document instead of a table',
  '  --arena           also print the arena plan: offset, size and lifetime per tensor',
  '  --name NAME       model name in the output (default: file name without .tflite)',
  '  --engine-bytes N  flash taken by the inference engine, added to the flash total',
  '  -h, --help        show this help',
  '',
].join('\n');

export async function runAnalyze(argv: readonly string[], io: CliIo): Promise<number> {
  const { positionals, flags } = parseArgs(argv, {
    help: 'boolean',
    json: 'boolean',
    arena: 'boolean',
    name: 'string',
    'engine-bytes': 'string',
  });
  if (flags.has('help')) {
    io.stdout.write(ANALYZE_USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    throw new UsageError(positionals.length === 0 ? 'MODEL is missing' : 'one MODEL at a time');
  }
  if (flags.has('json') && flags.has('arena')) {
    throw new UsageError('--arena adds to the table; it does not combine with --json');
  }
  const file = positionals[0];
  const engineFlag = flags.get('engine-bytes');
  let engineBytes: number | undefined;
  if (typeof engineFlag === 'string') {
    engineBytes = Number(engineFlag);
    if (!/^\d+$/.test(engineFlag) || !Number.isSafeInteger(engineBytes)) {
      throw new UsageError(`--engine-bytes must be a whole number of bytes, not "${engineFlag}"`);
    }
  }
  const nameFlag = flags.get('name');
  const name = typeof nameFlag === 'string' ? nameFlag : path.basename(file, '.tflite');

  const bytes = await readModelFile(file);
  const model = readModel(bytes, file);
  const analysis = analyzeModel(model, bytes, name, { engineBytes });
  if (flags.has('json')) {
    // The document leaves through the same gate as every other: the schema.
    validate('modelAnalysis', analysis, `analysis of ${file}`);
    io.stdout.write(`${JSON.stringify(analysis, null, 2)}\n`);
  } else {
    io.stdout.write(renderAnalysis(analysis));
    if (flags.has('arena')) io.stdout.write(renderPlan(planModelArena(model), model));
  }
  return 0;
}

/** The model file cannot be read; the message names the file. */
export class ModelFileError extends Error {
  readonly code: 'no-such-file' | 'is-directory' | 'permission-denied';
  constructor(code: ModelFileError['code'], message: string) {
    super(message);
    this.name = 'ModelFileError';
    this.code = code;
  }
}

/** Reads the file, turning the usual file-system failures into one plain sentence. */
async function readModelFile(file: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(file));
  } catch (e) {
    const code = typeof e === 'object' && e !== null && 'code' in e ? e.code : undefined;
    if (code === 'ENOENT') throw new ModelFileError('no-such-file', `${file}: no such file`);
    if (code === 'EISDIR') {
      throw new ModelFileError('is-directory', `${file}: is a directory, not a .tflite file`);
    }
    if (code === 'EACCES')
      throw new ModelFileError('permission-denied', `${file}: permission denied`);
    throw e;
  }
}

const n = (v: number): string => v.toLocaleString('en-US');
const shape = (s: readonly number[]): string => `[${s.join(',')}]`;

/** The analysis as plain padded columns: numbers right-aligned, text left-aligned. */
export function renderAnalysis(a: ModelAnalysis): string {
  const lines: string[] = [];
  lines.push(`model      ${a.name}  ${n(a.bytes)} bytes  sha256 ${a.sha256}`);
  const analysed = a.subgraphs > 1 ? ` (${a.subgraphs} subgraphs, only subgraph 0 analysed)` : '';
  lines.push(
    `operators  ${a.ops.map((o) => (o.count > 1 ? `${o.op} x${o.count}` : o.op)).join(', ')}${analysed}`,
  );
  for (const [label, list] of [
    ['input', a.inputs],
    ['output', a.outputs],
  ] as const) {
    for (const t of list) {
      lines.push(
        `${label.padEnd(10)} ${t.name} ${shape(t.shape)} ${t.dtype}${quant(t.quantization)}`,
      );
    }
  }
  lines.push('');
  const header = ['#', 'op', 'output shape', 'dtype', 'MACs', 'params', 'weight B', 'act B'];
  const rows = a.layers.map((l) => layerRow(l));
  const t = a.totals;
  rows.push(['', 'total', '', '', n(t.macs), n(t.params), n(t.weightBytes), n(t.activationBytes)]);
  lines.push(...table(header, rows, [true, false, false, false, true, true, true, true]));
  lines.push('');
  lines.push(
    `arena      ${n(a.arena.bytes)} bytes (${a.arena.algorithm}, ${a.arena.tensors} tensors; ` +
      `${n(t.activationBytes)} bytes without reuse)`,
  );
  const f = a.flash;
  lines.push(
    f.engineBytes === null || f.totalBytes === null
      ? `flash      ${n(f.modelBytes)} bytes model (engine size unknown)`
      : `flash      ${n(f.totalBytes)} bytes = ${n(f.modelBytes)} model + ${n(f.engineBytes)} engine`,
  );
  lines.push('');
  return lines.join('\n');
}

/** One row per arena tensor, by offset: what the C engine's planner must reproduce. */
export function renderPlan(plan: ArenaPlan, model: Model): string {
  const tensors = model.subgraphs[0].tensors;
  const rows = [...plan.allocations]
    .sort((a, b) => a.offset - b.offset || a.tensor - b.tensor)
    .map((a) => [
      String(a.tensor),
      String(a.offset),
      String(a.size),
      String(a.offset + a.size),
      `${a.first}-${a.last}`,
      tensors[a.tensor].name,
    ]);
  const header = ['tensor', 'offset', 'size', 'end', 'ops', 'name'];
  return [
    '',
    `arena plan (${plan.algorithm}, ${plan.alignment}-byte aligned offsets, ${plan.bytes} bytes)`,
    ...table(header, rows, [true, true, true, true, true, false]),
    '',
  ].join('\n');
}

function quant(q: ModelAnalysis['inputs'][number]['quantization']): string {
  if (q === undefined) return '';
  if (q.scale.length === 1) return ` scale ${q.scale[0]} zero point ${q.zeroPoint[0]}`;
  return ` per-channel (${q.scale.length} scales, axis ${q.axis})`;
}

function layerRow(l: LayerAnalysis): string[] {
  return [
    String(l.index),
    l.op,
    l.outputs.map((o) => shape(o.shape)).join(' '),
    [...new Set(l.outputs.map((o) => o.dtype))].join(','),
    n(l.macs),
    n(l.params),
    n(l.weightBytes),
    n(l.activationBytes),
  ];
}

function table(header: string[], rows: string[][], right: boolean[]): string[] {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const fmt = (r: string[]): string =>
    r
      .map((cell, c) => (right[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
      .join('  ')
      .trimEnd();
  return [fmt(header), fmt(widths.map((w) => '-'.repeat(w))), ...rows.map(fmt)];
}
