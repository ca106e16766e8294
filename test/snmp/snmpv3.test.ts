import { spawn } from 'node:child_process';
import { inspect } from 'node:util';
import snmp from 'net-snmp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBundledAdvisories } from '../../src/audit/advisory.js';
import type { AuditResult } from '../../src/audit/audit-result.js';
import { OBJECTS } from '../../src/poll/oid-map.js';
import { auditOne, type ScanOptions } from '../../src/scan/scan.js';
import { demoFleet, type SimUnit } from '../../tools/simulator/fleet.js';
import { startFleet, type RunningFleet } from '../../tools/simulator/server.js';
import { ALL_SIM_V3_USERS, SIM_V3_USERS, type SimV3UserName } from '../../tools/simulator/v3-users.js';
import { openSession, SnmpRequestError } from '../../src/snmp/session.js';
import {
  AUTH_PROTOCOLS,
  DES_UNAVAILABLE_REASON,
  desAvailable,
  ensureDes,
  LEGACY_PROVIDER_FLAG,
  legacyProviderRelaunch,
  legacyProviderRequested,
  PRIV_PROTOCOLS,
  translateV3Error,
  usesDes,
  v3User,
} from '../../src/snmp/v3.js';
import { secretsOf, V3_AUTH_PROTOCOLS, V3_PRIV_PROTOCOLS, type Credentials, type V3Credentials } from '../../src/targets/target.js';
import { testPort } from '../helpers/test-net.js';

// SNMPv3 end to end: credentials -> net-snmp -> simulated unit (USM front + net-snmp agent)
// -> auditOne -> the reason in the report. Loopback 127.0.67.0/24 only.
//
// DES needs OpenSSL's legacy provider, which cannot be loaded into a running Node: when
// this process lacks it, the DES test re-runs itself in a child vitest with
// NODE_OPTIONS=--openssl-legacy-provider. That child shifts every address by 100.

const CHILD = process.env.ATS_AUDIT_DES_CHILD === '1';
const PORT = testPort('snmp/snmpv3');
const host = (n: number) => `127.0.67.${n + (CHILD ? 100 : 0)}`;

const OPTIONS: ScanOptions = { timeoutMs: 500, retries: 0, concurrency: 1, advisories: loadBundledAdvisories() };

/** The demo fleet's loaded AP7722A (verdict at-risk) on an address of ours. */
function atsUnit(name: string, n: number, over: Partial<SimUnit> = {}): SimUnit {
  const template = demoFleet({ port: PORT })[0]!;
  return { ...template, name, host: host(n), ...over };
}

const reporting = atsUnit('v3-reporting', 1, { v3: { users: ALL_SIM_V3_USERS } });
const dropping = atsUnit('v3-dropping', 2, { v3: { users: ALL_SIM_V3_USERS, usmErrors: 'drop' } });
const silent = atsUnit('v3-silent', 3, { behaviour: 'silent' });
const closed = atsUnit('v3-closed', 4, { behaviour: 'closed' });

/** Every key any test uses, right or wrong: none may appear in a result or an error. */
const WRONG = {
  auth: 'not-the-right-auth-key',
  priv: 'not-the-right-priv-key',
};
const ALL_SECRETS = [...ALL_SIM_V3_USERS.flatMap((u) => secretsOf(u)), WRONG.auth, WRONG.priv];

function expectNoSecrets(text: string): void {
  for (const s of ALL_SECRETS) expect(text, 'a key leaked').not.toContain(s);
}

async function audit(unit: SimUnit, credentials: Credentials): Promise<AuditResult> {
  const result = await auditOne({ target: { host: unit.host, port: unit.port, origin: `test ${unit.name}` }, credentials }, OPTIONS);
  expectNoSecrets(JSON.stringify(result));
  return result;
}

const user = <N extends SimV3UserName>(name: N): (typeof SIM_V3_USERS)[N] => SIM_V3_USERS[name];

let fleet: RunningFleet;

