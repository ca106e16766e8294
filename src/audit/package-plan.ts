import { listsModel, normaliseModel, type Advisory, type LookalikeFamily } from './advisory.js';
import type { Identity } from './device.js';
import type { Finding, Verdict } from './finding.js';

// A planned upgrade package x one unit -> what the bulletins say about flashing it. Pure.
//
// Only the file name is judged (the file is never opened). The order of the checks matters:
//   1. the name must look like an APC firmware package at all;
//   2. it must be firmware for this unit's hardware and product line (a 3.x package on a
//      first-generation unit, or another product's package, is wrong whatever the bulletin);
//   3. a package a bulletin lists: the bulletin's rules apply, so the unit's finding stands;
//   4. any other package is outside the bulletins: the tool cannot judge it, and never calls it safe.

/** A version as APC writes it in file names: "390" = 3.9.0. */
export interface FirmwareVersion {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  /** "3.9.0" */
  readonly text: string;
}

/**
 * A parsed package file name.
 * - `package`: the download, `apc_hw02_aos390_g2ats392.exe` (AOS + application);
 * - `aos-part`: the AOS file inside it, `apc_hw02_aos_390.bin` (as sysDescr `PN:` shows it);
 * - `app-part`: the application file, `apc_hw02_g2ats_392.bin` (as sysDescr `AN1:` shows it).
 */
export interface PackageName {
  /** The file name as given, without any directory. */
  readonly file: string;
  readonly form: 'package' | 'aos-part' | 'app-part';
  /** Card hardware generation, lower case: "hw02". */
  readonly hardware: string;
  /** Absent for an `app-part`. */
  readonly aos?: FirmwareVersion;
  /** Application (product line) and its version; absent for an `aos-part`. */
  readonly app?: { readonly line: string; readonly version: FirmwareVersion };
}

export type ParsedPackageName = { readonly ok: true; readonly name: PackageName } | { readonly ok: false; readonly problem: string };

export type PlanKind = 'listed' | 'not-listed' | 'wrong-hardware' | 'wrong-product' | 'not-a-package';

interface PlanBase {
  /** The file name as given (directory removed). */
  readonly packageFile: string;
  /** Why, in plain words. */
  readonly reason: string;
  /** What to do. */
  readonly action: string;
}

/** What the bulletins say about flashing one package onto one unit. */
export type PackagePlan =
  /** A bulletin lists the package: its rules apply and the unit's finding stands. */
  | (PlanBase & {
      readonly kind: 'listed';
      readonly package: PackageName;
      /** Every bulletin that lists it (directly or as the part of a listed package). */
      readonly advisoryIds: readonly string[];
      /** The unit's verdict, which decides. */
      readonly verdict: Verdict;
      /** True only when the finding is safe-to-upgrade or not-affected. */
      readonly mayFlashNow: boolean;
    })
  /** No bulletin lists it: outside what this tool can judge (never "safe"). */
  | (PlanBase & { readonly kind: 'not-listed'; readonly package: PackageName })
  /** Firmware for another hardware generation of this product (e.g. 3.x on a first-generation unit). */
  | (PlanBase & { readonly kind: 'wrong-hardware'; readonly package: PackageName })
  /** Firmware for another product line (a PDU's, a UPS card's, the ATS 4G's...). */
  | (PlanBase & { readonly kind: 'wrong-product'; readonly package: PackageName })
  /** The name does not look like an APC firmware package. */
  | (PlanBase & { readonly kind: 'not-a-package' });

export interface PlanInput {
  /** The planned file: a name or a path (only the name is used). */
  readonly packageFile: string;
  /** What the unit said about itself; absent when it did not answer. */
  readonly identity?: Identity;
  /** The unit's finding from evaluate() (or an unreachable finding). */
  readonly finding: Finding;
  readonly advisories: readonly Advisory[];
}

/** Plans that say "do not load this file on this unit", whatever its live state. */
export function isWrongPackage(plan: PackagePlan): boolean {
  return plan.kind === 'wrong-hardware' || plan.kind === 'wrong-product' || plan.kind === 'not-a-package';
}

