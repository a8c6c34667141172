// The one error type of the quantizer. `code` is stable; the message names the layer (and
// its class) or the calibration sample, so a CI log alone says what to change.

export type QuantizeErrorCode =
  /** A layer class the quantizer cannot lower to TFLite operators. */
  | 'unsupported-layer'
  /** A supported layer class with a setting that is not (channelsFirst, causal padding, ...). */
  | 'unsupported-config'
  /** A BatchNormalization that does not directly follow a Conv2D/DepthwiseConv2D/Dense. */
  | 'unfoldable-batchnorm'
  /** A layer applied more than once (shared weights), or a nested model. */
  | 'unsupported-topology'
  /** Calibration samples missing, of the wrong length, or not finite. */
  | 'bad-calibration';

export class QuantizeError extends Error {
  readonly code: QuantizeErrorCode;
  constructor(code: QuantizeErrorCode, message: string) {
    super(message);
    this.name = 'QuantizeError';
    this.code = code;
  }
}
