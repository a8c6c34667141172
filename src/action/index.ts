// The action's entry (action.yml: main: dist/index.js, bundled from this file): run it,
// nothing else. run() reports failures through the step's status itself.
import { run } from './run.ts';

await run();
