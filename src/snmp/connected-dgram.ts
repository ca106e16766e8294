import dgram from 'node:dgram';
import { oversizedUnsigned } from './ber-guard.js';

// The dgram module net-snmp is handed for one unit. net-snmp sends every datagram with an
// explicit address on an unconnected socket, and Linux reports ICMP errors only on connected
// UDP sockets: a closed port would look exactly like a silent host and cost the whole timeout.
// This socket connect()s to the unit before its first send, so "port unreachable" comes back
// at once as ECONNREFUSED. A side effect, wanted: the kernel accepts datagrams from that
// address and port only, so nothing else on the network can answer in the unit's name.
//
// A scan hands its units a SocketPool: a unit that ended cleanly gives its socket back
// (disconnected) for the next unit, which saves creating and closing a socket per unit.

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
  /** A reply net-snmp threw on while reading it (e.g. a Report PDU in a v2c answer): garbage, not a crash. */
  readonly onUndecodable?: (error: unknown) => void;
  /** Once aborted, nothing more is sent: each send (a retry too) fails with an AbortError. */
  readonly signal?: AbortSignal;
  /** Sockets of node:dgram to reuse (a scan's). Without it, or with `dgram`, the unit has a socket of its own. */
  readonly pool?: SocketPool;
  readonly dgram?: DgramModule;
  /**
   * Asked before every datagram net-snmp sends (first tries, retries, SNMPv3 discovery and
   * re-discovery alike): may throw to refuse it (the unit's budget is spent), or return a
   * promise to hold it back (the scan's --rate); a rejected promise refuses it too. net-snmp
   * starts a request's timer only once its datagram is sent, so a held datagram is not timed.
   */
  readonly beforeSend?: () => void | Promise<void>;
  /** Sees every reply before net-snmp decodes it (SNMPv3 sessions note the Reports they get). */
  readonly peek?: (msg: Buffer) => void;
}

/**
 * One node:dgram socket and the unit using it now. Its listeners are attached once, for the
 * socket's whole life, and reach whichever unit owns it: nothing to add or remove per unit.
 */
class Carrier {
  owner: ConnectedSocket | undefined;
  /** Closed, or failed: never handed out again. */
  dead = false;

  constructor(readonly socket: dgram.Socket) {
    socket.on('message', (msg: Buffer, rinfo: dgram.RemoteInfo) => this.owner?.deliver(msg, rinfo));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      this.dead = true;
      this.owner?.failed(error);
    });
    socket.on('close', () => {
      this.dead = true;
      this.owner?.closedUnderneath();
    });
  }

  close(): void {
    this.dead = true;
    try {
      this.socket.close();
    } catch {
      // already closed
    }
  }
}

/**
 * UDP sockets waiting for the next unit. Only a socket whose every datagram was answered
 * comes back, so no late answer or ICMP error of its last unit can be pending. Disconnecting
 * also gives up its ephemeral port (Linux unhashes an automatically bound socket): nothing
 * reaches it while idle, and the next unit's connect() binds a fresh port. What is saved is
 * creating and closing a socket per unit. Sockets ever open never exceed the units in flight
 * at once. close() when the scan ends.
 */
export class SocketPool {
  private readonly idle: Record<'udp4' | 'udp6', Carrier[]> = { udp4: [], udp6: [] };
  private closed = false;
  private created = 0;

  /** Sockets created so far (the other units were served by reused ones). */
  get opened(): number {
    return this.created;
  }

  /** A socket for one unit: an idle one, else a new one. */
  take(type: 'udp4' | 'udp6'): Carrier {
    const idle = this.idle[type];
    for (let c = idle.pop(); c !== undefined; c = idle.pop()) {
      if (!c.dead) return c;
      c.close();
    }
    this.created++;
    return new Carrier(dgram.createSocket(type));
  }

