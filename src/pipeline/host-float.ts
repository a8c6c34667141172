// Host float accuracy (stage C): the float32 model a configuration names as the int8
// model's floatReference, run in the TFLite runtime over the same samples the board
// evaluated. The board's job gives host int8 and device accuracy; only the float figure is
// the pipeline's to add, so the report can show what quantization cost.
import { loadDataset } from '../host/dataset/index.ts';
import { evaluate } from '../host/evaluate.ts';
import { tfliteRunner } from '../host/runners.ts';

/** Top-1 accuracy in percent of `floatModel` over the first `samples` of the dataset. */
export async function hostFloatAccuracy(
  floatModel: Uint8Array,
  datasetPath: string,
  samples: number,
): Promise<number | null> {
  const dataset = await loadDataset(datasetPath);
  // Device accuracy is defined for classification only (runner-agent/jobs/accuracy.ts).
  if (dataset.manifest.task !== 'classification') return null;
  const runner = await tfliteRunner(floatModel);
  try {
    const r = await evaluate(runner, dataset, { limit: samples });
    const top1 = r.metrics.classification?.top1;
    return top1 === undefined ? null : top1 * 100;
  } finally {
    runner.dispose();
  }
}
