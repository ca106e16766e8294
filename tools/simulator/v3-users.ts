// SNMPv3 for simulated units: the test users, and a USM front that answers security errors
// the way RFC 3414 §3.2 says an agent should. net-snmp's own agent reports only unknown
// user names (and a missing digest as a wrong one); a wrong key, a level the user does not
// have or an undecryptable PDU it drops in silence. Real cards differ, so a unit can also
// be told to drop them (`usmErrors: 'drop'`).

import type dgram from 'node:dgram';
import { BerReader as Reader } from './ber-reader.js';
import snmp from 'net-snmp';
import type { V3Credentials } from '../../src/targets/target.js';

/**
 * Test users, one per level and per protocol. The keys are fixtures, not secrets; tests
 * use them to prove keys never reach a report. AES-256 users authenticate with SHA-1, whose
 * 20-byte key must be extended to 32 bytes: the only case where the Blumenthal and Reeder
 * variants differ.
 */
export const SIM_V3_USERS = {
  noAuth: { version: '3', level: 'noAuthNoPriv', user: 'sim-noauth' },
  md5: { version: '3', level: 'authNoPriv', user: 'sim-md5', authProtocol: 'md5', authKey: 'sim-md5-auth-key' },
  sha: { version: '3', level: 'authNoPriv', user: 'sim-sha', authProtocol: 'sha', authKey: 'sim-sha1-auth-key' },
  sha224: { version: '3', level: 'authNoPriv', user: 'sim-sha224', authProtocol: 'sha224', authKey: 'sim-sha224-auth-key' },
  sha256: { version: '3', level: 'authNoPriv', user: 'sim-sha256', authProtocol: 'sha256', authKey: 'sim-sha256-auth-key' },
  sha384: { version: '3', level: 'authNoPriv', user: 'sim-sha384', authProtocol: 'sha384', authKey: 'sim-sha384-auth-key' },
  sha512: { version: '3', level: 'authNoPriv', user: 'sim-sha512', authProtocol: 'sha512', authKey: 'sim-sha512-auth-key' },
  aes: {
    version: '3',
    level: 'authPriv',
    user: 'sim-aes',
    authProtocol: 'sha256',
    authKey: 'sim-aes-auth-key',
    privProtocol: 'aes',
    privKey: 'sim-aes128-priv-key',
  },
  aes256b: {
    version: '3',
    level: 'authPriv',
    user: 'sim-aes256b',
    authProtocol: 'sha',
    authKey: 'sim-aes256b-auth-key',
    privProtocol: 'aes256b',
    privKey: 'sim-aes256b-priv-key',
  },
  aes256r: {
    version: '3',
    level: 'authPriv',
    user: 'sim-aes256r',
    authProtocol: 'sha',
    authKey: 'sim-aes256r-auth-key',
    privProtocol: 'aes256r',
    privKey: 'sim-aes256r-priv-key',
  },
  // MD5 + DES: what older APC cards offer.
  des: {
    version: '3',
    level: 'authPriv',
    user: 'sim-des',
    authProtocol: 'md5',
    authKey: 'sim-des-auth-key',
    privProtocol: 'des',
    privKey: 'sim-des-priv-key',
  },
} as const satisfies Record<string, V3Credentials>;

export type SimV3UserName = keyof typeof SIM_V3_USERS;

/** Every test user, for a unit that should accept them all. */
export const ALL_SIM_V3_USERS: readonly V3Credentials[] = Object.values(SIM_V3_USERS);

/** What a simulated unit does for SNMPv3 besides its community. */
export interface SimV3 {
  readonly users: readonly V3Credentials[];
  /**
   * `report` (default): answer USM errors with the RFC 3414 Report PDU. `drop`: drop the
   * request without a word, like agents that never report (the client then times out).
   */
  readonly usmErrors?: 'report' | 'drop';
}

/** RFC 3414 usmStats counters (1.3.6.1.6.3.15.1.1.N.0). */
export const USM_STATS = {
  unsupportedSecLevels: 1,
  notInTimeWindows: 2,
  unknownUserNames: 3,
  unknownEngineIDs: 4,
  wrongDigests: 5,
  decryptionErrors: 6,
} as const;
export type UsmStat = keyof typeof USM_STATS;

/** The agent's engine as net-snmp keeps it (not in its typings). */
interface AgentEngine {
  readonly engineID: Buffer;
  readonly engineBoots: number;
  readonly engineTime: number;
}

/** net-snmp's dispatcher over its DES and AES routines (exported, missing from its typings). */
interface NetSnmpDecrypt {
  decryptPdu(
    privProtocol: snmp.PrivProtocols,
    encrypted: Buffer,
    salt: Buffer,
    privKey: string,
    authProtocol: snmp.AuthProtocols,
    engine: { engineID: Buffer; engineBoots: number; engineTime: number },
  ): Buffer;
}