describe('SNMPv3 against a simulated unit', () => {
  beforeAll(async () => {
    fleet = await startFleet([reporting, dropping, silent, closed]);
  });
  afterAll(() => fleet?.stop());

  it('maps every protocol name to a distinct net-snmp constant', () => {
    expect(new Set(V3_AUTH_PROTOCOLS.map((p) => AUTH_PROTOCOLS[p])).size).toBe(V3_AUTH_PROTOCOLS.length);
    expect(new Set(V3_PRIV_PROTOCOLS.map((p) => PRIV_PROTOCOLS[p])).size).toBe(V3_PRIV_PROTOCOLS.length);
    expect(v3User(user('aes256r'))).toMatchObject({ level: snmp.SecurityLevel.authPriv, authProtocol: snmp.AuthProtocols.sha, privProtocol: snmp.PrivProtocols.aes256r });
    expect(v3User(user('noAuth'))).toEqual({ name: 'sim-noauth', level: snmp.SecurityLevel.noAuthNoPriv });
  });

  it('audits with noAuthNoPriv', async () => {
    const r = await audit(reporting, user('noAuth'));
    expect(r.finding.verdict, r.finding.reason).toBe(reporting.expect.verdict);
  });

  it.each(['md5', 'sha', 'sha224', 'sha256', 'sha384', 'sha512'] as const)('audits with authNoPriv %s', async (name) => {
    const r = await audit(reporting, user(name));
    expect(r.finding.verdict, r.finding.reason).toBe(reporting.expect.verdict);
    expect(r.identity?.serial).toBe(reporting.description.serial);
  });

  it.each(['aes', 'aes256b', 'aes256r'] as const)('audits with authPriv %s', async (name) => {
    const r = await audit(reporting, user(name));
    expect(r.finding.verdict, r.finding.reason).toBe(reporting.expect.verdict);
  });

  it('costs one engine-discovery round trip per session, inside the first request', async () => {
    const session = openSession({
      address: reporting.host,
      family: 4,
      port: reporting.port,
      credentials: user('aes'),
      timeoutMs: 500,
      retries: 0,
    });
    fleet.resetCounters();
    try {
      expect(session.datagramsSent?.()).toBe(0);
      await session.get([OBJECTS.sysName.oid]);
      // Discovery, then the request.
      expect(session.datagramsSent?.()).toBe(2);
      await session.get([OBJECTS.sysDescr.oid]);
      await session.next(OBJECTS.atsOutputBankCurrent.column, 4);
      expect(session.datagramsSent?.()).toBe(4);
    } finally {
      session.close();
    }
    // pdu-peek cannot read v3 PDUs, so the server counts v3 datagrams under `other`.
    expect(fleet.counters(reporting).other).toBe(3 + 1);
  });

  it('a whole audit of a healthy unit is one GET plus discovery on the wire', async () => {
    fleet.resetCounters();
    const r = await audit(reporting, user('sha256'));
    expect(r.finding.verdict).toBe('at-risk');
    const wire = fleet.counters(reporting).other;
    expect(wire).toBe(2);
    // The poller counts its get/next calls plus the session's discovery: what went on the wire.
    expect(r.requests).toBe(wire);
  });

  describe('each failure gets its own reason', () => {
    const cases: ReadonlyArray<readonly [string, V3Credentials, string]> = [
      ['unknown user', { ...user('sha256'), user: 'nobody-here' }, 'SNMPv3: unknown user name'],
      ['wrong auth key', { ...user('sha256'), authKey: WRONG.auth }, 'SNMPv3: authentication failed or wrong key'],
      ['wrong auth protocol', { ...user('sha256'), authProtocol: 'sha512' }, 'SNMPv3: authentication failed or wrong key'],
      ['wrong auth key under authPriv', { ...user('aes'), authKey: WRONG.auth }, 'SNMPv3: authentication failed or wrong key'],
      [
        'authPriv asked of an authNoPriv user',
        { ...user('sha256'), level: 'authPriv', privProtocol: 'aes', privKey: WRONG.priv },
        'SNMPv3: security level not supported for this user (wrong level?)',
      ],
      [
        'authNoPriv asked of an authPriv user',
        { version: '3', level: 'authNoPriv', user: 'sim-aes', authProtocol: 'sha256', authKey: SIM_V3_USERS.aes.authKey },
        'SNMPv3: security level not supported for this user (wrong level?)',
      ],
      ['noAuthNoPriv asked of an authNoPriv user', { version: '3', level: 'noAuthNoPriv', user: 'sim-md5' }, 'SNMPv3: security level not supported for this user (wrong level?)'],
      [
        'authNoPriv asked of a noAuthNoPriv user',
        { version: '3', level: 'authNoPriv', user: 'sim-noauth', authProtocol: 'md5', authKey: WRONG.auth },
        'SNMPv3: security level not supported for this user (wrong level?)',
      ],
      ['wrong priv key', { ...user('aes'), privKey: WRONG.priv }, 'SNMPv3: decryption failed (wrong privacy key or protocol)'],
      ['AES-128 key used as AES-256', { ...user('aes'), privProtocol: 'aes256b' }, 'SNMPv3: decryption failed (wrong privacy key or protocol)'],
      // With SHA-1 the two AES-256 key extensions differ: mixing them up must fail.
      ['AES-256 Blumenthal used as Reeder', { ...user('aes256b'), privProtocol: 'aes256r' }, 'SNMPv3: decryption failed (wrong privacy key or protocol)'],
    ];

    it.each(cases)('%s', async (_, credentials, reason) => {
      const r = await audit(reporting, credentials);
      expect(r.finding.verdict).toBe('unreachable');
      expect(r.finding.reason).toBe(reason);
      for (const s of secretsOf(credentials)) expect(JSON.stringify(r)).not.toContain(s);
    });
  });

  describe('an agent that drops what it cannot authenticate or decrypt', () => {
    it('still audits with good credentials', async () => {
      const r = await audit(dropping, user('aes256r'));
      expect(r.finding.verdict, r.finding.reason).toBe('at-risk');
    });

    it.each([
      ['wrong priv key', { ...user('aes'), privKey: WRONG.priv }],
      ['wrong auth key', { ...user('sha'), authKey: WRONG.auth }],
      ['unknown user', { ...user('sha'), user: 'nobody-here' }],
    ] as const)('%s: says discovery worked and the request was ignored, not "host down"', async (_, credentials) => {
      const r = await audit(dropping, credentials);
      expect(r.finding.verdict).toBe('unreachable');
      expect(r.finding.reason).toMatch(/^SNMPv3: the unit answered engine discovery, then ignored the request/);
      expect(r.finding.reason).toMatch(/privacy key/);
    });
  });

  it('a unit that never answers is a plain timeout (discovery got nothing)', async () => {
    const r = await audit(silent, user('aes'));
    expect(r.finding.verdict).toBe('unreachable');
    expect(r.finding.reason).toMatch(/^no answer after 500 ms × 1 try/);
  });

  it('a closed port is told at once, through the same connected socket as v1/v2c', async () => {
    const session = openSession({ address: closed.host, family: 4, port: closed.port, credentials: user('aes'), timeoutMs: 5000, retries: 1 });
    const started = performance.now();
    const error = await session.get([OBJECTS.sysName.oid]).catch((e: unknown) => e);
    const ms = performance.now() - started;
    // Discovery never completed: the one datagram sent was discovery, not a second request.
    expect(session.datagramsSent?.()).toBe(1);
    session.close();
    expect(error).toBeInstanceOf(SnmpRequestError);
    expect(error).toMatchObject({ kind: 'refused', message: `no SNMP agent on port ${PORT} (port unreachable)` });
    // Not the 2 × 5 s × 2 tries a discovery plus request may take: the kernel's ICMP answer.
    expect(ms).toBeLessThan(1000);
    const r = await audit(closed, user('sha256'));
    expect(r.finding).toMatchObject({ verdict: 'unreachable', reason: `no SNMP agent on port ${PORT} (port unreachable)` });
    expect(r.requests).toBe(1);
  });

  it('an interrupted scan sends nothing more to a v3 unit', async () => {
    const interrupt = new AbortController();
    interrupt.abort();
    const session = openSession({
      address: reporting.host,
      family: 4,
      port: reporting.port,
      credentials: user('aes'),
      timeoutMs: 500,
      retries: 0,
      signal: interrupt.signal,
    });
    fleet.resetCounters();
    const error = await session.get([OBJECTS.sysName.oid]).catch((e: unknown) => e);
    session.close();
    expect(error).toMatchObject({ kind: 'interrupted' });
    expect(fleet.counters(reporting).other).toBe(0);
  });

  it('errors thrown by the session carry no key, in message, stack or inspection', async () => {
    const credentials: V3Credentials = { ...user('aes'), authKey: WRONG.auth, privKey: WRONG.priv };
    const session = openSession({ address: reporting.host, family: 4, port: reporting.port, credentials, timeoutMs: 500, retries: 0 });
    let caught: unknown;
    try {
      await session.get([OBJECTS.sysName.oid]);
    } catch (e) {
      caught = e;
    } finally {
      session.close();
    }
    expect(caught).toBeInstanceOf(SnmpRequestError);
    const e = caught as SnmpRequestError;
    expect(e.kind).toBe('failed');
    expect(e.message).toBe('SNMPv3: authentication failed or wrong key');
    expectNoSecrets(`${e.message}\n${e.stack}\n${JSON.stringify(e)}\n${inspect(e, { depth: 5, showHidden: true })}`);
  });

  it.skipIf(desAvailable())(`DES without the legacy provider: a clear reason, not an OpenSSL code${desAvailable() ? ' (skipped: this Node has DES without the legacy provider)' : ''}`, async () => {
    const r = await audit(reporting, user('des'));
    expect(r.finding.verdict).toBe('unreachable');
    expect(r.finding.reason).toBe(DES_UNAVAILABLE_REASON);
  });
});

