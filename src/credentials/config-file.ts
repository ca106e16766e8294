// The configuration file: named credential profiles, read and validated strictly. See
// docs/config.md for the format, the places it is looked for and the permission rule.
//
// This module reads files (the config file, and secret files through `fileSecretReader`);
// turning a profile into Credentials is src/credentials/resolve.ts's job, and only for the profiles a
// run uses, so an unused profile's missing environment variable costs nothing.
//
// Secrets (communities, SNMPv3 keys) are never quoted in a message: problems name the file, the
// JSON path of the key and, for env/file sources, the variable or the path, never a value. The
// JSON parser's own message is never passed on either, since V8's can quote the source text.

import { closeSync, constants, fstatSync, openSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { V3_AUTH_PROTOCOLS, V3_PRIV_PROTOCOLS, type V3AuthProtocol, type V3PrivProtocol } from '../targets/target.js';
import { readProblem } from '../file-problem.js';

export const PROFILE_VERSIONS = ['1', '2c', '3'] as const;
export const V3_LEVELS = ['noAuthNoPriv', 'authNoPriv', 'authPriv'] as const;
export type V3Level = (typeof V3_LEVELS)[number];
/** RFC 3414 (2.6): an SNMPv3 password must be at least 8 characters. */
export const V3_MIN_KEY_LENGTH = 8;
/** RFC 3414: usmUserName is an SnmpAdminString of 1 to 32 octets. */
export const V3_MAX_USER_OCTETS = 32;

export type SecretField = 'community' | 'authKey' | 'privKey';

/** Where a secret comes from. Exactly one source per secret. */
export type SecretSource =
  | { readonly from: 'env'; readonly variable: string }
  /** `path` is absolute: a relative path in the file is resolved against the file's directory. */
  | { readonly from: 'file'; readonly path: string }
  | { readonly from: 'inline'; readonly value: string };

export interface SecretRef {
  readonly field: SecretField;
  /** JSON path of the key that gives it, for messages: "profiles.dc1.communityEnv". */
  readonly at: string;
  readonly source: SecretSource;
}

interface ProfileBase {
  readonly name: string;
  readonly description?: string;
}

/** A profile as written: secrets are sources, not values yet. */
export type Profile =
  | (ProfileBase & { readonly version: '1' | '2c'; readonly community: SecretRef })
  | (ProfileBase & { readonly version: '3'; readonly level: 'noAuthNoPriv'; readonly user: string })
  | (ProfileBase & {
      readonly version: '3';
      readonly level: 'authNoPriv';
      readonly user: string;
      readonly authProtocol: V3AuthProtocol;
      readonly authKey: SecretRef;
    })
  | (ProfileBase & {
      readonly version: '3';
      readonly level: 'authPriv';
      readonly user: string;
      readonly authProtocol: V3AuthProtocol;
      readonly authKey: SecretRef;
      readonly privProtocol: V3PrivProtocol;
      readonly privKey: SecretRef;
    });

export interface Config {
  /** The file as named (for messages), or where it was looked for when `found` is false. */
  readonly file: string;
  readonly found: boolean;
  readonly defaultProfile?: string;
  readonly profiles: ReadonlyMap<string, Profile>;
  /** True when some secret is written in the file itself. */
  readonly hasInlineSecrets: boolean;
}

/** A config file that cannot be used. `problems` lists every one found, each a full message. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    const [first = 'invalid configuration', ...rest] = problems;
    super(rest.length === 0 ? first : `${first} (and ${rest.length} more problem${rest.length > 1 ? 's' : ''})`);
    this.problems = problems;
  }
}

// ---------------------------------------------------------------------------------------------
// Where the file is

export interface ConfigLocation {
  readonly path: string;
  /** Named by the user (--config, $ATS_AUDIT_CONFIG): a missing file is an error. */
  readonly explicit: boolean;
  readonly from: '--config' | '$ATS_AUDIT_CONFIG' | '$XDG_CONFIG_HOME' | 'home';
}

export interface LocateOptions {
  /** --config FILE. */
  readonly path?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The home directory; os.homedir() when left out. */
  readonly home?: string;
}

/**
 * --config FILE, else $ATS_AUDIT_CONFIG, else $XDG_CONFIG_HOME/ats-audit/config.json (an
 * absolute XDG_CONFIG_HOME only, as the XDG spec says), else ~/.config/ats-audit/config.json.
 * Undefined only when there is no home directory to look in.
 */
