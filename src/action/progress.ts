// Progress of a job as log lines. A dataset of thousands of samples reports every one;
// the log gets a line per tenth of the set (and the last), not a line per sample.

/** A filter that lets an 'evaluating done/total' step through once per tenth. */
export function evaluationSteps(): (done: number, total: number) => boolean {
  let last = -1;
  return (done, total) => {
    const tenth = total > 0 ? Math.floor((done * 10) / total) : 10;
    if (tenth === last && done !== total) return false;
    last = tenth;
    return true;
  };
}