  /** Takes a socket back from a unit that is done with it; `clean`: it may serve another. */
  give(type: 'udp4' | 'udp6', c: Carrier, clean: boolean): void {
    c.owner = undefined;
    if (!clean || c.dead || this.closed) return c.close();
    try {
      c.socket.disconnect();
    } catch {
      return c.close();
    }
    // Idle sockets must not keep the process alive.
    c.socket.unref();
    this.idle[type].push(c);
  }

  /** Closes every idle socket; sockets given back later are closed at once. */
  close(): void {
    this.closed = true;
    for (const list of Object.values(this.idle)) for (const c of list.splice(0)) c.close();
  }
}

export type SendCallback = (error: Error | null, bytes?: number) => void;
type Listener = (...args: never[]) => void;

/**
 * What net-snmp's Session calls on the object `createSocket` returns: on() once for each of
 * 'message', 'close' and 'error', send(), close(), ref() and unref(). Plain fields instead
 * of an EventEmitter, since net-snmp registers one listener of each and never removes it.
 */
export class ConnectedSocket {
  private state: 'idle' | 'connecting' | 'connected' | 'closed' = 'idle';
  private failure: Error | undefined;
  /** Sends waiting for connect(): net-snmp sends as soon as a request is made. */
  private queue: Array<{ buf: Buffer; offset: number; length: number; cb: SendCallback }> | undefined;
  /** Datagrams sent and answers received: a socket with no answer outstanding can be reused. */
  private sent = 0;
  private received = 0;
  private onMessage: ((msg: Buffer, rinfo: dgram.RemoteInfo) => void) | undefined;
  private onClose: (() => void) | undefined;

  constructor(
    private readonly carrier: Carrier,
    private readonly type: 'udp4' | 'udp6',
    private readonly target: UdpTarget,
    private readonly options: ConnectedDgramOptions,
    /** Where the socket goes back to; undefined: closed with the unit. */
    private readonly pool: SocketPool | undefined,
  ) {
    carrier.owner = this;
  }

  on(event: string, listener: Listener): this {
    if (event === 'message') this.onMessage = listener as unknown as typeof this.onMessage;
    else if (event === 'close') this.onClose = listener as unknown as typeof this.onClose;
    // 'error' is not forwarded: net-snmp's Session.onError emits the error object as an event
    // *name*, so nothing would ever hear it. The session is told directly (options.onError).
    return this;
  }

  /** An answer on the socket. Before connect() has finished a reused socket may still be unconnected: not ours. */
  deliver(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    if (this.state !== 'connected') return;
    this.received++;
    handReply(msg, rinfo, this.options, this.onMessage);
  }

  failed(error: NodeJS.ErrnoException): void {
    this.failure ??= error;
    this.flush(error);
    this.options.onError(error);
  }

  closedUnderneath(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.flush(new Error('socket closed'));
    this.onClose?.();
  }

  /** net-snmp's call shape: send(buffer, offset, length, port, address, callback). */
  send(buf: Buffer, offset: number, length: number, port: number, address: string, cb: SendCallback): void {
    admitSend(this.target, this.options, port, address, cb, () => this.admitted(buf, offset, length, cb));
  }

