// Host-side timeouts of docs/protocol.md section 5, in wall-clock milliseconds. tx(n) is
// the time n bytes take on the line; `macs` the model's multiply-accumulates.

export interface TimeoutModel {
  /** Line rate: bytes per second (baud / 10 for 8N1). */
  bytesPerSecond: number;
  /** Multiplies every timeout (a slow board or a loaded CI machine). */
  scale: number;
}

export const DEFAULT_BYTES_PER_SECOND = 115200 / 10;

export function txMs(m: TimeoutModel, bytes: number): number {
  return (bytes * 1000) / m.bytesPerSecond;
}

/** HELLO, PING, RESET, SET_INPUT, GET_OUTPUT, UPLOAD_BEGIN/CHUNK, EVAL_BEGIN, EVAL_SAMPLE ack. */
export function shortTimeout(m: TimeoutModel, requestBytes: number, responseBytes: number): number {
  return m.scale * (1000 + txMs(m, requestBytes) + txMs(m, responseBytes));
}

export function uploadEndTimeout(m: TimeoutModel, modelBytes: number, bodyBytes: number): number {
  return m.scale * (5000 + 0.01 * modelBytes + txMs(m, bodyBytes));
}

/** One inference: 50 ms + 1 us per MAC (several times the slowest measured case). */
export function inferenceMs(macs: number): number {
  return 50 + macs / 1000;
}

export function invokeTimeout(
  m: TimeoutModel,
  runs: number,
  macs: number,
  bodyBytes: number,
): number {
  return m.scale * (2000 + runs * inferenceMs(macs) + txMs(m, bodyBytes));
}

/** EVAL_RESULT after the ack of the sample's completing chunk. */
export function evalResultTimeout(m: TimeoutModel, macs: number, outputBytes: number): number {
  return m.scale * (2000 + inferenceMs(macs) + txMs(m, outputBytes));
}
