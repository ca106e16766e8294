import type { Config, Profile, SecretRef } from './config-file.js';

// Where a target's credentials would come from, in words, for --list-targets. Pure, and
// reads no secret: a variable is only said to be set or not, a file is named, never opened.
// The precedence is resolve.ts's (inventory community, inventory profile, --profile, the
// config's defaultProfile unless --community/--community-file is given, the community
// options, "public"); test/cli/list-targets.test.ts checks the two agree on a fleet that
// uses every step.

export interface SourceDefaults {
  /** --profile NAME. */
  readonly profile?: string;
  /** Which option gave the run-wide community, if any. */
  readonly community?: { readonly from: '--community-file' | '--community' | '$ATS_AUDIT_COMMUNITY'; readonly file?: string };
  readonly version: '1' | '2c';
}

export interface SourceRequest {
  /** "fleet.csv:12". */
  readonly origin: string;
  readonly profile?: string;
  /** Only whether it is there matters; never quoted. */
  readonly community?: string;
}

/** `env` tells whether a variable is set and not empty. */
export function credentialSource(
  request: SourceRequest,
  ctx: { readonly config: Config; readonly defaults: SourceDefaults; readonly isSet: (variable: string) => boolean },
): string {
  const rowCommunity = request.community !== undefined && request.community !== '';
  if (request.profile) {
    const p = profileText(ctx, request.profile, request.origin);
    return rowCommunity ? `${p}; community from ${request.origin}` : p;
  }
  if (rowCommunity) return `community from ${request.origin} (SNMPv${ctx.defaults.version})`;
  const { defaults, config } = ctx;
  if (defaults.profile !== undefined) return profileText(ctx, defaults.profile, '--profile');
  const explicit = defaults.community !== undefined && defaults.community.from !== '$ATS_AUDIT_COMMUNITY';
  if (config.defaultProfile !== undefined && !explicit) return profileText(ctx, config.defaultProfile, `defaultProfile in ${config.file}`);
  if (defaults.community) {
    const where = defaults.community.from === '--community-file' ? `--community-file ${defaults.community.file ?? ''}`.trim() : defaults.community.from;
    return `community from ${where} (SNMPv${defaults.version})`;
  }
  return `community "public" (none given; SNMPv${defaults.version})`;
}

function profileText(ctx: { readonly config: Config; readonly isSet: (variable: string) => boolean }, name: string, by: string): string {
  const shown = `profile ${JSON.stringify(name)} from ${by}`;
  const profile = ctx.config.profiles.get(name);
  if (!profile) return `${shown}: not in ${ctx.config.found ? ctx.config.file : `any config file (${ctx.config.file} not found)`}`;
  return `${shown}: ${profileSummary(profile, ctx.isSet)}`;
}

function profileSummary(p: Profile, isSet: (variable: string) => boolean): string {
  if (p.version !== '3') return `SNMPv${p.version}, community ${secretSource(p.community, isSet)}`;
  const user = `user ${JSON.stringify(p.user)}`;
  if (p.level === 'noAuthNoPriv') return `SNMPv3 noAuthNoPriv, ${user}`;
  if (p.level === 'authNoPriv') return `SNMPv3 authNoPriv ${p.authProtocol}, ${user}, auth key ${secretSource(p.authKey, isSet)}`;
  return `SNMPv3 authPriv ${p.authProtocol}/${p.privProtocol}, ${user}, auth key ${secretSource(p.authKey, isSet)}, priv key ${secretSource(p.privKey, isSet)}`;
}

function secretSource(ref: SecretRef, isSet: (variable: string) => boolean): string {
  const s = ref.source;
  switch (s.from) {
    case 'env':
      return `from $${s.variable}${isSet(s.variable) ? '' : ' (not set: this profile cannot be used yet)'}`;
    case 'file':
      return `from ${s.path}`;
    case 'inline':
      return 'in the config file';
  }
}
