// The byte pipe between the host and a device. A serial port, a pseudo-terminal, a child
// process's stdio, an in-memory fake or a fault-injecting proxy all stand behind this
// interface, so the device client and its tests never know which one they drive.

export interface Transport {
  /** Resolves when the bytes are handed to the OS (or the next stage); rejects once closed. */
  write(bytes: Uint8Array): Promise<void>;
  on(event: 'data', listener: (chunk: Uint8Array) => void): void;
  /** Fires once, with the error that closed the line if it was not close(). */
  on(event: 'close', listener: (error?: Error) => void): void;
  off(event: 'data', listener: (chunk: Uint8Array) => void): void;
  off(event: 'close', listener: (error?: Error) => void): void;
  close(): Promise<void>;
  readonly closed: boolean;
}

export type TransportErrorCode =
  /** The port or process could not be opened. */
  | 'open-failed'
  /** write() after close, or the other end went away. */
  | 'closed'
  /** The OS refused a write. */
  | 'write-failed';

export class TransportError extends Error {
  readonly code: TransportErrorCode;

  constructor(code: TransportErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransportError';
    this.code = code;
  }
}

type DataListener = (chunk: Uint8Array) => void;
type CloseListener = (error?: Error) => void;

/** Listener bookkeeping shared by the implementations; `emitClose` fires at most once. */
export abstract class TransportBase implements Transport {
  private readonly dataListeners = new Set<DataListener>();
  private readonly closeListeners = new Set<CloseListener>();
  private isClosed = false;

  get closed(): boolean {
    return this.isClosed;
  }

  abstract write(bytes: Uint8Array): Promise<void>;
  abstract close(): Promise<void>;

  on(event: 'data', listener: DataListener): void;
  on(event: 'close', listener: CloseListener): void;
  on(event: 'data' | 'close', listener: DataListener | CloseListener): void {
    if (event === 'data') this.dataListeners.add(listener as DataListener);
    else this.closeListeners.add(listener as CloseListener);
  }

  off(event: 'data', listener: DataListener): void;
  off(event: 'close', listener: CloseListener): void;
  off(event: 'data' | 'close', listener: DataListener | CloseListener): void {
    if (event === 'data') this.dataListeners.delete(listener as DataListener);
    else this.closeListeners.delete(listener as CloseListener);
  }

  protected emitData(chunk: Uint8Array): void {
    if (this.isClosed) return;
    for (const l of this.dataListeners) l(chunk);
  }

  protected emitClose(error?: Error): void {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const l of this.closeListeners) l(error);
    this.dataListeners.clear();
    this.closeListeners.clear();
  }

  protected assertOpen(what: string): void {
    if (this.isClosed) throw new TransportError('closed', `${what}: transport is closed`);
  }
}