describe('translateV3Error', () => {
  const secret = 'hunter2-secret-key';

  it('maps the failures the simulator cannot produce, never quoting net-snmp', () => {
    const cases: Array<[unknown, RegExp]> = [
      [new snmp.ResponseInvalidError('Not In Time Window', snmp.ResponseInvalidCode.EAuthFailure), /outside its time window.*retry/],
      [new snmp.ResponseInvalidError('Unknown Engine ID', snmp.ResponseInvalidCode.EAuthFailure), /engine ID.*retry/],
      [
        new snmp.ResponseInvalidError(`Authentication digest ${secret} received in message does not match`, snmp.ResponseInvalidCode.EAuthFailure, {
          user: { authKey: secret },
        }),
        /answer failed authentication/,
      ],
      [new snmp.ResponseInvalidError(`Failed to decrypt PDU: ${secret}`, snmp.ResponseInvalidCode.ECouldNotDecrypt), /could not decrypt the answer/],
      [new snmp.ResponseInvalidError(`outside the time window ${secret}`, 14 as snmp.ResponseInvalidCode), /outside the time window/],
      [new snmp.RequestFailedError('AuthorizationError', snmp.ErrorStatus.AuthorizationError as never), /refused access/],
      [Object.assign(new Error('error:0308010C:digital envelope routines::unsupported'), { code: 'ERR_OSSL_EVP_UNSUPPORTED' }), /--openssl-legacy-provider/],
    ];
    for (const [input, expected] of cases) {
      const e = translateV3Error(input);
      expect(e, String(input)).toBeInstanceOf(SnmpRequestError);
      expect(e!.message).toMatch(expected);
      expect(e!.message).not.toContain(secret);
      expect(inspect(e, { showHidden: true, depth: 5 })).not.toContain(secret);
    }
  });

  it('leaves everything else to the generic translation', () => {
    expect(translateV3Error(Object.assign(new Error('Request timed out'), { name: 'RequestTimedOutError' }))).toBeUndefined();
    expect(translateV3Error(new snmp.RequestFailedError('NoSuchName: 1.3', snmp.ErrorStatus.NoSuchName))).toBeUndefined();
    expect(translateV3Error(new snmp.ResponseInvalidError('Requested OIDs do not match', snmp.ResponseInvalidCode.EReqResOidNoMatch))).toBeUndefined();
    expect(translateV3Error(undefined)).toBeUndefined();
  });
});