interface V3Agent {
  readonly engine: AgentEngine;
  getAuthorizer(): { addUser(user: snmp.User): void };
}

/** The agent's user object, built from names rather than the client's table, so a mapping slip on one side shows. */
function agentUser(c: V3Credentials): snmp.User {
  const user: snmp.User = { name: c.user, level: snmp.SecurityLevel[c.level] };
  if (c.level === 'noAuthNoPriv') return user;
  user.authProtocol = snmp.AuthProtocols[c.authProtocol];
  user.authKey = c.authKey;
  if (c.level === 'authPriv') {
    user.privProtocol = snmp.PrivProtocols[c.privProtocol];
    user.privKey = c.privKey;
  }
  return user;
}

// --- BER, just what a v3 header and a Report need (reading: ber-reader.ts) ------------

function encodeLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

const tlv = (tag: number, ...content: Buffer[]) => {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), encodeLength(body.length), body]);
};

/** Non-negative INTEGER (or Counter32 with tag 0x41) in the fewest octets. */
function unsigned(n: number, tag = 0x02): Buffer {
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  if (bytes.length === 0 || bytes[0]! & 0x80) bytes.unshift(0);
  return tlv(tag, Buffer.from(bytes));
}

function objectId(dotted: string): Buffer {
  const arcs = dotted.split('.').map(Number);
  const out = [40 * arcs[0]! + arcs[1]!];
  for (const arc of arcs.slice(2)) {
    const groups: number[] = [];
    for (let v = arc; ; v = Math.floor(v / 128)) {
      groups.unshift((v & 0x7f) | (groups.length ? 0x80 : 0));
      if (v < 128) break;
    }
    out.push(...groups);
  }
  return tlv(0x06, Buffer.from(out));
}

const seq = (...content: Buffer[]) => tlv(0x30, ...content);
const octets = (b: Buffer | string) => tlv(0x04, typeof b === 'string' ? Buffer.from(b) : b);

/** An unauthenticated Report carrying one usmStats counter, as RFC 3412 §7.1 step 3 builds it. */
function reportMessage(engine: AgentEngine, msgID: number, requestID: number, stat: UsmStat, count: number): Buffer {
  const varbind = seq(objectId(`1.3.6.1.6.3.15.1.1.${USM_STATS[stat]}.0`), unsigned(count, 0x41));
  const pdu = tlv(0xa8, unsigned(requestID), unsigned(0), unsigned(0), seq(varbind));
  const security = seq(octets(engine.engineID), unsigned(engine.engineBoots), unsigned(engine.engineTime), octets(''), octets(''), octets(''));
  const header = seq(unsigned(msgID), unsigned(65507), octets(Buffer.from([0])), unsigned(3));
  return seq(unsigned(3), header, octets(security), seq(octets(engine.engineID), octets(''), pdu));
}

// --- The USM checks ----------------------------------------------------------------------

const FLAG_AUTH = 1;
const FLAG_PRIV = 2;
const FLAG_REPORTABLE = 4;

type Decision = { readonly pass: true } | { readonly pass: false; readonly report?: { msgID: number; requestID: number; stat: UsmStat } };
const PASS: Decision = { pass: true };

/** request-id of a plaintext scopedPDU (0 when it cannot be read), or undefined when it is not one. */
function scopedRequestId(r: Reader): number | undefined {
  try {
    const scoped = r.sub(r.header(0x30).length);
    scoped.octets(); // contextEngineID
    scoped.octets(); // contextName
    const { tag } = scoped.header();
    if (tag < 0xa0 || tag > 0xa8) return undefined;
    return scoped.integer();
  } catch {
    return undefined;
  }
}

/**
 * RFC 3414 §3.2, in its order: engine ID, user, security level, digest, then decryption.
 * The time window (step 7) is not checked: net-snmp's agent keeps a fixed engine time.
 * Anything that is not a readable v3 USM message goes to the agent as it is.
 */
