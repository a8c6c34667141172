// A bounds-checked view over flatbuffer bytes. The flatbuffers runtime trusts its input: a
// hostile offset makes it read past the end (yielding garbage or a RangeError) and a huge
// vector length makes a loop run for ever. Every accessor here checks the range it is about
// to read BEFORE reading, and every error is a ModelError naming `where`.

import { ByteBuffer } from 'flatbuffers';
import { ModelError, type ModelErrorCode } from './errors.ts';

/** A located table: its position, its vtable and the sizes both declare. */
export interface Table {
  readonly pos: number;
  readonly vtable: number;
  readonly vtableSize: number;
  readonly tableSize: number;
  /** Human-readable path of this table, for error messages ('tensor 5'). */
  readonly where: string;
}

/** A located vector: the position of its first element and its element count. */
export interface Vector {
  readonly start: number;
  readonly length: number;
}

const utf8 = new TextDecoder('utf-8');

/** Flatbuffers use 32-bit signed sizes: nothing in one lies at or past 2^31 - 1. */
const MAX_FLATBUFFER = 2 ** 31 - 1;

export class FlatView {
  readonly bb: ByteBuffer;
  readonly bytes: Uint8Array;
  readonly size: number;
  readonly source: string;
  /**
   * Bytes of vectors the reader may still visit. Vectors can be shared between tables, so a
   * small hostile file could make the reader walk (or copy) the same megabyte a million
   * times; a real file's vectors are disjoint, so their total never exceeds the file size.
   */
  private budget: number;

  constructor(bytes: Uint8Array, source: string) {
    // A plain Uint8Array view: Node's Buffer.slice() aliases instead of copying, and the
    // Model must hold plain Uint8Arrays that compare equal whatever the caller passed.
    this.bytes = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.bb = new ByteBuffer(this.bytes);
    this.size = bytes.length;
    this.source = source;
    this.budget = 2 * bytes.length + 65536;
  }

  fail(code: ModelErrorCode, detail: string): never {
    throw new ModelError(code, this.source, detail);
  }

  /**
   * Checks that [pos, pos + len) lies in the file. A range that could only exist in a longer
   * file is 'truncated' (a cut file and a corrupt offset look the same from here); one no
   * flatbuffer can hold (negative, or past the 2 GiB limit of 32-bit offsets) is
   * 'offset-out-of-range'.
   */
  private range(pos: number, len: number, where: string, what: string): void {
    if (pos < 0 || pos >= MAX_FLATBUFFER) {
      this.fail('offset-out-of-range', `${where}: ${what} at offset ${pos} out of range`);
    }
    if (pos + len > this.size) {
      this.fail(
        'truncated',
        `${where}: ${what} at offset ${pos} runs past the end of the file (${this.size} bytes)`,
      );
    }
  }

  /** The root table, after checking the header and the file identifier. */
  root(identifier: string): Table {
    if (this.size < 8) this.fail('truncated', `file is ${this.size} bytes, shorter than a header`);
    const id = String.fromCharCode(...this.bytes.subarray(4, 8));
    if (id !== identifier) {
      this.fail('identifier', `file identifier is ${JSON.stringify(id)}, expected "${identifier}"`);
    }
    return this.table(this.bb.readUint32(0), 'model');
  }

  /** Locates the table at `pos` and checks that it and its vtable lie inside the file. */
  table(pos: number, where: string): Table {
    this.range(pos, 4, where, 'table');
    const vtable = pos - this.bb.readInt32(pos);
    this.range(vtable, 4, where, 'vtable');
    const vtableSize = this.bb.readUint16(vtable);
    const tableSize = this.bb.readUint16(vtable + 2);
    if (vtableSize < 4 || vtableSize % 2 !== 0 || tableSize < 4) {
      this.fail('offset-out-of-range', `${where}: malformed vtable (${vtableSize}, ${tableSize})`);
    }
    this.range(vtable, vtableSize, where, 'vtable');
    this.range(pos, tableSize, where, 'table');
    return { pos, vtable, vtableSize, tableSize, where };
  }

  /** Absolute position of field `id` of `t`, checked to hold `width` bytes; 0 when absent. */
  field(t: Table, id: number, width: number, name: string): number {
    const slot = 4 + 2 * id;
    if (slot + 2 > t.vtableSize) return 0;
    const rel = this.bb.readUint16(t.vtable + slot);
    if (rel === 0) return 0;
    if (rel + width > t.tableSize) {
      this.fail('offset-out-of-range', `${t.where}: field ${name} lies outside its table`);
    }
    return t.pos + rel;
  }

  int8(t: Table, id: number, name: string, dflt: number): number {
    const p = this.field(t, id, 1, name);
    return p === 0 ? dflt : this.bb.readInt8(p);
  }