  /** The datagram passed admitSend: on the wire once connected. */
  private admitted(buf: Buffer, offset: number, length: number, cb: SendCallback): void {
    if (this.state === 'closed') return later(cb, new Error('socket closed'));
    if (this.failure && this.state !== 'connected') return later(cb, this.failure);
    if (this.state === 'connected') return this.sendNow(buf, offset, length, cb);
    (this.queue ??= []).push({ buf, offset, length, cb });
    if (this.state === 'connecting') return;
    this.state = 'connecting';
    try {
      // A new socket binds an ephemeral port first; a bind failure (EMFILE) arrives as an 'error' event.
      this.carrier.socket.connect(this.target.port, this.target.address, (error?: Error) => {
        if (this.state === 'closed') return;
        if (error) {
          this.failure ??= error;
          this.state = 'idle';
          this.flush(error);
          return;
        }
        this.state = 'connected';
        const waiting = this.queue ?? [];
        this.queue = undefined;
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
      this.carrier.socket.send(buf, offset, length, cb);
      this.sent++;
    } catch (error) {
      later(cb, error as Error);
    }
  }

  /** Fails every queued send: net-snmp then fails the request that made it. */
  private flush(error: Error): void {
    const waiting = this.queue;
    if (!waiting) return;
    this.queue = undefined;
    for (const s of waiting) later(s.cb, error);
  }

  close(callback?: () => void): this {
    if (!this.release()) return this;
    // net-snmp's Session cancels what it still has outstanding on 'close'.
    callback?.();
    this.onClose?.();
    return this;
  }

  /**
   * Closes without telling net-snmp: for a session with no request outstanding, whose
   * 'close' handler would only build an Error to cancel nothing. False if already closed.
   */
  release(): boolean {
    if (this.state === 'closed') return false;
    const clean = this.state === 'connected' && this.failure === undefined && this.received >= this.sent;
    this.state = 'closed';
    // Only with sends still waiting: an Error captures a stack, and this runs once per unit.
    if (this.queue) this.flush(new Error('socket closed'));
    if (this.pool) this.pool.give(this.type, this.carrier, clean);
    else {
      this.carrier.owner = undefined;
      this.carrier.close();
    }
    return true;
  }

  // net-snmp holds the event loop open (ref) only while a request is outstanding.
  ref(): this {
    if (this.state !== 'closed') this.carrier.socket.ref();
    return this;
  }

  unref(): this {
    if (this.state !== 'closed') this.carrier.socket.unref();
    return this;
  }

  /** net-snmp binds only when given a source address or port, which this project never does. */
  bind(): this {
    throw new Error('a connected SNMP socket binds when it connects');
  }
}

/**
 * What every unit's datagram passes before it leaves, whichever socket carries it (connected
 * here, shared in shared-dgram.ts): only to the unit's own address and port; then the session's
 * gate (its budget, the scan's --rate), which may refuse it or hold it back; then, once admitted,
 * not after the interrupt. `send` is called when all agree; else `cb` gets the error.
 */
export function admitSend(target: UdpTarget, options: ConnectedDgramOptions, port: number, address: string, cb: SendCallback, send: () => void): void {
  if (port !== target.port || address !== target.address) {
    return later(cb, new Error(`refusing to send to ${address}:${port}: this socket belongs to ${target.address}:${target.port}`));
  }
  const admitted = () => (options.signal?.aborted ? later(cb, abortError()) : send());
  const gate = options.beforeSend;
  if (!gate) return admitted();
  let held: void | Promise<void>;
  try {
    held = gate();
  } catch (error) {
    return later(cb, error as Error);
  }
  if (!held) return admitted();
  held.then(admitted, (error: Error) => cb(error));
}

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
  // An injected dgram module (tests) always gets sockets of its own.
  const pool = options.dgram ? undefined : options.pool;
  return {
    createSocket: (type) =>
      new ConnectedSocket(pool ? pool.take(type) : new Carrier((options.dgram ?? dgram).createSocket(type)), type, target, options, pool),
  };
}

/**
 * Hands one reply to net-snmp's listener. An unsigned value wider than 32 bits (which net-snmp
 * would wrap) and anything the listener throws go to `onUndecodable`: net-snmp throws on some
 * malformed replies, and thrown inside a socket listener that would end the whole process and
 * every other unit's audit with it.
 */
export function handReply(
  msg: Buffer,
  rinfo: dgram.RemoteInfo,
  options: Pick<ConnectedDgramOptions, 'peek' | 'onUndecodable'>,
  listener: ((msg: Buffer, rinfo: dgram.RemoteInfo) => void) | undefined,
): void {
  options.peek?.(msg);
  const oversized = oversizedUnsigned(msg);
  if (oversized) {
    options.onUndecodable?.(new Error(oversized));
    return;
  }
  try {
    listener?.(msg, rinfo);
  } catch (error) {
    options.onUndecodable?.(error);
  }
}
