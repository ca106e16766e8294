import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig, systemSecretReader, type Config, type FileRead, type SecretReader } from '../../src/credentials/config-file.js';
import {
  cliCommunity,
  CredentialError,
  planCredentials,
  resolveProfile,
  type CredentialDefaults,
  type CredentialRequest,
} from '../../src/credentials/resolve.js';
import { buildTargets } from '../../src/targets/list.js';
import type { Credentials } from '../../src/targets/target.js';

const tmp = mkdtempSync(join(tmpdir(), 'ats-audit-credentials-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function secretFile(name: string, text: string, mode = 0o600): string {
  const path = join(tmp, name);
  writeFileSync(path, text);
  chmodSync(path, mode);
  return path;
}

/** A reader over fixed variables and files (path -> text and mode) that counts what it is asked. */
function fakeReader(env: Record<string, string>, files: Files = {}) {
  const asked: string[] = [];
  const reader: SecretReader = {
    env: (name) => {
      asked.push(`env:${name}`);
      return env[name];
    },
    file: (path): FileRead => {
      asked.push(`file:${path}`);
      const f = files[path];
      return f ? { ok: true, text: f.text, mode: f.mode ?? 0o600 } : { ok: false, code: 'ENOENT' };
    },
  };
  return { reader, asked };
}

// The secrets used throughout; the leak tests look for each of them in every message.
const S = {
  p2c: 'p2c-Community-1',
  pv1: 'pv1-Community-2',
  auth: 'auth-Key-Secret-3',
  priv: 'priv-Key-Secret-4',
  inline: 'inline-Community-5',
  cli: 'cli-Community-6',
  row: 'row-Community-7',
  /** Too short for an SNMPv3 key (7 characters): refused, and never shown either. */
  short: 'Shrt-07',
};

const CONFIG_TEXT = JSON.stringify({
  profiles: {
    p2c: { version: '2c', communityEnv: 'P2C' },
    pv1: { version: '1', communityFile: '/secrets/pv1' },
    pv3: {
      version: '3',
      level: 'authPriv',
      user: 'audit',
      authProtocol: 'sha256',
      authKeyEnv: 'AUTH',
      privProtocol: 'aes',
      privKeyFile: '/secrets/priv',
    },
    pauth: { version: '3', level: 'authNoPriv', user: 'lab', authProtocol: 'sha', authKeyFile: '/secrets/auth' },
    pnone: { version: '3', level: 'noAuthNoPriv', user: 'watch' },
    inline: { version: '2c', community: S.inline },
  },
});

function config(defaultProfile?: string): Config {
  const parsed = parseConfig(CONFIG_TEXT, '/etc/ats-audit/config.json');
  return defaultProfile === undefined ? parsed : { ...parsed, defaultProfile };
}

const ENV = { P2C: S.p2c, AUTH: S.auth };
const FILES: Files = {
  '/secrets/pv1': { text: `${S.pv1}\nignored second line\n` },
  '/secrets/priv': { text: `  ${S.priv}  \r\n` },
  '/secrets/auth': { text: S.auth },
};

const V2C = (community: string): Credentials => ({ version: '2c', community });
const V1 = (community: string): Credentials => ({ version: '1', community });
const PV3: Credentials = {
  version: '3',
  level: 'authPriv',
  user: 'audit',
  authProtocol: 'sha256',
  authKey: S.auth,
  privProtocol: 'aes',
  privKey: S.priv,
};

type Files = Record<string, { text: string; mode?: number }>;

function plan(defaults: Partial<CredentialDefaults>, options: { defaultProfile?: string; requests?: CredentialRequest[]; env?: Record<string, string>; files?: Files } = {}) {
  const { reader, asked } = fakeReader(options.env ?? ENV, options.files ?? FILES);
  const p = planCredentials({
    config: config(options.defaultProfile),
    defaults: { version: '2c', ...defaults },
    requests: options.requests ?? [],
    reader,
  });
  return { plan: p, asked };
}

describe('precedence', () => {
  const cli = { value: S.cli, from: '--community' } as const;
  type Row = [string, { community?: string; profile?: string }, Partial<CredentialDefaults>, string | undefined, Credentials | string];
  const table: Row[] = [
    ['inventory community, with the default profile\'s version', { community: S.row }, { profile: 'pv1' }, 'p2c', V1(S.row)],
    ['inventory community, with the row profile\'s version', { community: S.row, profile: 'pv1' }, {}, 'p2c', V1(S.row)],
    ['inventory community beats --community, with --snmp-version', { community: S.row }, { community: cli, version: '1' }, undefined, V1(S.row)],
    ['inventory community under a v3 default takes --snmp-version', { community: S.row }, { profile: 'pv3', version: '1' }, undefined, V1(S.row)],
    ['inventory community with a v3 row profile is refused', { community: S.row, profile: 'pv3' }, {}, undefined,
      'fleet.csv:12: profile "pv3" is SNMPv3: a community applies only to SNMPv1/v2c profiles (leave the community cell empty)'],
    ['inventory profile beats --profile and defaultProfile', { profile: 'pv1' }, { profile: 'p2c', community: cli }, 'pv3', V1(S.pv1)],
    ['--profile beats defaultProfile and --community', {}, { profile: 'pv3', community: cli }, 'p2c', PV3],
    ['--community on the command line beats the config\'s defaultProfile', {}, { community: cli }, 'pv1', V2C(S.cli)],
    ['defaultProfile beats $ATS_AUDIT_COMMUNITY', {}, { community: { value: S.cli, from: '$ATS_AUDIT_COMMUNITY' } }, 'pv1', V1(S.pv1)],
    ['--community with --snmp-version', {}, { community: cli, version: '1' }, undefined, V1(S.cli)],
    ['"public" when nothing is given', {}, {}, undefined, V2C('public')],
    ['an unknown inventory profile is that row\'s error', { profile: 'dc9' }, {}, 'p2c',
      'fleet.csv:12: unknown profile "dc9" (/etc/ats-audit/config.json has p2c, pv1, pv3, pauth, pnone, inline)'],
  ];

  it.each(table)('%s', (_name, row, defaults, defaultProfile, expected) => {
    const { plan: p } = plan(defaults, defaultProfile === undefined ? {} : { defaultProfile });
    const result = p.credentialsFor({ origin: 'fleet.csv:12', ...row });
    expect(result).toEqual(typeof expected === 'string' ? { ok: false, error: expected } : { ok: true, credentials: expected });
  });

  it('names where the default came from', () => {
    expect(plan({ profile: 'pv3' }, { defaultProfile: 'p2c' }).plan.defaultSource).toBe('profile "pv3" (--profile)');
    expect(plan({}, { defaultProfile: 'p2c' }).plan.defaultSource).toBe('profile "p2c" (defaultProfile in /etc/ats-audit/config.json)');
    expect(plan({ community: { value: 'x', from: '--community-file' } }).plan.defaultSource).toBe('--community-file');
    expect(plan({}).plan.defaultSource).toBe('"public" (no community given)');
  });

  it('notes a --community or --community-file that a profile overrides, not the environment variable', () => {
    expect(plan({ community: { value: 'x', from: '--community' } }, { defaultProfile: 'p2c' }).plan.notes).toEqual([]);
    expect(plan({ profile: 'pv1', community: { value: 'x', from: '--community-file' } }).plan.notes).toEqual([
      '--community-file is not used: profile "pv1" (--profile) applies to every target without a community or profile of its own',
    ]);
    expect(plan({ community: { value: 'x', from: '$ATS_AUDIT_COMMUNITY' } }, { defaultProfile: 'p2c' }).plan.notes).toEqual([]);
  });

  it('reads every v3 level and trims a secret file\'s first line', () => {
    const { plan: p } = plan({});
    expect(p.credentialsFor({ origin: 'a', profile: 'pnone' })).toEqual({ ok: true, credentials: { version: '3', level: 'noAuthNoPriv', user: 'watch' } });
    expect(p.credentialsFor({ origin: 'a', profile: 'pauth' })).toEqual({
      ok: true,
      credentials: { version: '3', level: 'authNoPriv', user: 'lab', authProtocol: 'sha', authKey: S.auth },
    });
    expect(p.credentialsFor({ origin: 'a', profile: 'pv3' })).toEqual({ ok: true, credentials: PV3 });
    expect(p.credentialsFor({ origin: 'a', profile: 'inline' })).toEqual({ ok: true, credentials: V2C(S.inline) });
  });
});

describe('the run\'s default', () => {
  it('an unknown --profile stops the run', () => {
    expect(() => plan({ profile: 'dc9' })).toThrow(CredentialError);
    expect(() => plan({ profile: 'dc9' })).toThrow('--profile dc9: unknown profile "dc9" (/etc/ats-audit/config.json has p2c, pv1, pv3, pauth, pnone, inline)');
    expect(() => plan({ profile: 'P2C' })).toThrow('--profile P2C: unknown profile "P2C": did you mean "p2c"?');
  });

  it('--profile without any config file says where it looked', () => {
    const { reader } = fakeReader({});
    const none = loadConfig({ env: { XDG_CONFIG_HOME: join(tmp, 'nothing-here') } });
    expect(() => planCredentials({ config: none, defaults: { version: '2c', profile: 'dc1' }, reader })).toThrow(
      `--profile dc1: unknown profile "dc1" (no config file: ${join(tmp, 'nothing-here', 'ats-audit', 'config.json')} not found)`,
    );
  });

  it('a default profile whose variable is unset stops the run, naming the variable', () => {
    expect(() => plan({}, { defaultProfile: 'p2c', env: {} })).toThrow(
      '/etc/ats-audit/config.json: defaultProfile "p2c": /etc/ats-audit/config.json: profiles.p2c.communityEnv: environment variable P2C is not set',
    );
    expect(() => plan({ profile: 'pv3' }, { env: { AUTH: '' } })).toThrow(
      '--profile pv3: /etc/ats-audit/config.json: profiles.pv3.authKeyEnv: environment variable AUTH is empty',
    );
  });

  it('an unused profile\'s missing secret costs nothing', () => {
    const { plan: p } = plan({ profile: 'pv1' }, { env: {} });
    expect(p.defaultCredentials).toEqual(V1(S.pv1));
    expect(p.problems).toEqual([]);
  });
});

describe('inventory requests', () => {
  it('collects one problem per bad line, in order, and still serves the good ones', () => {
    const requests = [
      { origin: 'fleet.csv:2', profile: 'p2c' },
      { origin: 'fleet.csv:3', profile: 'dc9' },
      { origin: 'fleet.csv:4', profile: 'pv3', community: S.row },
      { origin: 'fleet.csv:5', profile: 'pv1' },
    ];
    const { plan: p } = plan({}, { requests });
    expect(p.problems).toEqual([
      { origin: 'fleet.csv:3', message: 'fleet.csv:3: unknown profile "dc9" (/etc/ats-audit/config.json has p2c, pv1, pv3, pauth, pnone, inline)' },
      { origin: 'fleet.csv:4', message: 'fleet.csv:4: profile "pv3" is SNMPv3: a community applies only to SNMPv1/v2c profiles (leave the community cell empty)' },
    ]);
    expect(p.credentialsFor(requests[0]!)).toEqual({ ok: true, credentials: V2C(S.p2c) });
  });

  it('a profile whose secret cannot be had is the problem of each line that names it', () => {
    const { plan: p } = plan({}, { env: {}, requests: [{ origin: 'fleet.csv:7', profile: 'p2c' }] });
    expect(p.problems.map((x) => x.message)).toEqual([
      'fleet.csv:7: profile "p2c": /etc/ats-audit/config.json: profiles.p2c.communityEnv: environment variable P2C is not set',
    ]);
  });

  it('resolves each profile once, however many targets name it', () => {
    const requests = Array.from({ length: 50 }, (_, i) => ({ origin: `fleet.csv:${i + 2}`, profile: i % 2 ? 'pv3' : 'pv1' }));
    const { plan: p, asked } = plan({ profile: 'pv3' }, { requests });
    for (const r of requests) p.credentialsFor(r);
    expect(asked.sort()).toEqual(['env:AUTH', 'file:/secrets/priv', 'file:/secrets/pv1']);
  });

  it('works from a parsed inventory: sources carry origin, profile and community', () => {
    const text = 'host,community,profile\n10.0.0.1,,pv1\n10.0.0.2,' + S.row + ',\n10.0.0.3,,dc9\n10.1.0.0/30,,pv3\n';
    const built = buildTargets({ args: ['10.9.9.9'], inventories: [{ file: 'fleet.csv', text }] }, { port: 161, allowLarge: false });
    const { plan: p } = plan({}, { defaultProfile: 'p2c', requests: [...built.sources] });
    expect(p.problems.map((x) => x.message)).toEqual([
      'fleet.csv:4: unknown profile "dc9" (/etc/ats-audit/config.json has p2c, pv1, pv3, pauth, pnone, inline)',
    ]);
    const byHost = Object.fromEntries(
      [...built.targets].map((t) => [t.target.host, p.credentialsFor({ origin: t.target.origin, ...t })]),
    );
    expect(byHost).toEqual({
      '10.9.9.9': { ok: true, credentials: V2C(S.p2c) },
      '10.0.0.1': { ok: true, credentials: V1(S.pv1) },
      '10.0.0.2': { ok: true, credentials: V2C(S.row) },
      '10.0.0.3': { ok: false, error: expect.stringContaining('fleet.csv:4: unknown profile "dc9"') },
      '10.1.0.1': { ok: true, credentials: PV3 },
      '10.1.0.2': { ok: true, credentials: PV3 },
    });
  });

  it('lists every secret in use: defaults, resolved profiles, inventory and command-line communities', () => {
    const requests = [{ origin: 'a', profile: 'pv3' }, { origin: 'b', community: S.row }, { origin: 'c', profile: 'dc9' }];
    const { plan: p } = plan({ profile: 'pv1', community: { value: S.cli, from: '--community' } }, { requests });
    expect([...p.secrets].sort()).toEqual([S.auth, S.cli, S.priv, S.pv1, S.row].sort());
    p.credentialsFor({ origin: 'd', profile: 'inline' });
    expect(p.secrets).toContain(S.inline);
    expect(plan({}).plan.secrets).toEqual(['public']);
  });
});

describe('secrets from the environment and from files (real files)', () => {
  const cfg = (profiles: object) => parseConfig(JSON.stringify({ profiles }), join(tmp, 'config.json'));

  it('reads the first line of a private file, relative to the config file', () => {
    secretFile('c.community', `${S.p2c}\n# second line ignored\n`, 0o600);
    secretFile('c.key', `${S.auth}\n`, 0o400);
    const c = cfg({
      a: { version: '2c', communityFile: 'c.community' },
      b: { version: '3', level: 'authNoPriv', user: 'u', authProtocol: 'md5', authKeyFile: 'c.key' },
    });
    const reader = systemSecretReader({});
    expect(resolveProfile(c, c.profiles.get('a')!, reader)).toEqual({ ok: true, credentials: V2C(S.p2c) });
    expect(resolveProfile(c, c.profiles.get('b')!, reader)).toMatchObject({ ok: true, credentials: { authKey: S.auth } });
  });

  it('refuses a secret file that group or others can read, with the chmod to run', () => {
    const path = secretFile('open.community', `${S.p2c}\n`, 0o644);
    const c = cfg({ a: { version: '2c', communityFile: 'open.community' } });
    expect(resolveProfile(c, c.profiles.get('a')!, systemSecretReader({}))).toEqual({
      ok: false,
      error: `${join(tmp, 'config.json')}: profiles.a.communityFile: ${path} is readable by other users (mode 0644): chmod 600 ${path}`,
    });
    chmodSync(path, 0o640);
    expect(resolveProfile(c, c.profiles.get('a')!, systemSecretReader({}))).toMatchObject({ ok: false, error: expect.stringContaining('(mode 0640)') });
  });

  it('names a missing file, an empty one, an unset or empty variable, and short v3 keys', () => {
    secretFile('empty', '\n', 0o600);
    secretFile('short.key', 'abc1234\n', 0o600);
    const c = cfg({
      missing: { version: '2c', communityFile: 'nope' },
      empty: { version: '2c', communityFile: 'empty' },
      unset: { version: '2c', communityEnv: 'UNSET_VAR' },
      blank: { version: '2c', communityEnv: 'BLANK_VAR' },
      shortEnv: { version: '3', level: 'authNoPriv', user: 'u', authProtocol: 'sha', authKeyEnv: 'SHORT_KEY' },
      shortFile: { version: '3', level: 'authNoPriv', user: 'u', authProtocol: 'sha', authKeyFile: 'short.key' },
    });
    const reader = systemSecretReader({ BLANK_VAR: '', SHORT_KEY: 'abc1234' });
    const error = (name: string) => {
      const r = resolveProfile(c, c.profiles.get(name)!, reader);
      return r.ok ? 'ok' : r.error.slice(`${join(tmp, 'config.json')}: `.length);
    };
    expect(error('missing')).toBe(`profiles.missing.communityFile: ${join(tmp, 'nope')}: no such file`);
    expect(error('empty')).toBe(`profiles.empty.communityFile: ${join(tmp, 'empty')}: the first line is empty`);
    expect(error('unset')).toBe('profiles.unset.communityEnv: environment variable UNSET_VAR is not set');
    expect(error('blank')).toBe('profiles.blank.communityEnv: environment variable BLANK_VAR is empty');
    expect(error('shortEnv')).toBe('profiles.shortEnv.authKeyEnv: the key in SHORT_KEY is shorter than 8 characters: SNMPv3 keys need at least 8 (RFC 3414)');
    expect(error('shortFile')).toBe(`profiles.shortFile.authKeyFile: the key in ${join(tmp, 'short.key')} is shorter than 8 characters: SNMPv3 keys need at least 8 (RFC 3414)`);
  });
});

describe('cliCommunity', () => {
  it('--community-file > --community > $ATS_AUDIT_COMMUNITY > nothing', () => {
    const path = secretFile('cli.community', `  ${S.cli}  \nsecond\n`, 0o644);
    const reader = systemSecretReader({ ATS_AUDIT_COMMUNITY: S.row });
    expect(cliCommunity({ communityFile: path, community: 'x' }, reader)).toEqual({ value: S.cli, from: '--community-file' });
    expect(cliCommunity({ community: 'x' }, reader)).toEqual({ value: 'x', from: '--community' });
    expect(cliCommunity({}, reader)).toEqual({ value: S.row, from: '$ATS_AUDIT_COMMUNITY' });
    expect(cliCommunity({}, systemSecretReader({ ATS_AUDIT_COMMUNITY: '' }))).toBeUndefined();
  });

  it('says what is wrong with the option', () => {
    const reader = systemSecretReader({});
    const missing = join(tmp, 'no-such.community');
    expect(() => cliCommunity({ communityFile: missing }, reader)).toThrow(`--community-file ${missing}: no such file`);
    const empty = secretFile('cli-empty', '\n\n');
    expect(() => cliCommunity({ communityFile: empty }, reader)).toThrow(`--community-file ${empty}: the file is empty`);
    expect(() => cliCommunity({ community: '' }, reader)).toThrow('--community: must not be empty');
  });
});

describe('no secret in any error', () => {
  const all = Object.values(S);

  function expectClean(e: unknown, what: string): void {
    const texts = [String(e), inspect(e), (e as Error).stack ?? '', ...((e as ConfigError).problems ?? [])].join('\n');
    for (const s of all) expect(texts, `${what} leaks a secret`).not.toContain(s);
  }

  it('credential errors thrown for the default', () => {
    const cases: Array<[string, () => unknown]> = [
      ['unknown --profile', () => plan({ profile: 'nope', community: { value: S.cli, from: '--community' } })],
      ['unset variable', () => plan({ profile: 'p2c' }, { env: {} })],
      ['short key in variable', () => plan({ profile: 'pv3' }, { env: { AUTH: S.short } })],
      ['short key in file', () => plan({ profile: 'pauth' }, { files: { ...FILES, '/secrets/auth': { text: S.short } } })],
      ['exposed secret file', () => plan({ profile: 'pv3' }, { files: { ...FILES, '/secrets/priv': { text: S.priv, mode: 0o644 } } })],
      ['unreadable secret file', () => plan({ profile: 'pv1' }, { files: {} })],
    ];
    for (const [what, run] of cases) {
      let caught: unknown;
      try {
        run();
      } catch (e) {
        caught = e;
      }
      expect(caught, what).toBeInstanceOf(CredentialError);
      expectClean(caught, what);
    }
  });

  it('per-line errors, with the row\'s community present', () => {
    const requests: CredentialRequest[] = [
      { origin: 'f:1', profile: 'pv3', community: S.row },
      { origin: 'f:2', profile: 'nope', community: S.row },
      { origin: 'f:3', profile: 'p2c', community: S.row },
      { origin: 'f:4', profile: 'pv1', community: S.row },
    ];
    const { plan: p } = plan({ profile: 'inline', community: { value: S.cli, from: '--community' } }, {
      env: { AUTH: S.short },
      files: { '/secrets/pv1': { text: S.pv1, mode: 0o604 } },
      requests,
    });
    expect(p.problems).toHaveLength(4);
    for (const problem of p.problems) expectClean(new Error(problem.message), problem.origin);
    for (const n of p.notes) expectClean(new Error(n), 'note');
  });

  it('config files refused for their mode, and cliCommunity errors', () => {
    const path = secretFile('leaky.json', CONFIG_TEXT, 0o644);
    let caught: unknown;
    try {
      loadConfig({ path, env: {} });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expectClean(caught, 'mode refusal');
    try {
      cliCommunity({ community: '' }, systemSecretReader({ ATS_AUDIT_COMMUNITY: S.cli }));
    } catch (e) {
      expectClean(e, 'empty --community');
    }
  });
});
