// Puts a simulated fleet on the wire: one UDP socket per unit on its loopback address.
//
// One net-snmp Agent per unit. An Agent dispatches every datagram from all its sockets
// (`onMsg(socket, ...)`) against a single Mib and a single community list, so units with
// different values or communities cannot share one without swapping its Mib per datagram.
// The per-unit cost beyond the Mib (which each unit needs anyway) and the socket is a few
// small objects.

import dgram from 'node:dgram';
import snmp from 'net-snmp';
import { CounterState, FleetGauge, sumCounters, type UnitCounters } from './counters.js';
import { FD_HEADROOM, fileLimit, type FileLimit } from '../../src/scan/fd-limit.js';
import type { SimUnit } from './fleet.js';
import { isLoopbackV4 } from './loopback.js';
import { peekMessage } from './pdu-peek.js';
import { unitVarbinds } from './profiles.js';
import { v3Endpoint } from './v3-users.js';
import { buildMib, type MibRequest } from './varbind-mib.js';

export interface RunningFleet {
  readonly units: readonly SimUnit[];
  /** Counters of one unit, by unit or name. Throws for a unit not in this fleet. */
  counters(unit: SimUnit | string): UnitCounters;
  /** All units added up (peakInFlight: the highest of any unit). */
  totals(): UnitCounters;
  /** Most requests held by the whole fleet at once (answering units only; needs latencyMs > 0 to mean much). */
  fleetPeakInFlight(): number;
  resetCounters(): void;
  /** Closes every socket. Safe to call more than once. */
  stop(): Promise<void>;
}

/** The part of net-snmp's (untyped) Agent used here. */
interface NetSnmpAgent {
  getAuthorizer(): { addCommunity(community: string): void };
  close(callback?: () => void): void;
}

/** One unit on the wire, whatever its behaviour. */
interface Live {
  readonly unit: SimUnit;
  readonly counters: CounterState;
  close(): Promise<void>;
}

function key(unit: Pick<SimUnit, 'host' | 'port'>): string {
  return `${unit.host}:${unit.port}`;
}

/** Holds answers back by `ms`: one timer per burst, since net-snmp calls every varbind's handler at once. */
class Delay {
  private pending: MibRequest[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly ms: number) {}

  readonly handler = (request: MibRequest): void => {
    this.pending.push(request);
    this.timer ??= setTimeout(() => {
      const due = this.pending;
      this.pending = [];
      this.timer = undefined;
      for (const r of due) r.done();
    }, this.ms);
  };

  /** Drops held answers: their socket is closing, and sending on it would throw. */
  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = [];
  }
}

/** Resolves once the socket is bound; rejects with the bind error in plain words. */
function bound(socket: dgram.Socket, unit: SimUnit): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      socket.off('listening', onListening);
      const why =
        error.code === 'EMFILE' || error.code === 'ENFILE'
          ? describeFdBudget(fileLimit(), 1)
          : error.code === 'EADDRINUSE'
            ? 'something else is already bound there'
            : error.code === 'EACCES'
              ? 'ports below 1024 need privileges; use a high port'
              : error.message;
      reject(new Error(`simulator: cannot bind ${key(unit)} for unit ${unit.name}: ${error.code ?? 'error'}: ${why}`));
    };
    const onListening = () => {
      socket.off('error', onError);
      resolve();
    };
    socket.once('error', onError);
    socket.once('listening', onListening);
  });
}

function closeSocket(socket: dgram.Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve(); // already closed
    }
  });
}

function startSilent(unit: SimUnit): { live: Live; ready: Promise<void> } {
  const counters = new CounterState();
  const socket = dgram.createSocket('udp4');
  socket.on('message', (datagram) => counters.received(peekMessage(datagram), undefined));
  const ready = bound(socket, unit);
  socket.bind(unit.port, unit.host);
  return { live: { unit, counters, close: () => closeSocket(socket) }, ready };
}