/** The application name of the second-generation Rack ATS card, the bulletins' packages. */
const RACK_ATS_APP = 'g2ats';
const RACK_ATS_HARDWARE = 'hw02';

const EXPECTED_SHAPE =
  'expected a name like apc_hw02_aos390_g2ats392.exe (card hardware, AOS version, application and its version), ' +
  'or one of its parts, apc_hw02_aos_390.bin or apc_hw02_g2ats_392.bin';

const PACKAGE = /^apc_(hw\d{2})_aos(\d)(\d)(\d)_([a-z][a-z0-9]*?)(\d)(\d)(\d)(?:_bootmon\d{3})?\.exe$/i;
const AOS_PART = /^apc_(hw\d{2})_aos_(\d)(\d)(\d)\.bin$/i;
const APP_PART = /^apc_(hw\d{2})_([a-z][a-z0-9]*)_(\d)(\d)(\d)\.bin$/i;

function version(major: string, minor: string, patch: string): FirmwareVersion {
  const [a, b, c] = [Number(major), Number(minor), Number(patch)];
  return { major: a, minor: b, patch: c, text: `${a}.${b}.${c}` };
}

/** The name without any directory (either separator). */
export function baseName(file: string): string {
  return file.trim().split(/[\\/]/).at(-1) ?? '';
}

/** Parses an APC firmware file name; `problem` says in plain words why a name is not one. */
export function parsePackageName(file: string): ParsedPackageName {
  const name = baseName(file);
  let m = PACKAGE.exec(name);
  if (m) {
    return {
      ok: true,
      name: {
        file: name,
        form: 'package',
        hardware: m[1]!.toLowerCase(),
        aos: version(m[2]!, m[3]!, m[4]!),
        app: { line: m[5]!.toLowerCase(), version: version(m[6]!, m[7]!, m[8]!) },
      },
    };
  }
  m = AOS_PART.exec(name);
  if (m) return { ok: true, name: { file: name, form: 'aos-part', hardware: m[1]!.toLowerCase(), aos: version(m[2]!, m[3]!, m[4]!) } };
  m = APP_PART.exec(name);
  if (m) {
    return {
      ok: true,
      name: { file: name, form: 'app-part', hardware: m[1]!.toLowerCase(), app: { line: m[2]!.toLowerCase(), version: version(m[3]!, m[4]!, m[5]!) } },
    };
  }
  const shown = JSON.stringify(name);
  if (name === '') return { ok: false, problem: `no package file name given: ${EXPECTED_SHAPE}` };
  if (/^apc_hw\d{2}_/i.test(name)) {
    return { ok: false, problem: `${shown} starts like an APC firmware file but the rest is not in the vendor's shape: ${EXPECTED_SHAPE}` };
  }
  return { ok: false, problem: `${shown} does not look like an APC firmware package: ${EXPECTED_SHAPE}` };
}

/** What the unit's card is, as far as it told us. */
interface UnitCard {
  readonly model?: string;
  /** From sysDescr PN:/AN1: file names, lower case. */
  readonly hardware?: string;
  readonly appLine?: string;
  readonly aosMajor?: number;
  /** First-generation Rack ATS, and why we think so. */
  readonly firstGeneration?: string;
  readonly kind: 'rack-ats' | 'ats4g' | 'not-ats' | 'unknown';
}

/**
 * What the bulletins know of a model (the only place model knowledge lives): listed (a Rack ATS
 * of the second generation), or a look-alike of a known family.
 */
function modelFamily(model: string | undefined, advisories: readonly Advisory[]): 'listed' | LookalikeFamily | undefined {
  if (model === undefined) return undefined;
  if (advisories.some((a) => listsModel(a, model))) return 'listed';
  for (const a of advisories) for (const l of a.lookalikes) if (l.family && l.pattern.test(model)) return l.family;
  return undefined;
}

