// Streamed evaluation (docs/protocol.md 4.8-4.9): EVAL_BEGIN, then each sample's input 0
// in EVAL_SAMPLE chunks; the device answers every chunk at once and sends EVAL_RESULT when
// a sample is complete. The device has `slots` (2) input buffers, so sample j goes on the
// wire as soon as every chunk of sample j - slots is acknowledged: while the board
// computes sample k, sample k+1 is already in its buffer. A lost EVAL_RESULT is asked for
// again by re-sending the completing chunk with its seq (answered from the device's
// cache); if the cache has moved on, the sample is re-run in a fresh EVAL_BEGIN round.

import { DeviceError, ProtocolError } from '../protocol/errors.ts';
import { MIN_FRAME_BYTES, maxEncodedFrame } from '../protocol/frame.ts';
import {
  CHUNK_HEADER,
  Cmd,
  decodeEvalBegin,
  decodeEvalResult,
  decodeEvalSampleAck,
  encodeEvalBegin,
  encodeEvalSample,
  EVAL_RESULT,
  type EvalBegin,
  type EvalResult,
} from '../protocol/messages.ts';
import { ClientError, DeviceTimeoutError } from './errors.ts';
import type { Prepared, RequestLink } from './link.ts';
import { evalResultTimeout, inferenceMs, shortTimeout, type TimeoutModel } from './timeouts.ts';

export interface EvalOptions {
  /** Called once per sample as its result arrives (arrival order). */
  onResult?: (result: EvalSampleResult) => void;
  /** Times a re-run round may be started for samples whose result was lost. Default 3. */
  rounds?: number;
  /** Re-requests of a missing EVAL_RESULT before the sample goes to the next round. Default 2. */
  resultRetries?: number;
}

export interface EvalSampleResult {
  /** Index into the caller's sample list. */
  sample: number;
  /** Ticks of the one inference (tg_engine_invoke), at HELLO's tick_hz. */
  ticks: number;
  /** Output 0's bytes. */
  output: Uint8Array;
}

/** Per sample of a round: when its completing chunk was answered, and who waits on it. */
interface Watch {
  completingSeq: number;
  /** sentAt of the answered transmission of the completing chunk. */
  ackSentAt?: number;
  /** A later request was answered while the result is still missing. */
  suspect: boolean;
  /** Wakes awaitResult when `suspect` turns true. */
  nudge?: () => void;
}

interface Round {
  link: RequestLink;
  timing: TimeoutModel;
  macs: number;
  samples: readonly Uint8Array[];
  /** Caller's indices of this round's samples; the device numbers them 0..n-1. */
  pending: number[];
  results: (EvalSampleResult | undefined)[];
  options: EvalOptions;
  watches: Map<number, Watch>;
}

export async function evaluateSamples(
  link: RequestLink,
  timing: TimeoutModel,
  macs: number,
  samples: readonly Uint8Array[],
  options: EvalOptions,
): Promise<EvalSampleResult[]> {
  const results: (EvalSampleResult | undefined)[] = new Array(samples.length).fill(undefined);
  let pending = samples.map((_, i) => i);
  const rounds = options.rounds ?? 3;
  for (let round = 0; pending.length > 0; round++) {
    if (round > rounds) {
      throw new DeviceTimeoutError(
        `EVAL_RESULT of samples ${pending.slice(0, 10).join(', ')}${pending.length > 10 ? ', ...' : ''}`,
        -1,
        round,
        evalResultTimeout(timing, macs, 0),
      );
    }
    pending = await runRound({
      link,
      timing,
      macs,
      samples,
      pending,
      results,
      options,
      watches: new Map(),
    });
  }
  return results as EvalSampleResult[];
}

/** One EVAL_BEGIN and its samples; returns the caller's indices whose result was lost. */
async function runRound(r: Round): Promise<number[]> {
  const { link, timing, pending } = r;
  const beginBody = await link.request(Cmd.EVAL_BEGIN, encodeEvalBegin(pending.length), {
    timeoutMs: shortTimeout(timing, 32, 32),
  });
  const begin = decodeEvalBegin(beginBody);
  if (begin.slots < 1) throw new ClientError('device-mismatch', 'EVAL_BEGIN: device has 0 slots');
  for (const i of pending) {
    if (r.samples[i].length !== begin.inputBytes) {
      throw new ClientError(
        'bad-argument',
        `evaluate: sample ${i} has ${r.samples[i].length} bytes, input 0 takes ${begin.inputBytes}`,
      );
    }
  }
  const waiting = new Map<number, (res: EvalResult) => void>();
  link.onStream = (f) => {
    if (f.type !== EVAL_RESULT) return;
    let res: EvalResult;
    try {
      res = decodeEvalResult(f.payload);
    } catch (e) {
      // A malformed result is treated as lost: re-requested, then re-run.
      if (e instanceof ProtocolError) return;
      throw e;
    }
    const w = waiting.get(res.sample);
    if (w) {
      waiting.delete(res.sample);
      w(res);
    }
  };
  // The device sends a sample's EVAL_RESULT before it reads the next request: once a request
  // sent after the completing chunk is answered, a missing result is lost, not late.
  const bySeq = new Map<number, Watch>();
  link.onAnswered = (seq, sentAt) => {
    const own = bySeq.get(seq);
    if (own) own.ackSentAt = sentAt;
    for (const w of r.watches.values()) {
      if (w !== own && w.ackSentAt !== undefined && w.ackSentAt < sentAt) {
        w.suspect = true;
        w.nudge?.();
      }
    }
  };
  const acked: Promise<void>[] = [];
  const outcomes: Promise<boolean>[] = [];
  try {
    for (let j = 0; j < pending.length; j++) {
      if (j >= begin.slots) await acked[j - begin.slots];
      const sent = sendSample(r, begin, j, waiting);
      bySeq.set(sent.watch.completingSeq, sent.watch);
      sent.ack.catch(() => {});
      sent.outcome.catch(() => {});
      acked.push(sent.ack);
      outcomes.push(sent.outcome);
    }
    const settled = await Promise.allSettled(outcomes);
    const lost: number[] = [];
    settled.forEach((s, j) => {
      if (s.status === 'rejected') throw s.reason;
      if (!s.value) lost.push(pending[j]);
    });
    return lost;
  } finally {
    link.onStream = undefined;
    link.onAnswered = undefined;
  }
}

