import dgram from 'node:dgram';
import { EventEmitter } from 'node:events';

// The dgram module net-snmp is handed for one unit. net-snmp sends every datagram with an
// explicit address on an unconnected socket, and Linux reports ICMP errors only on connected
// UDP sockets: a closed port would look exactly like a silent host and cost the whole timeout.
// This socket connect()s to the unit before its first send, so "port unreachable" comes back
// at once as ECONNREFUSED. A side effect, wanted: the kernel accepts datagrams from that
// address and port only, so nothing else on the network can answer in the unit's name.

export interface UdpTarget {
  readonly address: string;
  readonly port: number;
}

/** The part of node:dgram this module uses; tests put a failing one underneath. */
export interface DgramModule {
  createSocket(type: 'udp4' | 'udp6'): dgram.Socket;
}

export interface ConnectedDgramOptions {
  /** Every error the socket reports (ECONNREFUSED from an ICMP, EMFILE on bind...), as it happens. */
  readonly onError: (error: NodeJS.ErrnoException) => void;
  /** Once aborted, nothing more is sent: each send (a retry too) fails with an AbortError. */
  readonly signal?: AbortSignal;
  readonly dgram?: DgramModule;
}

/** What net-snmp's Session calls on the object `createSocket` returns. */
export class ConnectedSocket extends EventEmitter {
  private state: 'idle' | 'connecting' | 'connected' | 'closed' = 'idle';
  private failure: Error | undefined;
  /** Sends waiting for connect(): net-snmp sends as soon as a request is made. */
  private queue: Array<{ buf: Buffer; offset: number; length: number; cb: SendCallback }> = [];

  constructor(
    private readonly socket: dgram.Socket,
    private readonly target: UdpTarget,
    private readonly options: ConnectedDgramOptions,
  ) {
    super();
    socket.on('message', (msg, rinfo) => this.emit('message', msg, rinfo));
    socket.on('close', () => this.emit('close'));
    // Not forwarded: net-snmp's Session.onError emits the error object as an event *name*, so
    // nothing would ever hear it. The session is told directly instead.
    socket.on('error', (error: NodeJS.ErrnoException) => {
      this.failure ??= error;
      this.flush(error);
      options.onError(error);
    });
  }

  /** net-snmp's call shape: send(buffer, offset, length, port, address, callback). */
  send(buf: Buffer, offset: number, length: number, port: number, address: string, cb: SendCallback): void {
    if (port !== this.target.port || address !== this.target.address) {
      return later(cb, new Error(`refusing to send to ${address}:${port}: this socket belongs to ${this.target.address}:${this.target.port}`));
    }
    if (this.options.signal?.aborted) return later(cb, abortError());
    if (this.state === 'closed') return later(cb, new Error('socket closed'));
    if (this.failure && this.state !== 'connected') return later(cb, this.failure);
    if (this.state === 'connected') return this.sendNow(buf, offset, length, cb);
    this.queue.push({ buf, offset, length, cb });
    if (this.state === 'connecting') return;
    this.state = 'connecting';
    try {
      // Binds an ephemeral port first; a bind failure (EMFILE) arrives as an 'error' event.
      this.socket.connect(this.target.port, this.target.address, (error?: Error) => {
        if (this.state === 'closed') return;
        if (error) {
          this.failure ??= error;
          this.state = 'idle';
          this.flush(error);
          return;
        }
        this.state = 'connected';
        const waiting = this.queue;
        this.queue = [];
        for (const s of waiting) this.sendNow(s.buf, s.offset, s.length, s.cb);
      });
    } catch (error) {
      this.failure ??= error as Error;
      this.flush(error as Error);
    }
  }

  private sendNow(buf: Buffer, offset: number, length: number, cb: SendCallback): void {
    if (this.options.signal?.aborted) return later(cb, abortError());
    try {
      this.socket.send(buf, offset, length, cb);
    } catch (error) {
      later(cb, error as Error);
    }
  }

  /** Fails every queued send: net-snmp then fails the request that made it. */
  private flush(error: Error): void {
    const waiting = this.queue;
    this.queue = [];
    for (const s of waiting) later(s.cb, error);
  }

  close(callback?: () => void): this {
    if (this.state === 'closed') return this;
    this.state = 'closed';
    this.flush(new Error('socket closed'));
    if (callback) this.once('close', callback);
    try {
      this.socket.close();
    } catch {
      this.emit('close'); // already closed underneath: still tell net-snmp
    }
    return this;
  }

  // net-snmp holds the event loop open (ref) only while a request is outstanding.
  ref(): this {
    this.socket.ref();
    return this;
  }

  unref(): this {
    this.socket.unref();
    return this;
  }

  /** net-snmp binds only when given a source address or port, which this project never does. */
  bind(): this {
    throw new Error('a connected SNMP socket binds when it connects');
  }
}

type SendCallback = (error: Error | null, bytes?: number) => void;

function later(cb: SendCallback, error: Error): void {
  process.nextTick(cb, error);
}

function abortError(): Error {
  const e = new Error('interrupted: nothing more is sent');
  e.name = 'AbortError';
  return e;
}

/** A dgram module for net-snmp's `dgramModule` option whose sockets are connected to `target`. */
export function connectedDgram(target: UdpTarget, options: ConnectedDgramOptions): { createSocket(type: 'udp4' | 'udp6'): ConnectedSocket } {
  const base = options.dgram ?? dgram;
  return { createSocket: (type) => new ConnectedSocket(base.createSocket(type), target, options) };
}
