import { createRequire } from 'node:module';
import { EventEmitter } from 'node:events';
import snmp from 'net-snmp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoFleet } from '../../tools/simulator/fleet.js';
import { startFleet, type RunningFleet } from '../../tools/simulator/server.js';
import { SIM_V3_USERS } from '../../tools/simulator/v3-users.js';
import { OBJECTS } from '../../src/poll/oid-map.js';
import { testPort } from '../helpers/test-net.js';

// Canary: src/snmp/ relies on three things net-snmp does not promise in its typings or docs.
// package.json pins net-snmp to one exact version; when an upgrade changes any of these, this
// file fails and its message names the internal, before a scan misbehaves in the field.
//   1. `session.reqCount`: requests still on the session's books (session.ts gives a socket back
//      without closing when it is 0).
//   2. `session.msgSecurityParameters`: set from an SNMPv3 unit's first Report (discovery done).
//   3. `dgramModule.createSocket(type)`: called exactly once per session, the socket then used for
//      every send (connected-dgram.ts hands out connected, pooled sockets this way).

const require = createRequire(import.meta.url);
const PINNED = '3.29.2';
const PORT = testPort('snmp/net-snmp-internals');
const HOST = '127.0.90.1';

/** A dgram module whose one socket records what net-snmp does with it and never answers. */
function recordingDgram() {
  const created: string[] = [];
  const sent: Buffer[] = [];
  const socket = Object.assign(new EventEmitter(), {
    unref: () => socket,
    ref: () => socket,
    bind: () => socket,
    close: () => socket.emit('close'),
    send: (buf: Buffer, _o: number, _l: number, _p: number, _h: string, cb?: (e?: Error) => void) => {
      sent.push(Buffer.from(buf));
      cb?.();
    },
  });
  return { created, sent, module: { createSocket: (type: string) => (created.push(type), socket) } };
}

describe(`net-snmp internals src/snmp relies on (pinned ${PINNED})`, () => {
  it('is the pinned version', () => {
    const installed = (require('net-snmp/package.json') as { version: string }).version;
    const declared = (require('../../package.json') as { dependencies: Record<string, string> }).dependencies['net-snmp'];
    expect(declared, 'package.json must pin net-snmp exactly: its internals are read').toBe(PINNED);
    expect(installed, `net-snmp ${installed} is installed; re-check the internals in this file, then move the pin`).toBe(PINNED);
  });

  it('dgramModule.createSocket is called once per session, and every request goes out on that socket', () => {
    const d = recordingDgram();
    const session = snmp.createSession(HOST, 'public', { port: PORT, timeout: 60_000, retries: 0, dgramModule: d.module } as never);
    expect(d.created, 'internal: dgramModule.createSocket(transport) once per session').toEqual(['udp4']);
    session.get([OBJECTS.sysDescr.oid], () => undefined);
    session.get([OBJECTS.sysName.oid], () => undefined);
    expect(d.created, 'internal: no second socket for a second request').toEqual(['udp4']);
    expect(d.sent, 'internal: requests are sent through the dgramModule socket').toHaveLength(2);
    session.close();
  });

  it('reqCount counts the requests still on the books', () => {
    const d = recordingDgram();
    const session = snmp.createSession(HOST, 'public', { port: PORT, timeout: 60_000, retries: 0, dgramModule: d.module } as never);
    const internals = session as unknown as { reqCount?: unknown };
    expect(internals.reqCount, 'internal: session.reqCount is 0 on a new session').toBe(0);
    session.get([OBJECTS.sysDescr.oid], () => undefined);
    expect(internals.reqCount, 'internal: session.reqCount counts an outstanding request').toBe(1);
    session.close();
  });

  describe('msgSecurityParameters after SNMPv3 discovery', () => {
    let fleet: RunningFleet | undefined;
    const unit = { ...demoFleet({ port: PORT })[0]!, name: 'canary-v3', host: HOST, v3: { users: [SIM_V3_USERS.sha] } };
    beforeAll(async () => {
      fleet = await startFleet([unit]);
    });
    afterAll(() => fleet?.stop());

    it('is absent before the first request and set once the unit has answered', async () => {
      const u = SIM_V3_USERS.sha;
      const session = snmp.createV3Session(
        HOST,
        { name: u.user, level: snmp.SecurityLevel.authNoPriv, authProtocol: snmp.AuthProtocols.sha, authKey: u.authKey },
        { port: PORT, timeout: 2000, retries: 0, version: snmp.Version3 } as never,
      );
      const internals = session as unknown as { msgSecurityParameters?: { msgAuthoritativeEngineID?: unknown } };
      expect(internals.msgSecurityParameters, 'internal: session.msgSecurityParameters undefined before discovery').toBeUndefined();
      await new Promise<void>((resolve, reject) => session.get([OBJECTS.sysName.oid], (e) => (e ? reject(e) : resolve())));
      expect(Buffer.isBuffer(internals.msgSecurityParameters?.msgAuthoritativeEngineID), 'internal: session.msgSecurityParameters.msgAuthoritativeEngineID after discovery').toBe(true);
      session.close();
    });
  });
});