function unitCard(identity: Identity | undefined, finding: Finding, advisories: readonly Advisory[]): UnitCard {
  const model = identity?.model ? normaliseModel(identity.model) : undefined;
  const family = modelFamily(model, advisories);
  const app = identity?.appFile ? /^apc_(hw\d{2})_([a-z][a-z0-9]*)_\d/i.exec(baseName(identity.appFile)) : null;
  const aos = identity?.aosFile ? /^apc_(hw\d{2})_aos_/i.exec(baseName(identity.aosFile)) : null;
  const hardware = (app?.[1] ?? aos?.[1])?.toLowerCase();
  const appLine = app?.[2]?.toLowerCase();
  const aosMajorText = /^\s*v?(\d+)\./i.exec(identity?.aosVersion ?? '')?.[1];
  const aosMajor = aosMajorText === undefined ? undefined : Number(aosMajorText);

  const why: string[] = [];
  if (model && family === 'first-generation') why.push(`${model} is a first-generation Rack ATS`);
  if (aosMajor === 2) why.push(`its card runs AOS ${identity?.aosVersion?.trim()}`);
  if (hardware === 'hw01') why.push('its card is hardware hw01');

  let kind: UnitCard['kind'] = 'unknown';
  if (finding.verdict === 'not-ats') kind = 'not-ats';
  else if (family === 'other-line' || (appLine !== undefined && appLine !== RACK_ATS_APP && /ats/.test(appLine) && why.length === 0)) kind = 'ats4g';
  else if (family === 'listed' || appLine === RACK_ATS_APP || why.length > 0) kind = 'rack-ats';

  return {
    ...(model !== undefined && { model }),
    ...(hardware !== undefined && { hardware }),
    ...(appLine !== undefined && { appLine }),
    ...(aosMajor !== undefined && { aosMajor }),
    ...(why.length > 0 && { firstGeneration: why.join('; ') }),
    kind,
  };
}

function describePackage(p: PackageName): string {
  if (p.form === 'package') return `AOS ${p.aos!.text} with ${p.app!.line} ${p.app!.version.text} for card hardware ${p.hardware}`;
  if (p.form === 'aos-part') return `AOS ${p.aos!.text} for card hardware ${p.hardware}`;
  return `${p.app!.line} ${p.app!.version.text} for card hardware ${p.hardware}`;
}

/** The packages (and their parts) a bulletin lists that this name matches. */
function listingAdvisories(p: PackageName, advisories: readonly Advisory[]): string[] {
  const ids: string[] = [];
  for (const a of advisories) {
    const hit = a.packages.some((listedFile) => {
      if (baseName(listedFile).toLowerCase() === p.file.toLowerCase()) return true;
      const listed = parsePackageName(listedFile);
      if (!listed.ok || listed.name.form !== 'package' || p.form === 'package') return false;
      const l = listed.name;
      if (l.hardware !== p.hardware) return false;
      if (p.form === 'aos-part') return l.aos!.text === p.aos!.text;
      return l.app!.line === p.app!.line && l.app!.version.text === p.app!.version.text;
    });
    if (hit) ids.push(a.id);
  }
  return ids;
}

