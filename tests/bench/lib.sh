# tests/bench/lib.sh — what the server benchmarks share: ratios, /metrics
# samples, the load average and a process's CPU time. Sourced by
# tests/bench/scan and tests/bench/draw.

# ratio X Y: X / Y with two decimals.
ratio() {
	awk -v x="$1" -v y="$2" 'BEGIN { printf "%.2f", (y > 0 ? x / y : 0) }'
}

# metric FILE NAME: a sample's value in a Prometheus text page (0 if absent).
metric() {
	awk -v n="$2" '$1 == n { v = $2 } END { print (v == "" ? 0 : v) }' "$1"
}

# load_now: the load averages.
load_now() {
	cut -d' ' -f1-3 /proc/loadavg
}

# cpu_ticks PID: user + system time of the process PID (all its threads),
# in clock ticks.
cpu_ticks() {
	# The fields after the command's closing parenthesis: utime and stime
	# are the 14th and 15th of the line, the 12th and 13th after it.
	awk '{
		sub(/^.*\) /, "")
		print $12 + $13
	}' "/proc/$1/stat"
}
CLK_TCK=$(getconf CLK_TCK)

# cpu_us TICKS REQUESTS: microseconds of CPU per request.
cpu_us() {
	awk -v t="$1" -v n="$2" -v hz="$CLK_TCK" \
	    'BEGIN { printf "%.1f", (n > 0 ? t * 1000000 / hz / n : 0) }'
}
