import dgram from 'node:dgram';
import { admitSend, handReply, type ConnectedDgramOptions, type SendCallback, type UdpTarget } from './connected-dgram.js';

// One real UDP socket shared by many units, for sweeps. net-snmp is handed a per-unit object
// (SharedUnitSocket) that sends through the shared socket and receives the replies whose
// source address and port are the unit's: a silent address then costs a timer, not a socket,
// a descriptor and an ephemeral port. The price: an unconnected socket never hears ICMP "port
// unreachable" (Linux reports it on connected sockets only), so a closed port looks silent;
// and any host could send a datagram in the unit's name (as with every unconnected SNMP
// manager). Units with a connected socket of their own (connected-dgram.ts) keep both.

/** What listens on the shared socket for one address and port: a unit's net-snmp session, or a probe (probe.ts). */
export interface SharedListener {
  /** A datagram from the address and port listened to. */
  deliver(msg: Buffer, rinfo: dgram.RemoteInfo): void;
  /** The shared socket itself failed: nothing more will arrive. */
  failed(error: Error): void;
}

/** Asked of the kernel for bursts of answers (it caps this at net.core.rmem_max). */
const RECEIVE_BUFFER_BYTES = 8 * 1024 * 1024;

/**
 * The shared IPv4 socket of one scan and the units listening on it, by address and port.
 * Units with the same address and port (a target listed twice) all see each reply; each
 * net-snmp session drops request ids it did not send. close() when the scan ends.
 */
export class SharedSocket {
  private socket: dgram.Socket | undefined;
  /**
   * Listeners by port, then by address: the address is the target's own string, so a sweep's
   * silent address adds no key of its own (a port is one Map for all its addresses).
   */
  private readonly units = new Map<number, Map<string, SharedListener | SharedListener[]>>();
  private failure: Error | undefined;
  private closed = false;
  private units_ = 0;

  /** Units attached now. */
  get attached(): number {
    return this.units_;
  }

  /** Whether a unit at this address can use the shared socket (IPv4 literals only: replies are matched by their source text). */
  static fits(family: 4 | 6): boolean {
    return family === 4;
  }

  private open(): dgram.Socket {
    if (this.socket) return this.socket;
    const s = dgram.createSocket('udp4');
    s.on('message', (msg: Buffer, rinfo: dgram.RemoteInfo) => this.dispatch(msg, rinfo));
    s.on('error', (error: Error) => {
      this.failure ??= error;
      for (const u of this.everyUnit()) u.failed(error);
    });
    s.on('listening', () => {
      try {
        s.setRecvBufferSize(RECEIVE_BUFFER_BYTES);
      } catch {
        // the kernel's limit stands
      }
    });
    // Timers of the requests in flight keep the process alive; the socket itself never does.
    s.unref();
    s.bind(0);
    this.socket = s;
    return s;
  }

  private *everyUnit(): Iterable<SharedListener> {
    for (const byAddress of [...this.units.values()]) {
      for (const v of [...byAddress.values()]) {
        if (Array.isArray(v)) yield* [...v];
        else yield v;
      }
    }
  }

  private dispatch(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const v = this.units.get(rinfo.port)?.get(rinfo.address);
    if (v === undefined) return;
    if (!Array.isArray(v)) return v.deliver(msg, rinfo);
    for (const u of [...v]) u.deliver(msg, rinfo);
  }

  attach(u: SharedListener, target: UdpTarget): void {
    let byAddress = this.units.get(target.port);
    if (byAddress === undefined) this.units.set(target.port, (byAddress = new Map()));
    const key = target.address;
    const v = byAddress.get(key);
    this.units_++;
    if (v === undefined) byAddress.set(key, u);
    else if (Array.isArray(v)) v.push(u);
    else byAddress.set(key, [v, u]);
  }

  detach(u: SharedListener, target: UdpTarget): void {
    const byAddress = this.units.get(target.port);
    const key = target.address;
    const v = byAddress?.get(key);
    if (byAddress === undefined || v === undefined) return;
    if (v === u) {
      byAddress.delete(key);
      this.units_--;
    } else if (Array.isArray(v)) {
      const i = v.indexOf(u);
      if (i < 0) return;
      v.splice(i, 1);
      this.units_--;
      if (v.length === 1) byAddress.set(key, v[0]!);
    }
    if (byAddress.size === 0) this.units.delete(target.port);
  }

  send(buf: Buffer, offset: number, length: number, target: UdpTarget, cb: (error: Error | null) => void): void {
    if (this.closed) return process.nextTick(cb, new Error('socket closed'));
    if (this.failure) return process.nextTick(cb, this.failure);
    try {
      this.open().send(buf, offset, length, target.port, target.address, cb);
    } catch (error) {
      process.nextTick(cb, error as Error);
    }
  }

  close(): void {
    this.closed = true;
    try {
      this.socket?.close();
    } catch {
      // already closed
    }
    this.socket = undefined;
  }
}

type Listener = (...args: never[]) => void;

/** What net-snmp's Session sees for one unit on the shared socket (the same calls as ConnectedSocket). */
export class SharedUnitSocket implements SharedListener {
  private closed = false;
  private onMessage: ((msg: Buffer, rinfo: dgram.RemoteInfo) => void) | undefined;
  private onClose: (() => void) | undefined;

  constructor(
    private readonly shared: SharedSocket,
    private readonly target: UdpTarget,
    private readonly options: ConnectedDgramOptions,
  ) {
    shared.attach(this, target);
  }

  on(event: string, listener: Listener): this {
    if (event === 'message') this.onMessage = listener as unknown as typeof this.onMessage;
    else if (event === 'close') this.onClose = listener as unknown as typeof this.onClose;
    return this;
  }

  deliver(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    if (this.closed) return;
    handReply(msg, rinfo, this.options, this.onMessage);
  }

  failed(error: Error): void {
    this.options.onError(error as NodeJS.ErrnoException);
  }

  send(buf: Buffer, offset: number, length: number, port: number, address: string, cb: SendCallback): void {
    admitSend(this.target, this.options, port, address, cb, () =>
      this.closed ? process.nextTick(cb, new Error('socket closed')) : this.shared.send(buf, offset, length, this.target, cb),
    );
  }

  close(callback?: () => void): this {
    if (!this.release()) return this;
    callback?.();
    this.onClose?.();
    return this;
  }

  /** Stops listening without telling net-snmp (see ConnectedSocket.release). False if already closed. */
  release(): boolean {
    if (this.closed) return false;
    this.closed = true;
    this.shared.detach(this, this.target);
    return true;
  }

  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }

  bind(): this {
    throw new Error('a unit on the shared socket does not bind');
  }
}