/** Hardware or product mismatch, or undefined when the package fits (or cannot be checked). */
function mismatch(p: PackageName, card: UnitCard, finding: Finding): PackagePlan | undefined {
  const what = `${p.file} is ${describePackage(p)}`;
  const unit = card.model ?? 'this unit';
  const isThreeX = (p.aos?.major ?? p.app?.version.major ?? 0) >= 3;

  if (card.firstGeneration) {
    if (isThreeX || p.app?.line === RACK_ATS_APP || p.hardware !== 'hw01') {
      return {
        kind: 'wrong-hardware',
        package: p,
        packageFile: p.file,
        reason: `wrong firmware for this hardware: ${card.firstGeneration}, but ${what}${
          isThreeX ? ' (3.x firmware for the second-generation card)' : ''
        }: it is not meant for this unit`,
        action: `Do not load ${p.file} on ${unit}. Use only firmware the vendor publishes for the first-generation unit (AOS 2.x), following its release notes.`,
      };
    }
    return undefined;
  }

  if (card.kind === 'not-ats') {
    if (p.app && /ats/.test(p.app.line)) {
      return {
        kind: 'wrong-product',
        package: p,
        packageFile: p.file,
        reason: `wrong product: ${what}, Rack ATS firmware, but this unit is not a Rack ATS (${finding.reason})`,
        action: `Do not load ${p.file} on this unit; use the firmware for its own product line.`,
      };
    }
    return undefined;
  }

  // The unit's own card file names are the best evidence of its line and hardware.
  const unitLine = card.appLine ?? (card.kind === 'rack-ats' ? RACK_ATS_APP : undefined);
  const unitHardware = card.hardware ?? (card.kind === 'rack-ats' ? RACK_ATS_HARDWARE : undefined);
  const lineShown = card.appLine ? `its card runs ${card.appLine}` : card.kind === 'rack-ats' ? 'it is a Rack ATS (application g2ats)' : '';
  if (card.kind === 'ats4g' && p.app?.line === RACK_ATS_APP) {
    return {
      kind: 'wrong-product',
      package: p,
      packageFile: p.file,
      reason: `wrong product: ${what}, firmware for the AP77xx Rack ATS, but ${unit} is a newer ATS line with a different card and firmware`,
      action: `Do not load ${p.file} on ${unit}; use the firmware the vendor publishes for this ATS line.`,
    };
  }
  if (p.app && unitLine !== undefined && p.app.line !== unitLine) {
    return {
      kind: 'wrong-product',
      package: p,
      packageFile: p.file,
      reason: `wrong product: ${what}, firmware for another product line, but ${lineShown || `${unit} runs ${unitLine}`}`,
      action: `Do not load ${p.file} on ${unit}; use the ${unitLine} firmware for card hardware ${unitHardware ?? 'as labelled on the card'}.`,
    };
  }
  if (unitHardware !== undefined && p.hardware !== unitHardware) {
    return {
      kind: 'wrong-hardware',
      package: p,
      packageFile: p.file,
      reason: `wrong firmware for this hardware: ${what}, but ${unit}'s card is hardware ${unitHardware}${card.hardware ? ' (from its sysDescr file names)' : ''}`,
      action: `Do not load ${p.file} on ${unit}; use the firmware for card hardware ${unitHardware}.`,
    };
  }
  return undefined;
}

/** Judges flashing `packageFile` onto one unit. */
export function planPackage(input: PlanInput): PackagePlan {
  const { finding, advisories } = input;
  const parsed = parsePackageName(input.packageFile);
  if (!parsed.ok) {
    return {
      kind: 'not-a-package',
      packageFile: baseName(input.packageFile),
      reason: parsed.problem,
      action: "Check the file name against the vendor's download page; this tool judges packages by their APC file name only.",
    };
  }
  const p = parsed.name;
  const card = unitCard(input.identity, finding, advisories);
  const wrong = mismatch(p, card, finding);
  if (wrong) return wrong;

  const unchecked =
    card.kind === 'unknown' && input.identity === undefined
      ? ' (the unit did not answer, so whether the package fits its hardware was not checked)'
      : '';
  const ids = listingAdvisories(p, advisories);
  if (ids.length > 0) {
    const verdict = finding.verdict;
    const mayFlashNow = verdict === 'safe-to-upgrade' || verdict === 'not-affected';
    const part = p.form === 'package' ? '' : ' (part of a listed package)';
    const listed = `planned package ${p.file} is listed in ${ids.join(', ')}${part}: the bulletin's rules apply`;
    return {
      kind: 'listed',
      package: p,
      packageFile: p.file,
      advisoryIds: ids,
      verdict,
      mayFlashNow,
      reason: `${listed}, and this unit is ${verdict}: ${finding.reason}${unchecked}`,
      action: finding.action || (mayFlashNow ? 'Nothing to do first for the bulletin.' : 'See the reason.'),
    };
  }

  const checked = advisories.map((a) => a.id).join(', ');
  return {
    kind: 'not-listed',
    package: p,
    packageFile: p.file,
    reason:
      `${p.file} is not listed in any bundled bulletin${checked ? ` (checked: ${checked})` : ''}: this tool cannot judge it; ` +
      `follow the vendor's release notes${unchecked}`,
    action:
      "Follow the vendor's release notes for this package. Until they say otherwise, the bulletin's precautions are the cautious choice: " +
      'run the ATS on its primary input alone, or with no load attached, during any firmware update.',
  };
}