export function configLocation(options: LocateOptions): ConfigLocation | undefined {
  if (options.path !== undefined) return { path: options.path, explicit: true, from: '--config' };
  const named = options.env.ATS_AUDIT_CONFIG;
  if (named) return { path: named, explicit: true, from: '$ATS_AUDIT_CONFIG' };
  const xdg = options.env.XDG_CONFIG_HOME;
  if (xdg && isAbsolute(xdg)) return { path: join(xdg, 'ats-audit', 'config.json'), explicit: false, from: '$XDG_CONFIG_HOME' };
  const home = options.home ?? safeHomedir();
  if (!home) return undefined;
  return { path: join(home, '.config', 'ats-audit', 'config.json'), explicit: false, from: 'home' };
}

function safeHomedir(): string {
  try {
    return homedir();
  } catch {
    return '';
  }
}

/**
 * Finds, reads and validates the config file. A default location with no file gives an empty
 * Config (`found: false`); a file named with --config or $ATS_AUDIT_CONFIG must exist. Throws
 * ConfigError (never quoting a secret).
 */
export function loadConfig(options: LocateOptions): Config {
  const location = configLocation(options);
  if (!location) return emptyConfig('(no home directory)');
  const file = location.path;
  const read = readPrivateFile(file);
  if (!read.ok) {
    if (!location.explicit && isAbsent(read.code, file)) return emptyConfig(file);
    const why = readProblem(read.code);
    throw new ConfigError([`${file}: ${why}${location.explicit ? ` (named by ${location.from})` : ''}`]);
  }
  const config = parseConfig(read.text, file);
  if (read.mode !== undefined) {
    const exposure = exposedBy(read.mode);
    if (config.hasInlineSecrets && exposure) {
      throw new ConfigError([`${file} is ${exposure} (mode ${octal(read.mode)}) and holds secrets: chmod 600 ${shellQuote(file)}`]);
    }
    // Whoever can write the file can point communityEnv at any variable, or a key file at any
    // file, and have it sent out as a community: a world-writable config is never trusted.
    if (read.mode & 0o002) {
      throw new ConfigError([`${file} is writable by every user (mode ${octal(read.mode)}): chmod go-w ${shellQuote(file)}`]);
    }
  }
  return config;
}

/** A default location that does not exist, or sits in a directory we may not search. */
function isAbsent(code: string, file: string): boolean {
  if (code === 'ENOENT' || code === 'ENOTDIR') return true;
  if (code !== 'EACCES') return false;
  // The file exists but is unreadable: say so. A directory on the way that cannot be searched
  // (systemd's ProtectHome=, a service user's home) hides the file: treat as absent.
  try {
    statSync(file);
    return false;
  } catch {
    return true;
  }
}

function emptyConfig(file: string): Config {
  return { file, found: false, profiles: new Map(), hasInlineSecrets: false };
}

// ---------------------------------------------------------------------------------------------
// Reading files that hold secrets

/** A file's text and permission bits (undefined where they mean nothing: Windows), or why not. */
export type FileRead =
  | { readonly ok: true; readonly text: string; readonly mode: number | undefined }
  | { readonly ok: false; readonly code: string };

/**
 * Reads a regular file and the mode of that same open file (no window between the check and the
 * read). Never throws; the failure is an errno code, never the file's content.
 */