function decide(datagram: Buffer, users: ReadonlyMap<string, V3Credentials>, engine: AgentEngine): Decision {
  let msgID: number, flags: number, engineID: Buffer, userName: string, digest: Buffer, salt: Buffer, body: Reader, boots: number, time: number;
  const message = Buffer.from(datagram); // the digest is zeroed in place while checked
  try {
    const r = new Reader(message);
    r.header(0x30);
    if (r.integer() !== 3) return PASS;
    const header = r.sub(r.header(0x30).length);
    msgID = header.integer();
    header.integer(); // msgMaxSize
    const f = header.octets();
    if (f.length !== 1 || header.integer() !== 3) return PASS;
    flags = f[0]!;
    const security = new Reader(r.octets());
    security.header(0x30);
    engineID = security.octets();
    boots = security.integer();
    time = security.integer();
    userName = security.octets().toString('utf8');
    digest = security.octets();
    salt = Buffer.from(security.octets());
    body = r;
  } catch {
    return PASS;
  }
  const reportable = (flags & FLAG_REPORTABLE) !== 0;
  const plainId = () => (flags & FLAG_PRIV ? 0 : (scopedRequestId(new Reader(message, body.pos)) ?? 0));
  const fail = (stat: UsmStat): Decision => ({ pass: false, ...(reportable ? { report: { msgID, requestID: plainId(), stat } } : {}) });

  // RFC 3412 §7.2 step 5: privacy without authentication is invalid, dropped unreported.
  if (flags & FLAG_PRIV && !(flags & FLAG_AUTH)) return { pass: false };
  // Discovery (empty engine ID and user): the agent answers it itself.
  if (engineID.length === 0 && userName === '' && !(flags & FLAG_AUTH)) return PASS;
  if (!engineID.equals(engine.engineID)) return fail('unknownEngineIDs');
  const user = users.get(userName);
  if (!user) return fail('unknownUserNames');
  // Each simulated user accepts exactly its own level. RFC 3414 requires the report for a
  // level above the user's; below it, agents differ (Net-SNMP's access control answers
  // authorizationError, net-snmp's agent reports a wrong digest).
  const wanted = flags & FLAG_PRIV ? 'authPriv' : flags & FLAG_AUTH ? 'authNoPriv' : 'noAuthNoPriv';
  if (wanted !== user.level) return fail('unsupportedSecLevels');
  if (user.level === 'noAuthNoPriv') return PASS;
  if (!snmp.Authentication.isAuthentic(message, snmp.AuthProtocols[user.authProtocol], user.authKey, engineID, digest)) return fail('wrongDigests');
  if (user.level !== 'authPriv') return PASS;
  try {
    const encrypted = body.octets();
    const plain = (snmp.Encryption as unknown as NetSnmpDecrypt).decryptPdu(
      snmp.PrivProtocols[user.privProtocol],
      encrypted,
      salt,
      user.privKey,
      snmp.AuthProtocols[user.authProtocol],
      { engineID, engineBoots: boots, engineTime: time },
    );
    // A wrong key yields noise: it must still read as a scopedPDU to count as decrypted.
    if (scopedRequestId(new Reader(plain)) === undefined) return fail('decryptionErrors');
  } catch {
    return fail('decryptionErrors');
  }
  return PASS;
}

export interface V3Endpoint {
  /** Wraps the socket handed to net-snmp's listener so it sees only what passes the USM checks. */
  gate(socket: dgram.Socket): dgram.Socket;
  /** Adds the users to the agent and takes its engine (call right after createAgent). */
  attach(agent: object): void;
  /** Reports sent, by counter. */
  reports(): Readonly<Record<UsmStat, number>>;
}

/** SNMPv3 for one simulated unit. */
export function v3Endpoint(config: SimV3): V3Endpoint {
  const users = new Map(config.users.map((u) => [u.user, u]));
  const sent: Record<UsmStat, number> = {
    unsupportedSecLevels: 0,
    notInTimeWindows: 0,
    unknownUserNames: 0,
    unknownEngineIDs: 0,
    wrongDigests: 0,
    decryptionErrors: 0,
  };
  let engine: AgentEngine | undefined;

  const filter = (socket: dgram.Socket, listener: (datagram: Buffer, rinfo: dgram.RemoteInfo) => void) => (datagram: Buffer, rinfo: dgram.RemoteInfo) => {
    const decision = engine ? decide(datagram, users, engine) : PASS;
    if (decision.pass) return listener(datagram, rinfo);
    if (config.usmErrors === 'drop' || !decision.report || !engine) return;
    const { msgID, requestID, stat } = decision.report;
    socket.send(reportMessage(engine, msgID, requestID, stat, ++sent[stat]), rinfo.port, rinfo.address);
  };

  return {
    gate(socket) {
      // A proxy rather than a patched socket: the server's own listeners stay unfiltered.
      return new Proxy(socket, {
        get(target, property) {
          if (property === 'on' || property === 'addListener') {
            return (event: string, listener: (...args: any[]) => void) =>
              target.on(event, event === 'message' ? filter(target, listener) : listener);
          }
          const value: unknown = Reflect.get(target, property, target);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
    },
    attach(agent) {
      const a = agent as V3Agent;
      engine = a.engine;
      for (const u of config.users) a.getAuthorizer().addUser(agentUser(u));
    },
    reports: () => ({ ...sent }),
  };
}