function startAgent(unit: SimUnit, gauge: FleetGauge): { live: Live; ready: Promise<void> } {
  const counters = new CounterState(gauge);
  const delay = unit.latencyMs ? new Delay(unit.latencyMs) : undefined;
  let mib: ReturnType<typeof buildMib>;
  try {
    mib = buildMib(unitVarbinds(unit.description), delay?.handler);
  } catch (error) {
    throw new Error(`simulator: unit ${unit.name}: ${error instanceof Error ? error.message : String(error)}`);
  }
  let socket: dgram.Socket | undefined;
  const v3 = unit.v3 ? v3Endpoint(unit.v3) : undefined;
  // net-snmp's listener takes a dgram-compatible module; this one hands us the socket it makes.
  const dgramModule = {
    createSocket(type: dgram.SocketType) {
      socket = dgram.createSocket(type);
      return v3 ? v3.gate(socket) : socket;
    },
  };
  // The agent's callback runs once per answered request, and for every dropped one with an error.
  const onAgentEvent = (error: Error | null) => {
    if (!error) counters.settled(true);
    else if (error.name !== 'RequestFailedError') counters.settled(false); // not a community rejection
  };
  const agent = snmp.createAgent(
    { address: unit.host, port: unit.port, transport: 'udp4', dgramModule },
    onAgentEvent,
    mib,
  ) as NetSnmpAgent;
  agent.getAuthorizer().addCommunity(unit.acceptedCommunity);
  v3?.attach(agent);
  if (!socket) throw new Error('simulator: net-snmp did not create its socket through dgramModule');
  const s: dgram.Socket = socket;
  // Before the agent's own listener, so a request is counted before it can be answered.
  s.prependListener('message', (datagram) => {
    counters.received(peekMessage(datagram), unit.acceptedCommunity);
  });
  const close = () =>
    new Promise<void>((resolve) => {
      delay?.cancel();
      try {
        agent.close(() => resolve());
      } catch {
        resolve(); // already closed
      }
    });
  return { live: { unit, counters, close }, ready: bound(s, unit) };
}

function checkFleet(units: readonly SimUnit[]): void {
  const seen = new Set<string>();
  const names = new Set<string>();
  for (const u of units) {
    // Simulated units live on loopback only; nothing here may listen on a real interface.
    if (!isLoopbackV4(u.host)) throw new Error(`simulator: unit ${u.name}: ${u.host} is not a 127.0.0.0/8 address`);
    if (!Number.isInteger(u.port) || u.port < 1 || u.port > 65535) throw new Error(`simulator: unit ${u.name}: bad port ${u.port}`);
    if (seen.has(key(u))) throw new Error(`simulator: two units on ${key(u)}`);
    if (names.has(u.name)) throw new Error(`simulator: two units named ${u.name}`);
    seen.add(key(u));
    names.add(u.name);
  }
  const sockets = units.filter((u) => u.behaviour !== 'closed').length;
  const budget = fileLimit();
  // Leave room for the client side and Node's own descriptors.
  if (budget.known && budget.open + sockets + FD_HEADROOM > budget.soft) {
    throw new Error(`simulator: cannot start ${units.length} units: ${describeFdBudget(budget, sockets)}`);
  }
}

/** Words for an error: the limit, what is open, what was asked. */
function describeFdBudget(budget: FileLimit, wanted: number): string {
  if (!budget.known) return `the process file-descriptor limit (see 'ulimit -n') is too low for ${wanted} sockets`;
  return (
    `this process may open at most ${budget.soft} files (soft limit, 'ulimit -n'), ` +
    `${budget.open} are already open, and the fleet needs ${wanted} UDP sockets (one per unit)`
  );
}

/**
 * Binds every unit on its loopback address and resolves when all are listening. On any
 * failure, closes what was opened and rejects with the first error.
 */
export async function startFleet(units: readonly SimUnit[]): Promise<RunningFleet> {
  checkFleet(units);
  const live: Live[] = [];
  const readiness: Promise<void>[] = [];
  const closedCounters = new Map<string, CounterState>();
  const gauge = new FleetGauge();
  const stopAll = () => Promise.all(live.map((l) => l.close())).then(() => undefined);
  try {
    for (const unit of units) {
      if (unit.behaviour === 'closed') {
        closedCounters.set(unit.name, new CounterState());
        continue;
      }
      const started = unit.behaviour === 'silent' ? startSilent(unit) : startAgent(unit, gauge);
      live.push(started.live);
      readiness.push(started.ready);
    }
    await Promise.all(readiness);
  } catch (error) {
    // Let every bind settle first, so no socket is still opening when we close.
    await Promise.allSettled(readiness);
    await stopAll();
    throw error;
  }

  const byName = new Map<string, CounterState>(closedCounters);
  for (const l of live) byName.set(l.unit.name, l.counters);
  let stopped: Promise<void> | undefined;
  return {
    units,
    counters(unit) {
      const name = typeof unit === 'string' ? unit : unit.name;
      const c = byName.get(name);
      if (!c) throw new Error(`simulator: no unit named ${name} in this fleet`);
      return c.snapshot();
    },
    totals: () => sumCounters([...byName.values()].map((c) => c.snapshot())),
    fleetPeakInFlight: () => gauge.peak,
    resetCounters: () => {
      byName.forEach((c) => c.reset());
      gauge.reset();
    },
    stop: () => (stopped ??= stopAll()),
  };
}