export function readPrivateFile(path: string): FileRead {
  let fd: number | undefined;
  try {
    // O_NONBLOCK: a FIFO must not hang the run; it is refused below as not a regular file.
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    const stat = fstatSync(fd);
    if (!stat.isFile()) return { ok: false, code: stat.isDirectory() ? 'EISDIR' : 'not a regular file' };
    const text = readFileSync(fd, 'utf8');
    return { ok: true, text, mode: process.platform === 'win32' ? undefined : stat.mode & 0o777 };
  } catch (e) {
    return { ok: false, code: (e as NodeJS.ErrnoException).code ?? 'error' };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** What the credentials code needs from the outside world: variables and secret files. */
export interface SecretReader {
  /** An environment variable, or undefined when unset. */
  env(name: string): string | undefined;
  file(path: string): FileRead;
}

/** The real environment and file system. */
export function systemSecretReader(env: Readonly<Record<string, string | undefined>>): SecretReader {
  return { env: (name) => env[name], file: readPrivateFile };
}

/**
 * "readable by other users" when group or others may read, else "writable by other users" or
 * "accessible by other users"; undefined for a private mode (no group/other bits: 0600, 0400).
 */
export function exposedBy(mode: number): string | undefined {
  if (mode & 0o044) return 'readable by other users';
  if (mode & 0o022) return 'writable by other users';
  if (mode & 0o011) return 'accessible by other users';
  return undefined;
}

export function octal(mode: number): string {
  return `0${(mode & 0o777).toString(8).padStart(3, '0')}`;
}

/** A path as it would be typed in a shell (for the chmod hint). */
export function shellQuote(path: string): string {
  return /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
}

// ---------------------------------------------------------------------------------------------
// Parsing and validation (pure)

const TOP_KEYS = ['defaultProfile', 'profiles'] as const;
const COMMON_KEYS = ['version', 'description'] as const;
const COMMUNITY_KEYS = ['community', 'communityEnv', 'communityFile'] as const;
const AUTH_KEYS = ['authProtocol', 'authKey', 'authKeyEnv', 'authKeyFile'] as const;
const PRIV_KEYS = ['privProtocol', 'privKey', 'privKeyEnv', 'privKeyFile'] as const;
const V3_KEYS = ['level', 'user', ...AUTH_KEYS, ...PRIV_KEYS] as const;
const PROFILE_KEYS: readonly string[] = [...COMMON_KEYS, ...COMMUNITY_KEYS, ...V3_KEYS];

const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Validates a config file's text. Pure: relative secret file paths are resolved against
 * `file`'s directory without touching the disk. Throws ConfigError with every problem found.
 */
export function parseConfig(text: string, file: string): Config {
  const problems: string[] = [];
  const say = (at: string, message: string) => problems.push(at === '' ? `${file}: ${message}` : `${file}: ${at}: ${message}`);

  let raw: unknown;
  try {
    raw = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new ConfigError([`${file}: ${jsonSyntaxProblem(text.replace(/^\uFEFF/, ''), e)}`]);
  }
  if (!isPlainObject(raw)) throw new ConfigError([`${file}: expected a JSON object ({ "profiles": { ... } })`]);

  const ctx: Context = { problems, say, baseDir: dirname(resolve(file)), hasInline: false };
  for (const key of Object.keys(raw)) {
    if (!(TOP_KEYS as readonly string[]).includes(key)) say(jsonPath([key]), unknownKey(key, TOP_KEYS));
  }

  const profiles = new Map<string, Profile>();
  if (raw.profiles === undefined) {
    say('profiles', 'missing: expected an object of named profiles, e.g. { "dc1": { "version": "2c", "communityEnv": "DC1_COMMUNITY" } }');
  } else if (!isPlainObject(raw.profiles)) {
    say('profiles', 'expected an object of named profiles');
  } else {
    for (const [name, value] of Object.entries(raw.profiles)) {
      const at = jsonPath(['profiles', name]);
      if (!PROFILE_NAME.test(name)) {
        say(at, 'bad profile name: expected a letter or digit, then letters, digits, "_" or "-" (64 at most)');
        continue;
      }
      const profile = readProfile(name, value, at, ctx);
      if (profile) profiles.set(name, profile);
    }
  }

  let defaultProfile: string | undefined;
  if (raw.defaultProfile !== undefined) {
    if (typeof raw.defaultProfile !== 'string' || raw.defaultProfile === '') {
      say('defaultProfile', 'expected the name of a profile');
    } else if (isPlainObject(raw.profiles) && !Object.hasOwn(raw.profiles, raw.defaultProfile)) {
      say('defaultProfile', `no profile named ${JSON.stringify(raw.defaultProfile)}${known(Object.keys(raw.profiles))}`);
    } else {
      defaultProfile = raw.defaultProfile;
    }
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    file,
    found: true,
    ...(defaultProfile !== undefined && { defaultProfile }),
    profiles,
    hasInlineSecrets: ctx.hasInline,
  };
}

interface Context {
  readonly problems: readonly string[];
  readonly say: (at: string, message: string) => void;
  readonly baseDir: string;
  hasInline: boolean;
}

function readProfile(name: string, raw: unknown, at: string, ctx: Context): Profile | undefined {
  const { say } = ctx;
  if (!isPlainObject(raw)) {
    say(at, 'expected an object ({ "version": "2c", "communityEnv": "..." })');
    return undefined;
  }
  const before = ctx.problems.length;
  const version = raw.version;
  const versionOk = typeof version === 'string' && (PROFILE_VERSIONS as readonly string[]).includes(version);
  if (version === undefined) say(`${at}.version`, `missing: expected one of ${quoted(PROFILE_VERSIONS)}`);
  else if (!versionOk) say(`${at}.version`, `expected one of ${quoted(PROFILE_VERSIONS)} (a string)`);

  for (const key of Object.keys(raw)) {
    const keyAt = jsonPath([key], at);
    if (!PROFILE_KEYS.includes(key)) say(keyAt, unknownKey(key, PROFILE_KEYS));
    else if (versionOk && version !== '3' && (V3_KEYS as readonly string[]).includes(key)) say(keyAt, 'only for version "3"');
    else if (version === '3' && (COMMUNITY_KEYS as readonly string[]).includes(key)) {
      say(keyAt, 'not for version "3": SNMPv3 uses user, authKey and privKey, not a community');
    }
  }

  let description: string | undefined;
  if (raw.description !== undefined) {
    if (typeof raw.description === 'string') description = raw.description;
    else say(`${at}.description`, 'expected a string');
  }
  const base: ProfileBase = description === undefined ? { name } : { name, description };
  if (!versionOk) return undefined;

  if (version === '1' || version === '2c') {
    const community = readSecret(raw, 'community', at, ctx);
    if (community === null) say(at, 'no community: add communityEnv, communityFile or community');
    if (!community || ctx.problems.length > before) return undefined;
    return { ...base, version, community };
  }

  // SNMPv3
  let user: string | undefined;
  if (raw.user === undefined) say(`${at}.user`, 'missing: expected the SNMPv3 user name');
  else if (typeof raw.user !== 'string' || raw.user === '') say(`${at}.user`, 'expected a non-empty string');
  else if (Buffer.byteLength(raw.user, 'utf8') > V3_MAX_USER_OCTETS) say(`${at}.user`, `longer than ${V3_MAX_USER_OCTETS} bytes (RFC 3414)`);
  else user = raw.user;

  const level = raw.level;
  if (level === undefined) {
    say(`${at}.level`, `missing: expected one of ${V3_LEVELS.join(', ')}`);
    return undefined;
  }
  if (typeof level !== 'string' || !(V3_LEVELS as readonly string[]).includes(level)) {
    say(`${at}.level`, `expected one of ${V3_LEVELS.join(', ')}`);
    return undefined;
  }

  if (level === 'noAuthNoPriv') {
    for (const key of [...AUTH_KEYS, ...PRIV_KEYS]) {
      if (raw[key] !== undefined) say(jsonPath([key], at), 'not used at level noAuthNoPriv: remove it, or set level to authNoPriv or authPriv');
    }
    if (user === undefined || ctx.problems.length > before) return undefined;
    return { ...base, version: '3', level, user };
  }

  const authProtocol = readChoice(raw, 'authProtocol', V3_AUTH_PROTOCOLS, at, level, ctx);
  const authKey = readSecret(raw, 'authKey', at, ctx);
  if (authKey === null) say(at, `level ${level} needs an authentication key: add authKeyEnv, authKeyFile or authKey`);

  if (level === 'authNoPriv') {
    for (const key of PRIV_KEYS) {
      if (raw[key] !== undefined) say(jsonPath([key], at), 'not used at level authNoPriv: remove it, or set level to authPriv');
    }
    if (user === undefined || !authProtocol || !authKey || ctx.problems.length > before) return undefined;
    return { ...base, version: '3', level, user, authProtocol, authKey };
  }

  const privProtocol = readChoice(raw, 'privProtocol', V3_PRIV_PROTOCOLS, at, level, ctx);
  const privKey = readSecret(raw, 'privKey', at, ctx);
  if (privKey === null) say(at, 'level authPriv needs a privacy key: add privKeyEnv, privKeyFile or privKey');
  if (user === undefined || !authProtocol || !authKey || !privProtocol || !privKey || ctx.problems.length > before) return undefined;
  return { ...base, version: '3', level: 'authPriv', user, authProtocol, authKey, privProtocol, privKey };
}

function readChoice<T extends string>(
  raw: Record<string, unknown>,
  key: string,
  allowed: readonly T[],
  at: string,
  level: string,
  ctx: Context,
): T | undefined {
  const value = raw[key];
  if (value === undefined) {
    ctx.say(jsonPath([key], at), `missing (level ${level} needs it): expected one of ${allowed.join(', ')}`);
    return undefined;
  }
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    ctx.say(jsonPath([key], at), `expected one of ${allowed.join(', ')}`);
    return undefined;
  }
  return value as T;
}

/**
 * The one source of a secret: `field` (inline), `fieldEnv` or `fieldFile`. Null when none is
 * given (the caller says what is needed), undefined when what is given is wrong (already said).
 */
function readSecret(raw: Record<string, unknown>, field: SecretField, at: string, ctx: Context): SecretRef | null | undefined {
  const keys = [field, `${field}Env`, `${field}File`].filter((k) => raw[k] !== undefined);
  if (keys.length === 0) return null;
  if (keys.length > 1) {
    ctx.say(at, `${field} given ${keys.length} ways (${keys.join(', ')}): use exactly one`);
    return undefined;
  }
  const key = keys[0] as string;
  const keyAt = jsonPath([key], at);
  const value = raw[key];
  const minLength = field === 'community' ? 1 : V3_MIN_KEY_LENGTH;
  if (key === field) {
    // Inline: the value is a secret; nothing about it but its type and length is ever said.
    if (typeof value !== 'string' || value === '') {
      ctx.say(keyAt, 'expected a non-empty string');
      return undefined;
    }
    ctx.hasInline = true;
    if (value.length < minLength) {
      ctx.say(keyAt, `shorter than ${V3_MIN_KEY_LENGTH} characters: SNMPv3 keys need at least ${V3_MIN_KEY_LENGTH} (RFC 3414)`);
      return undefined;
    }
    return { field, at: keyAt, source: { from: 'inline', value } };
  }
  if (key.endsWith('Env')) {
    if (typeof value !== 'string' || !ENV_NAME.test(value)) {
      ctx.say(keyAt, 'expected an environment variable name (letters, digits and "_", not starting with a digit)');
      return undefined;
    }
    return { field, at: keyAt, source: { from: 'env', variable: value } };
  }
  if (typeof value !== 'string' || value === '' || value.includes('\0')) {
    ctx.say(keyAt, 'expected a file path (absolute, or relative to the config file)');
    return undefined;
  }
  return { field, at: keyAt, source: { from: 'file', path: resolve(ctx.baseDir, value) } };
}

function unknownKey(key: string, allowed: readonly string[]): string {
  const near = allowed.find((a) => a.toLowerCase() === key.toLowerCase());
  return near ? `unknown key: did you mean "${near}"?` : `unknown key: expected one of ${allowed.join(', ')}`;
}

function known(names: readonly string[]): string {
  return names.length === 0 ? ' (the file has no profiles)' : ` (profiles: ${names.join(', ')})`;
}

function quoted(values: readonly string[]): string {
  return values.map((v) => `"${v}"`).join(', ');
}

/** "profiles.dc1.authKeyEnv"; a key that is not a plain word is written ["like this"]. */
export function jsonPath(keys: readonly string[], base = ''): string {
  let out = base;
  for (const key of keys) out += /^[A-Za-z0-9_-]+$/.test(key) ? `${out === '' ? '' : '.'}${key}` : `[${JSON.stringify(key)}]`;
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A JSON syntax error as "line L, column C: what" from V8's fixed wording, without its excerpt
 * of the text (which could show an inline secret).
 */
function jsonSyntaxProblem(text: string, e: unknown): string {
  const message = e instanceof Error ? e.message : '';
  if (text.trim() === '') return 'the file is empty: expected a JSON object ({ "profiles": { ... } })';
  if (/^Unexpected end of JSON input/.test(message)) return 'not valid JSON: the file ends too early (an unclosed { or " ?)';
  const at = / in JSON at position (\d+)/.exec(message);
  if (at) {
    const what = message.slice(0, at.index);
    const where = lineColumn(text, Number(at[1]));
    // V8's descriptions name only JSON punctuation ("Expected ',' or '}' after property value").
    const safe = /^[\w\s',{}[\]:-]*$/.test(what) && !/^Unexpected token/.test(what) && what.length < 80 ? what : 'unexpected character';
    return `not valid JSON at line ${where.line}, column ${where.column}: ${safe}`;
  }
  return 'not valid JSON: a value must be a "string", number, true, false, null, object or array (comments and unquoted words are not JSON)';
}

function lineColumn(text: string, position: number): { line: number; column: number } {
  const before = text.slice(0, position);
  const line = before.split('\n').length;
  return { line, column: position - before.lastIndexOf('\n') };
}
