// Bounds-checked little-endian reads of a payload from the device (untrusted): every read
// names the message and field it was for, and end() rejects trailing bytes.

import { ProtocolError } from './errors.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true });

export class PayloadReader {
  private readonly view: DataView;
  private readonly bytes: Uint8Array;
  private at = 0;
  /** Message name for errors, e.g. 'HELLO response'. */
  readonly context: string;

  constructor(bytes: Uint8Array, context: string) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    this.context = context;
  }

  get remaining(): number {
    return this.bytes.length - this.at;
  }

  private need(n: number, field: string): number {
    if (n > this.remaining) {
      throw new ProtocolError(
        'payload-invalid',
        `${this.context}: field ${field} needs ${n} bytes at offset ${this.at}, ${this.remaining} left`,
      );
    }
    const at = this.at;
    this.at += n;
    return at;
  }

  u8(field: string): number {
    return this.view.getUint8(this.need(1, field));
  }
  u16(field: string): number {
    return this.view.getUint16(this.need(2, field), true);
  }
  u32(field: string): number {
    return this.view.getUint32(this.need(4, field), true);
  }
  i32(field: string): number {
    return this.view.getInt32(this.need(4, field), true);
  }
  f32(field: string): number {
    return this.view.getFloat32(this.need(4, field), true);
  }
  /** A view of the next n bytes (no copy). */
  bytesN(n: number, field: string): Uint8Array {
    const at = this.need(n, field);
    return this.bytes.subarray(at, at + n);
  }
  /** Everything left (a field that runs to the end of the payload). */
  rest(): Uint8Array {
    const out = this.bytes.subarray(this.at);
    this.at = this.bytes.length;
    return out;
  }
  /** `u16 length` + UTF-8 bytes. */
  str(field: string): string {
    const n = this.u16(`${field} length`);
    const b = this.bytesN(n, field);
    try {
      return utf8.decode(b);
    } catch (e) {
      throw new ProtocolError('payload-invalid', `${this.context}: field ${field} is not UTF-8`, {
        cause: e,
      });
    }
  }
  /** UTF-8 to the end of the payload. */
  text(field: string): string {
    try {
      return utf8.decode(this.rest());
    } catch (e) {
      throw new ProtocolError('payload-invalid', `${this.context}: field ${field} is not UTF-8`, {
        cause: e,
      });
    }
  }
  end(): void {
    if (this.remaining !== 0) {
      throw new ProtocolError(
        'payload-invalid',
        `${this.context}: ${this.remaining} unexpected bytes after the last field (offset ${this.at})`,
      );
    }
  }
}

/** Little-endian writes into a payload of known size; range checks name the field. */
export class PayloadWriter {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  private at = 0;
  private readonly context: string;

  constructor(size: number, context: string) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
    this.context = context;
  }

  private check(v: number, max: number, field: string): void {
    if (!Number.isInteger(v) || v < 0 || v > max) {
      throw new ProtocolError(
        'value-out-of-range',
        `${this.context}: ${field} = ${v} is outside 0..${max}`,
      );
    }
  }
  u8(v: number, field: string): this {
    this.check(v, 0xff, field);
    this.view.setUint8(this.at, v);
    this.at += 1;
    return this;
  }
  u16(v: number, field: string): this {
    this.check(v, 0xffff, field);
    this.view.setUint16(this.at, v, true);
    this.at += 2;
    return this;
  }
  u32(v: number, field: string): this {
    this.check(v, 0xffffffff, field);
    this.view.setUint32(this.at, v, true);
    this.at += 4;
    return this;
  }
  raw(b: Uint8Array): this {
    this.bytes.set(b, this.at);
    this.at += b.length;
    return this;
  }
}
