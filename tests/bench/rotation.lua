-- tests/bench/rotation.lua — what the wrk scripts scan.lua and draw.lua
-- share: a phone browser's headers, one pre-formatted request a code
-- taken in turn (each thread starting at its own sixteenth of the list),
-- and the figures printed when the run is done. Each script loads it with
-- dofile() from its own folder and uses its functions as wrk's phases.

local rotation = {}
local threads = {}
local reqs = {}
local count = 0
local next_i = 1

-- The headers of a phone's browser (a new table: the caller adds its
-- Accept), so that the server counts human scans.
function rotation.phone_headers()
	return {
		["User-Agent"] = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like " ..
		    "Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) " ..
		    "Version/17.0 Mobile/15E148 Safari/604.1",
		["Accept-Language"] = "zh-CN,zh-Hans;q=0.9",
	}
end

-- Setup phase: numbers the threads so that each starts elsewhere.
function rotation.setup(thread)
	thread:set("thread_index", #threads)
	table.insert(threads, thread)
end

-- Running phase, once per thread: make(line) pre-formats the request of
-- every non-empty line of file (its CR dropped); a file without one is an
-- error, "NONE in FILE".
function rotation.load(file, make, none)
	for line in io.lines(file) do
		line = line:gsub("\r$", "")
		if #line > 0 then
			count = count + 1
			reqs[count] = make(line)
		end
	end
	if count == 0 then
		error(none .. " in " .. file)
	end
	-- Up to 16 threads start at distinct sixteenths of the list.
	next_i = math.floor((thread_index or 0) * count / 16) % count + 1
end

-- The next code's request.
function rotation.request()
	local r = reqs[next_i]
	next_i = next_i + 1
	if next_i > count then
		next_i = 1
	end
	return r
end

-- Done phase: the sum over the threads of their global name.
function rotation.sum(name)
	local n = 0
	for _, t in ipairs(threads) do
		n = n + (t:get(name) or 0)
	end
	return n
end

-- Done phase: prints the figures every script gives, on lines
-- "SCRIPT: KEY VALUE" that the bench scripts read; non2xx is the sum of
-- the threads' non2xx.
function rotation.report(script, summary, latency)
	local e = summary.errors
	io.write(string.format("%s: requests %d\n", script, summary.requests))
	io.write(string.format("%s: rps %.1f\n", script,
	    summary.requests / (summary.duration / 1e6)))
	io.write(string.format("%s: p50_us %d\n", script,
	    latency:percentile(50)))
	io.write(string.format("%s: p99_us %d\n", script,
	    latency:percentile(99)))
	io.write(string.format("%s: non2xx %d\n", script,
	    rotation.sum("non2xx")))
	io.write(string.format("%s: errors %d\n", script,
	    e.connect + e.read + e.write + e.timeout))
end

return rotation
