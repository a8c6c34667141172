// Rules JSON Schema cannot express: unique names, references from one field to
// another, ordered statistics. They run only on documents whose shape the schema has
// already accepted, so the casts below are safe.
import type { BoardsFile } from './boards-types.ts';
import type { Config } from './config-types.ts';
import type { SchemaProblem } from './errors.ts';
import type { ModelAnalysis, ResultDocument, TensorInfo, TickStats } from './result-types.ts';

type Name = 'result' | 'config' | 'boards' | 'modelAnalysis';

export function crossFieldProblems(schema: Name, doc: unknown): SchemaProblem[] {
  switch (schema) {
    case 'config':
      return configProblems(doc as Config);
    case 'boards':
      return boardsProblems(doc as BoardsFile);
    case 'result':
      return resultProblems(doc as ResultDocument);
    case 'modelAnalysis':
      return analysisProblems(doc as ModelAnalysis, '');
  }
}

/** A problem for each entry whose key repeats an earlier one. */
function duplicates(keys: readonly string[], pointer: (i: number) => string, what: string) {
  const first = new Map<string, number>();
  const out: SchemaProblem[] = [];
  keys.forEach((k, i) => {
    const j = first.get(k);
    if (j === undefined) first.set(k, i);
    else
      out.push({
        pointer: pointer(i),
        message: `duplicate ${what} "${k}" (also at ${pointer(j)})`,
      });
  });
  return out;
}

function configProblems(c: Config): SchemaProblem[] {
  const out = duplicates(
    c.models.map((m) => m.name),
    (i) => `/models/${i}/name`,
    'model name',
  );
  const names = new Set(c.models.map((m) => m.name));
  const unknown = (pointer: string, name: string | undefined): void => {
    if (name !== undefined && !names.has(name)) {
      out.push({
        pointer,
        message: `no model is named "${name}" (models: ${[...names].join(', ')})`,
      });
    }
  };
  for (const name of Object.keys(c.budgets?.absolute?.perModel ?? {})) {
    unknown(`/budgets/absolute/perModel/${escapePointer(name)}`, name);
  }
  c.budgets?.perLayer?.forEach((p, i) => unknown(`/budgets/perLayer/${i}/model`, p.model));
  c.waivers?.forEach((w, i) => unknown(`/waivers/${i}/model`, w.model));
  return out;
}

function boardsProblems(b: BoardsFile): SchemaProblem[] {
  const out = duplicates(
    b.boards.map((x) => x.id),
    (i) => `/boards/${i}/id`,
    'board id',
  );
  // Two boards on one serial port would read each other's frames.
  const ports: string[] = [];
  const at: string[] = [];
  b.boards.forEach((x, i) => {
    if (x.kind === 'real') {
      ports.push(x.serial.path);
      at.push(`/boards/${i}/serial/path`);
    }
    if (x.meter?.serial !== undefined) {
      ports.push(x.meter.serial.path);
      at.push(`/boards/${i}/meter/serial/path`);
    }
  });
  out.push(...duplicates(ports, (i) => at[i], 'serial port'));
  return out;
}

function statsProblems(s: TickStats, pointer: string): SchemaProblem[] {
  if (s.min <= s.median && s.median <= s.max) return [];
  return [
    { pointer, message: `must have min <= median <= max (got ${s.min}, ${s.median}, ${s.max})` },
  ];
}

function resultProblems(r: ResultDocument): SchemaProblem[] {
  const out = analysisProblems(r.model, '/model');
  out.push(...statsProblems(r.totals.ticks, '/totals/ticks'));
  const seen = new Map<number, number>();
  r.layers.forEach((l, i) => {
    const p = `/layers/${i}`;
    out.push(...statsProblems(l.ticks, `${p}/ticks`));
    const model = r.model.layers[l.index];
    if (model === undefined) {
      out.push({
        pointer: `${p}/index`,
        message: `no layer ${l.index} in the model (it has ${r.model.layers.length})`,
      });
    } else if (model.op !== l.op) {
      out.push({
        pointer: `${p}/op`,
        message: `must be "${model.op}", the op of model layer ${l.index}`,
      });
    } else if ((model.macs === 0) !== (l.ticksPerMac === null)) {
      out.push({
        pointer: `${p}/ticksPerMac`,
        message:
          model.macs === 0
            ? 'must be null: the layer has no MACs'
            : 'must be a number: the layer has MACs',
      });
    }
    const j = seen.get(l.index);
    if (j !== undefined)
      out.push({ pointer: `${p}/index`, message: `layer ${l.index} is also at /layers/${j}` });
    seen.set(l.index, i);
  });
  const f = r.footprint;
  if (f.flashBytes < f.modelBytes + f.engineBytes) {
    out.push({
      pointer: '/footprint/flashBytes',
      message: `must be at least modelBytes + engineBytes (${f.modelBytes + f.engineBytes})`,
    });
  }
  if (f.ramBytes < f.arenaBytes) {
    out.push({
      pointer: '/footprint/ramBytes',
      message: `must be at least arenaBytes (${f.arenaBytes})`,
    });
  }
  return out;
}

function tensorProblems(t: TensorInfo, pointer: string): SchemaProblem[] {
  const q = t.quantization;
  if (q === undefined || q.scale.length === q.zeroPoint.length) return [];
  return [
    {
      pointer: `${pointer}/quantization/zeroPoint`,
      message: `must have one entry per scale (${q.scale.length}), has ${q.zeroPoint.length}`,
    },
  ];
}

function analysisProblems(m: ModelAnalysis, base: string): SchemaProblem[] {
  const out: SchemaProblem[] = [];
  m.inputs.forEach((t, i) => out.push(...tensorProblems(t, `${base}/inputs/${i}`)));
  m.outputs.forEach((t, i) => out.push(...tensorProblems(t, `${base}/outputs/${i}`)));
  m.layers.forEach((l, i) => {
    if (l.index !== i) {
      out.push({
        pointer: `${base}/layers/${i}/index`,
        message: `must be ${i} (layers are in execution order)`,
      });
    }
    l.inputs.forEach((t, k) => out.push(...tensorProblems(t, `${base}/layers/${i}/inputs/${k}`)));
    l.outputs.forEach((t, k) => out.push(...tensorProblems(t, `${base}/layers/${i}/outputs/${k}`)));
  });
  if (m.totals.layers !== m.layers.length) {
    out.push({
      pointer: `${base}/totals/layers`,
      message: `must be ${m.layers.length}, the length of layers`,
    });
  }
  const macs = m.layers.reduce((s, l) => s + l.macs, 0);
  if (m.totals.macs !== macs) {
    out.push({
      pointer: `${base}/totals/macs`,
      message: `must be ${macs}, the sum of the layers' macs`,
    });
  }
  const opCount = m.ops.reduce((s, o) => s + o.count, 0);
  if (opCount !== m.layers.length) {
    out.push({
      pointer: `${base}/ops`,
      message: `counts add up to ${opCount}, but there are ${m.layers.length} layers`,
    });
  }
  if (m.flash.modelBytes !== m.bytes) {
    out.push({
      pointer: `${base}/flash/modelBytes`,
      message: `must be ${m.bytes}, the model's bytes`,
    });
  }
  return out;
}

/** RFC 6901: ~ and / inside a key. */
export function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}
