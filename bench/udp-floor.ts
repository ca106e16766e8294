// The benchmark's floor: the least any SNMP tool in Node must do to read these units. One GET
// for the 20 objects is encoded once (by net-snmp) and sent to every unit, each on a UDP
// socket connected to it, at most 1,000 at once (ats-audit's default concurrency); a unit is
// done when any datagram comes back. Nothing is decoded, judged or reported, so its wall time
// is start-up plus what the simulator needs to answer: no real tool can go below it.
//   node dist/bench/udp-floor.js TARGETS OUT
// TARGETS: host:port per line. OUT: "host:port bytes" per unit that answered.

import dgram from 'node:dgram';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as NetSnmp from 'net-snmp';
import { FETCHED_OIDS } from './ground-truth.js';

const snmp = createRequire(import.meta.url)('net-snmp') as typeof NetSnmp;
const IN_FLIGHT = 1000;
const TIMEOUT_MS = 2000;

/** The GET net-snmp would send, captured from a session whose socket only records. */
function encodedGet(community: string): Buffer {
  let sent: Buffer | undefined;
  const recorder = {
    createSocket: () => ({
      on: () => undefined,
      send: (buf: Buffer) => void (sent = Buffer.from(buf)),
      close: () => undefined,
      ref: () => undefined,
      unref: () => undefined,
    }),
  };
  const session = snmp.createSession('127.0.0.1', community, { version: snmp.Version2c, dgramModule: recorder } as NetSnmp.SessionOptions);
  session.get([...FETCHED_OIDS], () => undefined);
  if (!sent) throw new Error('udp-floor: net-snmp sent nothing');
  return sent;
}

async function main(): Promise<void> {
  const [targetsFile, outFile] = process.argv.slice(2);
  if (!targetsFile || !outFile) throw new Error('usage: udp-floor TARGETS OUT');
  const targets = readFileSync(targetsFile, 'utf8').split('\n').filter(Boolean);
  const request = encodedGet(process.env.BENCH_COMMUNITY ?? 'public');
  const answered: string[] = [];
  let next = 0;
  let running = 0;
  await new Promise<void>((resolve) => {
    const startMore = () => {
      while (running < IN_FLIGHT && next < targets.length) {
        const endpoint = targets[next++]!;
        const colon = endpoint.lastIndexOf(':');
        const socket = dgram.createSocket('udp4');
        running++;
        let over = false;
        const finish = (bytes: number | undefined) => {
          if (over) return;
          over = true;
          clearTimeout(timer);
          socket.close();
          if (bytes !== undefined) answered.push(`${endpoint} ${bytes}\n`);
          running--;
          if (running === 0 && next >= targets.length) resolve();
          else startMore();
        };
        const timer = setTimeout(() => finish(undefined), TIMEOUT_MS);
        socket.on('message', (msg) => finish(msg.length));
        socket.on('error', () => finish(undefined));
        socket.connect(Number(endpoint.slice(colon + 1)), endpoint.slice(0, colon), () => socket.send(request));
      }
    };
    startMore();
    if (targets.length === 0) resolve();
  });
  writeFileSync(outFile, answered.join(''));
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error)?.message ?? String(e)}\n`);
  process.exitCode = 1;
});
