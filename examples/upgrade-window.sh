#!/usr/bin/env bash
# Upgrade one Rack ATS inside a maintenance window, gated by ats-audit.
#
#   examples/upgrade-window.sh [--config FILE] [--profile NAME] HOST PACKAGE
#   examples/upgrade-window.sh 10.20.1.15 apc_hw02_aos390_g2ats392.exe
#   examples/upgrade-window.sh --config /etc/ats-audit/config.json --profile secure 10.20.1.15 apc_hw02_aos390_g2ats392.exe
#
# 1. Asks ats-audit whether the planned package may be flashed now. If the unit is at risk,
#    waits (up to 15 minutes, polling every 10 s) while the technician pulls the secondary feed
#    or removes the loads, printing each change it sees.
# 2. Only when the gate says ready (exit 0) does it hand over to the vendor's upgrade utility.
# 3. Afterwards it audits the unit again so the new firmware is on record.
#
# Credentials as ats-audit takes them: --config/--profile (passed on to both runs), else
# $ATS_AUDIT_CONFIG or the default config file, else $ATS_AUDIT_COMMUNITY. Never a secret
# as an argument: it would show in the process list.
set -euo pipefail

usage="usage: upgrade-window.sh [--config FILE] [--profile NAME] HOST PACKAGE"
credentials=()
while [ $# -gt 0 ]; do
  case "$1" in
    --config | --profile)
      [ $# -ge 2 ] || { echo "$usage" >&2; exit 2; }
      credentials+=("$1" "$2")
      shift 2
      ;;
    --config=* | --profile=*) credentials+=("$1"); shift ;;
    -h | --help) echo "$usage"; exit 0 ;;
    -*) echo "upgrade-window.sh: unknown option $1" >&2; echo "$usage" >&2; exit 2 ;;
    *) break ;;
  esac
done
[ $# -eq 2 ] || { echo "$usage" >&2; exit 2; }
host=$1
package=$2

default_config="${XDG_CONFIG_HOME:-${HOME:-/nonexistent}/.config}/ats-audit/config.json"
if [ ${#credentials[@]} -eq 0 ] && [ -z "${ATS_AUDIT_CONFIG:-}" ] && [ ! -f "$default_config" ] && [ -z "${ATS_AUDIT_COMMUNITY:-}" ]; then
  echo "upgrade-window.sh: no credentials: give --config/--profile, or set ATS_AUDIT_CONFIG or ATS_AUDIT_COMMUNITY (never a secret as an argument)" >&2
  exit 2
fi

rc=0
ats-audit check "$host" ${credentials[@]+"${credentials[@]}"} --package "$package" --wait 15m --interval 10s || rc=$?
if [ "$rc" -ne 0 ]; then
  # 3 at risk, 4 could not be cleared, 5 wrong package for this hardware, 2 bad invocation.
  echo "ats-audit check refused the upgrade of $host (exit $rc): not flashing." >&2
  exit "$rc"
fi

echo "Gate open for $host: run the vendor's upgrade for $package now (about 5 minutes without redundancy)."
# Replace this line with your upgrade procedure (the vendor's Firmware Upgrade Utility or FTP/SCP).
"${UPGRADE_COMMAND:-false}" "$host" "$package"

ats-audit "$host" ${credentials[@]+"${credentials[@]}"} --format table