// --- DES ---------------------------------------------------------------------------------

/** Runs a few lines in a fresh node with the given options; returns what it printed. */
function runNode(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const DES_PROBE = "try { require('node:crypto').createCipheriv('des-cbc', Buffer.alloc(8), Buffer.alloc(8)).final(); console.log('yes') } catch (e) { console.log(e.code) }";
/** The environment without any legacy-provider option we may have been given. */
const plainEnv = (): NodeJS.ProcessEnv => ({ ...process.env, NODE_OPTIONS: (process.env.NODE_OPTIONS ?? '').replace(LEGACY_PROVIDER_FLAG, '') });

describe('DES and OpenSSL 3', () => {
  it('desAvailable() matches what a node child reports, and the flag turns DES on', async () => {
    const without = await runNode(['-e', DES_PROBE], plainEnv());
    const withFlag = await runNode([LEGACY_PROVIDER_FLAG, '-e', DES_PROBE], plainEnv());
    // Recorded on this machine (Node 20.20, OpenSSL 3.0.19): ERR_OSSL_EVP_UNSUPPORTED without, yes with.
    if (!legacyProviderRequested()) expect(without.stdout.trim() === 'yes').toBe(desAvailable());
    expect(withFlag.stdout.trim()).toBe('yes');
  });

  it('ensureDes() explains itself when DES is missing', () => {
    const r = ensureDes();
    if (desAvailable()) expect(r).toEqual({ ok: true });
    else {
      expect(r.ok).toBe(false);
      expect(!r.ok && r.message).toMatch(/--openssl-legacy-provider/);
    }
  });

  it('knows which credentials need DES and how to relaunch', () => {
    expect(usesDes([user('aes'), { version: '2c', community: 'x' }])).toBe(false);
    expect(usesDes([user('noAuth'), user('des')])).toBe(true);
    const relaunch = legacyProviderRelaunch(['node', '/x/cli.js', 'scan', '10.0.0.1']);
    if (legacyProviderRequested()) expect(relaunch).toBeUndefined(); // would loop
    else expect(relaunch).toEqual({ command: process.execPath, args: [LEGACY_PROVIDER_FLAG, ...process.execArgv, '/x/cli.js', 'scan', '10.0.0.1'] });
  });
});

describe('DES end to end', () => {
  const desUnit = atsUnit('v3-des', 20, { v3: { users: [SIM_V3_USERS.des, SIM_V3_USERS.aes] } });
  let desFleet: RunningFleet | undefined;

  beforeAll(async () => {
    if (desAvailable()) desFleet = await startFleet([desUnit]);
  });
  afterAll(() => desFleet?.stop());

  it('MD5+DES audits, and a wrong DES key or protocol is a decryption failure', { timeout: 90_000 }, async () => {
    if (!desAvailable()) {
      if (CHILD) throw new Error(`${LEGACY_PROVIDER_FLAG} was given but DES is still unavailable`);
      // Providers load at start-up only: run this test again in a child that has it.
      const probe = await runNode([LEGACY_PROVIDER_FLAG, '-e', DES_PROBE], plainEnv());
      if (probe.stdout.trim() !== 'yes') {
        console.warn(`skipping DES end to end: even with ${LEGACY_PROVIDER_FLAG} this Node cannot run DES (${probe.stdout.trim()})`);
        return;
      }
      const child = await runNode(
        ['node_modules/vitest/vitest.mjs', 'run', 'test/snmp/snmpv3.test.ts', '-t', 'DES end to end', '--reporter=json'],
        { ...plainEnv(), NODE_OPTIONS: `${plainEnv().NODE_OPTIONS ?? ''} ${LEGACY_PROVIDER_FLAG}`.trim(), ATS_AUDIT_DES_CHILD: '1', NO_COLOR: '1' },
      );
      const json = child.stdout.slice(child.stdout.indexOf('{'));
      const report = JSON.parse(json) as { numPassedTests: number; numFailedTests: number };
      expect(report, child.stderr).toMatchObject({ numPassedTests: 1, numFailedTests: 0 });
      expect(child.code).toBe(0);
      expectNoSecrets(child.stdout + child.stderr);
      return;
    }
    const ok = await audit(desUnit, user('des'));
    expect(ok.finding.verdict, ok.finding.reason).toBe('at-risk');
    const wrongKey = await audit(desUnit, { ...user('des'), privKey: WRONG.priv });
    expect(wrongKey.finding.reason).toBe('SNMPv3: decryption failed (wrong privacy key or protocol)');
    const wrongProtocol = await audit(desUnit, { ...user('des'), privProtocol: 'aes' });
    expect(wrongProtocol.finding.reason).toBe('SNMPv3: decryption failed (wrong privacy key or protocol)');
    const desForAes = await audit(desUnit, { ...user('aes'), privProtocol: 'des' });
    expect(desForAes.finding.reason).toBe('SNMPv3: decryption failed (wrong privacy key or protocol)');
  });
});
