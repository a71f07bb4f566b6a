# serve.sh — starting `scanloop serve` on a free port in the background
# and stopping it, for the integration, browser and bench scripts (bash;
# sourced, not run).
#
# The functions return non-zero with the reason in SRV_ERROR instead of
# exiting: each caller fails in its own words (fail, die). When a start
# fails, SRV_PID still names the background job (if one was started), for
# the caller's cleanup to kill.

# (read by the callers)
# shellcheck disable=SC2034
SRV_PID=
SRV_SIG_PID=
SRV_URL=
SRV_HOST=
SRV_PORT=
SRV_OUT=
SRV_ERR=
SRV_RC=
SRV_ERROR=

# serve_launch [--prefix CMD] [--listen ADDR] --out FILE --err FILE --
# [ARGS...]: runs `$SCANLOOP serve --listen ADDR ARGS` (ADDR 127.0.0.1:0,
# a free port, unless given) in the background, under CMD if given (split
# into words: "taskset -c 1", "faketime -f +1d"), its stdout and stderr
# into the --out and --err files, stdin from /dev/null and without fd 9
# (a lock its caller may hold). Waits up to 30 s for its line "scanloop
# serve: listening on http://HOST:PORT ...", then up to 30 s for /healthz
# to answer 200. Sets SRV_PID (the background job: CMD if it forks),
# SRV_SIG_PID (the same; a caller whose CMD forks sets it to the server),
# SRV_URL (http://HOST:PORT), SRV_HOST (without an IPv6 address's
# brackets), SRV_PORT, SRV_OUT and SRV_ERR; returns 1 with SRV_ERROR set
# (and SRV_RC if the server exited) if the server does not come up.
serve_launch() {
	local prefix='' listen=127.0.0.1:0 hostport i code

	SRV_OUT=
	SRV_ERR=
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		if [ $# -lt 2 ]; then
			SRV_ERROR="serve_launch: $1 wants a value"
			return 1
		fi
		case $1 in
		--prefix) prefix=$2 ;;
		--listen) listen=$2 ;;
		--out) SRV_OUT=$2 ;;
		--err) SRV_ERR=$2 ;;
		*) SRV_ERROR="serve_launch: unknown option $1"; return 1 ;;
		esac
		shift 2
	done
	[ $# -eq 0 ] || shift
	SRV_PID=
	SRV_RC=
	if [ -z "$SRV_OUT" ] || [ -z "$SRV_ERR" ]; then
		SRV_ERROR="serve_launch: --out and --err are required"
		return 1
	fi
	# The files exist before the job starts, so that reading them cannot
	# race its redirections.
	: >"$SRV_OUT"
	: >"$SRV_ERR"
	# shellcheck disable=SC2086
	$prefix "$SCANLOOP" serve --listen "$listen" "$@" \
	    >"$SRV_OUT" 2>"$SRV_ERR" </dev/null 9<&- &
	SRV_PID=$!
	SRV_SIG_PID=$SRV_PID
	hostport=
	for ((i = 0; i < 600; i++)); do
		hostport=$(sed -n \
		    's|^scanloop serve: listening on http://\([^ ]*\) .*|\1|p' \
		    "$SRV_OUT")
		[ -n "$hostport" ] && break
		serve_check_alive "$@" || return 1
		sleep 0.05
	done
	if [ -z "$hostport" ]; then
		SRV_ERROR="scanloop serve $* printed no listening line in 30 s:"
		SRV_ERROR+=" $(tail -n 20 "$SRV_ERR")"
		return 1
	fi
	SRV_URL="http://$hostport"
	SRV_PORT=${hostport##*:}
	SRV_HOST=${hostport%:*}
	SRV_HOST=${SRV_HOST#[}
	SRV_HOST=${SRV_HOST%]}
	for ((i = 0; i < 300; i++)); do
		code=$(curl -gs -o /dev/null -w '%{http_code}' --max-time 5 \
		    "$SRV_URL/healthz" || true)
		[ "$code" = 200 ] && return 0
		serve_check_alive "$@" || return 1
		sleep 0.1
	done
	SRV_ERROR="the server on $SRV_URL does not answer /healthz with 200"
	return 1
}

# serve_check_alive [ARGS...]: returns 1 with SRV_ERROR and SRV_RC set if
# the server (started with ARGS) has exited.
serve_check_alive() {
	kill -0 "$SRV_PID" 2>/dev/null && return 0
	serve_reap 1 2>/dev/null
	SRV_ERROR="scanloop serve $* exited $SRV_RC at start-up:"
	SRV_ERROR+=" $(tail -n 20 "$SRV_ERR")"
	return 1
}

# serve_reap SECONDS: waits up to SECONDS for the server to exit and reaps
# it: sets SRV_RC, or leaves it empty if the server still runs.
serve_reap() {
	local i n=$(($1 * 20))

	SRV_RC=
	for ((i = 0; i < n; i++)); do
		kill -0 "$SRV_PID" 2>/dev/null || break
		sleep 0.05
	done
	kill -0 "$SRV_PID" 2>/dev/null && return 0
	SRV_RC=0
	wait "$SRV_PID" 2>/dev/null || SRV_RC=$?
}

# serve_halt SECONDS: sends SIGTERM to the server (SRV_SIG_PID) and waits
# up to SECONDS for it to exit; sets SRV_RC (its exit status), or returns
# 1 with SRV_ERROR set if it was not running or did not exit.
serve_halt() {
	if ! kill -TERM "$SRV_SIG_PID" 2>/dev/null; then
		SRV_ERROR="the server (pid $SRV_SIG_PID) is not running"
		return 1
	fi
	serve_reap "$1"
	if [ -z "$SRV_RC" ]; then
		SRV_ERROR="the server (pid $SRV_PID) did not exit within $1 s"
		SRV_ERROR+=" after SIGTERM"
		return 1
	fi
}