  uint8(t: Table, id: number, name: string, dflt: number): number {
    const p = this.field(t, id, 1, name);
    return p === 0 ? dflt : this.bb.readUint8(p);
  }

  bool(t: Table, id: number, name: string, dflt: boolean): boolean {
    const p = this.field(t, id, 1, name);
    return p === 0 ? dflt : this.bb.readUint8(p) !== 0;
  }

  int32(t: Table, id: number, name: string, dflt: number): number {
    const p = this.field(t, id, 4, name);
    return p === 0 ? dflt : this.bb.readInt32(p);
  }

  uint32(t: Table, id: number, name: string, dflt: number): number {
    const p = this.field(t, id, 4, name);
    return p === 0 ? dflt : this.bb.readUint32(p);
  }

  float32(t: Table, id: number, name: string, dflt: number): number {
    const p = this.field(t, id, 4, name);
    return p === 0 ? dflt : this.bb.readFloat32(p);
  }

  /** A ulong field as a JS number; values past 2^53 cannot be file offsets and fail. */
  uint64(t: Table, id: number, name: string): number {
    const p = this.field(t, id, 8, name);
    if (p === 0) return 0;
    const v = this.bb.readUint64(p);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
      this.fail('offset-out-of-range', `${t.where}: ${name} ${v} out of range`);
    }
    return Number(v);
  }

  /** Follows the uoffset stored in field `id`; 0 when the field is absent. */
  private indirect(t: Table, id: number, name: string): number {
    const p = this.field(t, id, 4, name);
    if (p === 0) return 0;
    const target = p + this.bb.readUint32(p);
    this.range(target, 4, t.where, name);
    return target;
  }

  /** The sub-table in field `id`, or null when absent. */
  subtable(t: Table, id: number, name: string, where: string): Table | null {
    const p = this.indirect(t, id, name);
    return p === 0 ? null : this.table(p, where);
  }

  /** The vector in field `id` with `elemSize`-byte elements, or null when absent. */
  vector(t: Table, id: number, elemSize: number, name: string): Vector | null {
    const p = this.indirect(t, id, name);
    if (p === 0) return null;
    const length = this.bb.readUint32(p);
    const start = p + 4;
    const bytes = length * elemSize;
    if (bytes >= MAX_FLATBUFFER) {
      this.fail('vector-out-of-range', `${t.where}: ${name} claims ${length} elements`);
    }
    this.range(start, bytes, t.where, `${name} of ${length} elements`);
    this.spend(bytes, t.where, name);
    return { start, length };
  }

  /** Charges `bytes` against the budget (see `budget`). */
  spend(bytes: number, where: string, name: string): void {
    this.budget -= bytes;
    if (this.budget < 0) {
      this.fail('budget-exceeded', `${where}: ${name}: the file reuses vectors far past its size`);
    }
  }

  string(t: Table, id: number, name: string): string {
    const v = this.vector(t, id, 1, name);
    return v === null ? '' : utf8.decode(this.bytes.subarray(v.start, v.start + v.length));
  }

  int32s(t: Table, id: number, name: string): number[] | null {
    const v = this.vector(t, id, 4, name);
    if (v === null) return null;
    const out = new Array<number>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = this.bb.readInt32(v.start + 4 * i);
    return out;
  }

  float32s(t: Table, id: number, name: string): number[] | null {
    const v = this.vector(t, id, 4, name);
    if (v === null) return null;
    const out = new Array<number>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = this.bb.readFloat32(v.start + 4 * i);
    return out;
  }

  /** A [long] vector; every value must be a safe integer (zero points are small in practice). */
  int64s(t: Table, id: number, name: string): number[] | null {
    const v = this.vector(t, id, 8, name);
    if (v === null) return null;
    const out = new Array<number>(v.length);
    for (let i = 0; i < v.length; i++) {
      const x = this.bb.readInt64(v.start + 8 * i);
      if (x > BigInt(Number.MAX_SAFE_INTEGER) || x < BigInt(Number.MIN_SAFE_INTEGER)) {
        this.fail('bad-quantization', `${t.where}: ${name}[${i}] = ${x} is not a safe integer`);
      }
      out[i] = Number(x);
    }
    return out;
  }

  /** The tables of a [Table] vector, located and checked one by one. */
  tables(t: Table, id: number, name: string, where: (i: number) => string): Table[] {
    const v = this.vector(t, id, 4, name);
    if (v === null) return [];
    const out = new Array<Table>(v.length);
    for (let i = 0; i < v.length; i++) {
      const p = v.start + 4 * i;
      out[i] = this.table(p + this.bb.readUint32(p), where(i));
    }
    return out;
  }
}
