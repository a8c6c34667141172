// The example's one error type; `code` is stable, the message names the file or sample.

export type ExampleErrorCode =
  /** The mnist package's digits are not what this script expects. */
  | 'bad-mnist-data'
  /** README.md lacks the markers around the generated results block. */
  | 'readme-markers';

export class ExampleError extends Error {
  readonly code: ExampleErrorCode;
  constructor(code: ExampleErrorCode, message: string) {
    super(message);
    this.name = 'ExampleError';
    this.code = code;
  }
}
