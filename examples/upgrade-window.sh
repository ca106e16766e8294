#!/usr/bin/env bash
# Upgrade one Rack ATS inside a maintenance window, gated by ats-audit.
#
#   examples/upgrade-window.sh 10.20.1.15 apc_hw02_aos390_g2ats392.exe
#
# 1. Asks ats-audit whether the planned package may be flashed now. If the unit is at risk,
#    waits (up to 15 minutes, polling every 10 s) while the technician pulls the secondary feed
#    or removes the loads, printing each change it sees.
# 2. Only when the gate says ready (exit 0) does it hand over to the vendor's upgrade utility.
# 3. Afterwards it audits the unit again so the new firmware is on record.
set -euo pipefail

host=${1:?usage: upgrade-window.sh HOST PACKAGE}
package=${2:?usage: upgrade-window.sh HOST PACKAGE}
: "${ATS_AUDIT_COMMUNITY:?set ATS_AUDIT_COMMUNITY (or use a --config profile) - never pass secrets as arguments}"

rc=0
ats-audit check "$host" --package "$package" --wait 15m --interval 10s || rc=$?
if [ "$rc" -ne 0 ]; then
  # 3 at risk, 4 could not be cleared, 5 wrong package for this hardware, 2 bad invocation.
  echo "ats-audit check refused the upgrade of $host (exit $rc): not flashing." >&2
  exit "$rc"
fi

echo "Gate open for $host: run the vendor's upgrade for $package now (about 5 minutes without redundancy)."
# Replace this line with your upgrade procedure (the vendor's Firmware Upgrade Utility or FTP/SCP).
"${UPGRADE_COMMAND:-false}" "$host" "$package"

ats-audit "$host" --format table
