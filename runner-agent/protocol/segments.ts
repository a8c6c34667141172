// Reassembly of a segmented response (UPLOAD_END, INVOKE; docs/protocol.md section 2):
// `status=0 | u16 part | u16 parts | u32 body_total | data`, every part but the last
// carrying exactly max_frame - 18 bytes. Parts may repeat (the device re-sends all of them
// on a retransmitted request); a part that contradicts an earlier one is an error.

import { ProtocolError } from './errors.ts';
import { PayloadReader } from './reader.ts';

/** Bytes of a part's header after the status: part, parts, body_total. */
export const SEGMENT_HEADER = 8;

export class SegmentAssembler {
  private body: Uint8Array | undefined;
  private parts = 0;
  private readonly have = new Set<number>();
  private readonly partBytes: number;
  private readonly maxBody: number;
  private readonly context: string;

  /** `maxFrame` from HELLO; bodies above `maxBody` bytes are refused before allocation. */
  constructor(context: string, maxFrame: number, maxBody: number) {
    this.context = context;
    this.partBytes = maxFrame - 8 - 2 - SEGMENT_HEADER;
    this.maxBody = maxBody;
  }

  /** Adds one part (the payload after the status); returns the body once every part is in. */
  add(afterStatus: Uint8Array): Uint8Array | undefined {
    const r = new PayloadReader(afterStatus, this.context);
    const part = r.u16('part');
    const parts = r.u16('parts');
    const total = r.u32('body_total');
    const data = r.rest();
    const fail = (why: string): never => {
      throw new ProtocolError('payload-invalid', `${this.context}: part ${part}/${parts}: ${why}`);
    };
    if (total > this.maxBody) fail(`body of ${total} bytes exceeds the ${this.maxBody}-byte bound`);
    if (parts !== Math.max(1, Math.ceil(total / this.partBytes))) {
      fail(`${parts} parts cannot carry ${total} bytes in parts of ${this.partBytes}`);
    }
    if (part >= parts) fail('part index out of range');
    const want = part < parts - 1 ? this.partBytes : total - part * this.partBytes;
    if (data.length !== want) fail(`${data.length} data bytes, ${want} expected`);
    if (this.body === undefined) {
      this.body = new Uint8Array(total);
      this.parts = parts;
    } else if (this.body.length !== total || this.parts !== parts) {
      fail(`disagrees with earlier parts (${this.parts} parts, ${this.body.length} bytes)`);
    }
    if (this.have.has(part)) return undefined;
    this.body.set(data, part * this.partBytes);
    this.have.add(part);
    return this.have.size === this.parts ? this.body : undefined;
  }
}