function sendSample(
  r: Round,
  begin: EvalBegin,
  j: number,
  waiting: Map<number, (res: EvalResult) => void>,
): { ack: Promise<void>; outcome: Promise<boolean>; watch: Watch } {
  const { link, timing } = r;
  const data = r.samples[r.pending[j]];
  const step = link.maxFrame - MIN_FRAME_BYTES - CHUNK_HEADER.EVAL_SAMPLE;
  // The device reads the line only between inferences: an ack may wait behind `slots` of them.
  const ackTimeout =
    shortTimeout(timing, maxEncodedFrame(step + CHUNK_HEADER.EVAL_SAMPLE), 32) +
    begin.slots * inferenceMs(r.macs) * timing.scale;
  const result = new Promise<EvalResult>((resolve) => waiting.set(j, resolve));
  const chunks: Promise<void>[] = [];
  let last: Prepared | undefined;
  for (let at = 0; at < data.length; at += step) {
    const end = Math.min(data.length, at + step);
    const req = link.prepare(
      Cmd.EVAL_SAMPLE,
      encodeEvalSample(j, at, end === data.length, data.subarray(at, end)),
    );
    if (end === data.length) last = req;
    chunks.push(
      link.send(req, { timeoutMs: ackTimeout }).then((b) => checkAck(b, j, r.pending[j])),
    );
  }
  const watch: Watch = { completingSeq: (last as Prepared).seq, suspect: false };
  r.watches.set(j, watch);
  const ack = Promise.all(chunks).then(() => {});
  const outcome = awaitResult(r, begin, j, ack, last as Prepared, result, ackTimeout).finally(() =>
    r.watches.delete(j),
  );
  return { ack, outcome, watch };
}

function checkAck(body: Uint8Array, j: number, sample: number): void {
  const a = decodeEvalSampleAck(body);
  if (a.sample !== j) {
    throw new ClientError(
      'device-mismatch',
      `EVAL_SAMPLE: ack for sample ${a.sample}, sent ${j} (sample ${sample})`,
    );
  }
}

async function awaitResult(
  r: Round,
  begin: EvalBegin,
  j: number,
  ack: Promise<void>,
  last: Prepared,
  result: Promise<EvalResult>,
  ackTimeout: number,
): Promise<boolean> {
  await ack;
  const timeoutMs = evalResultTimeout(r.timing, r.macs, begin.outputBytes);
  const sample = r.pending[j];
  const watch = r.watches.get(j) as Watch;
  for (let attempt = 0; ; attempt++) {
    const nudged = new Promise<undefined>((resolve) => {
      watch.nudge = () => resolve(undefined);
      if (watch.suspect) resolve(undefined);
    });
    const res = await withTimeout(Promise.race([result, nudged]), timeoutMs);
    watch.nudge = undefined;
    if (res) {
      if (res.status !== 0) {
        throw new DeviceError(
          'EVAL_RESULT',
          res.status,
          `sample ${sample}: ${'message' in res ? res.message : ''}`,
        );
      }
      if (!('output' in res) || res.output.length !== begin.outputBytes) {
        throw new ClientError(
          'device-mismatch',
          `EVAL_RESULT of sample ${sample}: output of ${'output' in res ? res.output.length : 0} bytes, ${begin.outputBytes} expected`,
        );
      }
      const out = { sample, ticks: res.ticks, output: res.output };
      r.results[sample] = out;
      r.options.onResult?.(out);
      return true;
    }
    if (attempt >= (r.options.resultRetries ?? 2)) return false;
    // Answers to requests sent before this re-request say nothing about its result.
    watch.suspect = false;
    watch.ackSentAt = undefined;
    try {
      await r.link.send(last, { timeoutMs: ackTimeout });
    } catch (e) {
      // The device's response cache moved on: it sees a new request for a finished sample.
      if (e instanceof DeviceError && e.code === 'eval-state') return false;
      throw e;
    }
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
