-- flood.lua — wrk script of abuse/forged_flood.sh: forged and malformed
-- code URLs, as a flood from one client would send them.
--
--   FLOOD_PER_THREAD=N wrk -tT -cC -dD -s flood.lua http://HOST:PORT \
--       -- GTIN SERIAL SIG
--
-- Per request: 96 in 100 name the genuine code SERIAL of product GTIN
-- with its signature SIG changed in one random character (forged: the
-- store's digest check fails at once), 2 a random serial with SIG
-- (forged: no such code, after an Ed25519 check), 2 a serial that does
-- not parse (malformed). Each thread stops sending after FLOOD_PER_THREAD
-- answers (wrk itself ends at its -d or on SIGINT). done() prints:
--   flood.lua: requests N
--   flood.lua: status STATUS N     (one line per status seen)
--   flood.lua: errors N

local B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
local threads = {}

-- Random base32 text of n characters.
local function rnd(n)
	local t = {}
	for i = 1, n do
		local j = math.random(1, 32)
		t[i] = B32:sub(j, j)
	end
	return table.concat(t)
end

-- Setup phase: numbers the threads (for their random seeds).
function setup(thread)
	thread:set("id", #threads + 1)
	table.insert(threads, thread)
end

-- Running phase, once per thread.
function init(args)
	gtin, serial, sig = args[1], args[2], args[3]
	if sig == nil then
		error("flood.lua: give GTIN SERIAL SIG after --")
	end
	math.randomseed(os.time() * 100 + id)
	limit = tonumber(os.getenv("FLOOD_PER_THREAD") or "0")
	seen = 0
	counts = {}
	headers = { ["User-Agent"] = "Mozilla/5.0 (Linux; Android 14) " ..
	    "AppleWebKit/537.36 Chrome/124.0 Mobile Safari/537.36" }
end

-- SIG with one character (not the last, whose spare bits must be zero)
-- changed to another.
local function mangle()
	local i = math.random(1, #sig - 1)
	local c = sig:sub(i, i)
	local j = B32:find(c, 1, true)
	local k = (j + math.random(1, 31) - 1) % 32 + 1
	return sig:sub(1, i - 1) .. B32:sub(k, k) .. sig:sub(i + 1)
end

-- The next forged or malformed path.
function request()
	local r = math.random(1, 100)
	local path
	if r <= 96 then
		path = "/01/" .. gtin .. "/21/" .. serial .. "?S=" .. mangle()
	elseif r <= 98 then
		path = "/01/" .. gtin .. "/21/" .. rnd(12) .. serial:sub(13) ..
		    "?S=" .. sig
	else
		path = "/01/" .. gtin .. "/21/" .. rnd(5) .. "-?S=" .. rnd(8)
	end
	return wrk.format("GET", path, headers)
end

-- Counts answers by status; stops the thread at its limit.
function response(status, hdrs, body)
	seen = seen + 1
	counts[status] = (counts[status] or 0) + 1
	if limit > 0 and seen >= limit then
		wrk.thread:stop()
	end
end

-- Done phase: the figures, summed over the threads.
function done(summary, latency, requests)
	local total = {}
	for _, t in ipairs(threads) do
		local c = t:get("counts")
		for s, n in pairs(c) do
			total[s] = (total[s] or 0) + n
		end
	end
	io.write(string.format("flood.lua: requests %d\n", summary.requests))
	for s, n in pairs(total) do
		io.write(string.format("flood.lua: status %d %d\n", s, n))
	end
	local e = summary.errors
	io.write(string.format("flood.lua: errors %d\n",
	    e.connect + e.read + e.write + e.timeout))
end
