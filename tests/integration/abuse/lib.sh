# lib.sh — helpers of the abuse tests (sourced, not run), on top of
# ../serve/lib.sh: the attackers' and the genuine client's addresses, and
# the server's resident memory.
. "$(dirname "${BASH_SOURCE[0]}")/../serve/lib.sh"

# This folder (genuine.py), whatever the working directory.
ABUSE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# The genuine client; attackers are 127.0.1.x. Linux routes all of
# 127.0.0.0/8 to the loopback interface, so no set-up is needed.
GENUINE_SRC=127.0.2.1

# rss_kb PID: the resident memory of a process, in KiB.
rss_kb() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

# fds_of PID: its open descriptors.
fds_of() {
	ls "/proc/$1/fd" | wc -l
}
