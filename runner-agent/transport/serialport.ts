// A transport over a serial device: a board's USB virtual COM port or the pseudo-terminal
// of an emulated board. The port constructor is injected (node-serialport's pattern) so
// tests run the same code on SerialPortMock; `bytesPerSecond` paces the line to simulate
// a UART's rate where the device has none (a pty).

import { SerialPort } from 'serialport';
import { PacedTransport } from './paced.ts';
import { TransportBase, TransportError, type Transport } from './transport.ts';

/** What this module needs of a node-serialport stream (SerialPort and SerialPortMock fit). */
export interface PortLike {
  readonly isOpen: boolean;
  write(chunk: Uint8Array, callback: (error: Error | null | undefined) => void): boolean;
  drain(callback: (error: Error | null) => void): void;
  flush(callback: (error: Error | null) => void): void;
  close(callback: (error: Error | null) => void): void;
  on(event: 'data', listener: (chunk: Buffer) => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
  on(event: 'close', listener: () => void): this;
  once(event: 'open', listener: () => void): this;
  once(event: 'error', listener: (error: Error) => void): this;
}

export interface SerialTransportOptions {
  path: string;
  /** Default 115200. Sets the UART; a pty accepts and ignores it. */
  baudRate?: number;
  /** Pace both directions to this many bytes per second; default: unpaced. */
  bytesPerSecond?: number;
  /** Opens the port; default node-serialport's SerialPort (the native binding). */
  openPort?: (path: string, baudRate: number) => PortLike;
}

class SerialTransport extends TransportBase {
  private readonly port: PortLike;
  private readonly path: string;

  constructor(port: PortLike, path: string) {
    super();
    this.port = port;
    this.path = path;
    port.on('data', (chunk) => this.emitData(chunk));
    port.on('error', (e) =>
      this.emitClose(new TransportError('closed', `${path}: ${e.message}`, { cause: e })),
    );
    port.on('close', () => this.emitClose(new TransportError('closed', `${path}: port closed`)));
  }

  async write(bytes: Uint8Array): Promise<void> {
    this.assertOpen(`${this.path}: write`);
    return new Promise((resolve, reject) => {
      this.port.write(bytes, (e) => {
        if (e)
          reject(new TransportError('write-failed', `${this.path}: ${e.message}`, { cause: e }));
        else resolve();
      });
    });
  }

  async close(): Promise<void> {
    this.emitClose();
    if (!this.port.isOpen) return;
    await new Promise<void>((resolve) => this.port.close(() => resolve()));
  }
}

export async function openSerialTransport(options: SerialTransportOptions): Promise<Transport> {
  const baud = options.baudRate ?? 115200;
  const open =
    options.openPort ??
    ((path: string, baudRate: number): PortLike =>
      new SerialPort({ path, baudRate, autoOpen: true }));
  let port: PortLike;
  try {
    port = open(options.path, baud);
  } catch (e) {
    throw new TransportError(
      'open-failed',
      `${options.path}: ${e instanceof Error ? e.message : String(e)}`,
      { cause: e },
    );
  }
  if (!port.isOpen) {
    await new Promise<void>((resolve, reject) => {
      port.once('open', resolve);
      port.once('error', (e) =>
        reject(new TransportError('open-failed', `${options.path}: ${e.message}`, { cause: e })),
      );
    });
  }
  // Bytes a previous client left unread (stale answers whose seqs a new session reuses)
  // must not reach this one. The native binding flushes when it opens; this makes it so
  // whatever `openPort` supplies.
  await new Promise<void>((resolve, reject) =>
    port.flush((e) =>
      e
        ? reject(
            new TransportError('open-failed', `${options.path}: flush: ${e.message}`, { cause: e }),
          )
        : resolve(),
    ),
  );
  const transport = new SerialTransport(port, options.path);
  return options.bytesPerSecond ? new PacedTransport(transport, options.bytesPerSecond) : transport;
}
