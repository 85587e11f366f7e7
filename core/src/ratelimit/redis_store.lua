-- Bulwark rate limiting: one decision, atomically, in one round trip.
-- KEYS[i]: the state of rate i. ARGV: strategy, cost, peek ("1"/"0"), then limit_i, period_i
-- (microseconds) for each rate. Time comes from the server (TIME), so application servers with
-- skewed clocks share one consistent limit. Numbers written to Redis go through fmt() because Lua
-- would print large ones in exponent form.
-- Returns {all_allowed, then per rate: allowed, remaining if counted, remaining if not counted,
-- reset, retry}; retry -1 means "never" (cost > limit). Mirrors `step` in mod.rs, including its
-- rule for a server clock that stepped back: per key, time never reads earlier than the latest
-- time the key recorded.
-- (clock, fmt, expire_at and entry come from redis_common.lua, sent in front of this script.)
local strategy, cost, peek = ARGV[1], tonumber(ARGV[2]), ARGV[3] == '1'

local out, writes, all = {1}, {}, true
for i = 1, #KEYS do
  local key = KEYS[i]
  local now = clock
  local limit, p = tonumber(ARGV[2 + 2 * i]), tonumber(ARGV[3 + 2 * i])
  local allowed, remaining, uncounted, reset, retry
  if strategy == 'fixed-window' then
    -- the window opens at the first hit (as `limits`)
    local s = redis.call('HMGET', key, 's', 'c')
    if s[1] and tonumber(s[1]) > now then now = tonumber(s[1]) end
    local start, count = now, 0
    if s[1] and tonumber(s[1]) + p > now then start, count = tonumber(s[1]), tonumber(s[2]) end
    allowed = count + cost <= limit
    local used = allowed and count + cost or count
    remaining, uncounted, reset = math.max(limit - used, 0), math.max(limit - count, 0), start + p - now
    retry = allowed and 0 or (cost > limit and -1 or reset)
    writes[i] = function()
      redis.call('HSET', key, 's', fmt(start), 'c', fmt(used))
      expire_at(key, start + p)
    end
  elseif strategy == 'sliding-window' then
    local s = redis.call('HMGET', key, 's', 'c', 'v')
    local ws, count, previous = tonumber(s[1]), 0, 0
    if ws and ws > now then now = ws end
    local start = now - (now % p)
    if ws == start then
      count, previous = tonumber(s[2]), tonumber(s[3])
    elseif ws ~= nil and ws + p == start then
      previous = tonumber(s[2])
    end
    local elapsed = now - start
    local current = math.ceil(previous * (p - elapsed) / p) + count
    allowed = current + cost <= limit
    local used = allowed and current + cost or current
    remaining, uncounted = math.max(limit - used, 0), math.max(limit - current, 0)
    if count > 0 or (allowed and cost > 0) then reset = 2 * p - elapsed
    elseif previous > 0 then reset = p - elapsed else reset = 0 end
    if allowed then retry = 0
    elseif cost > limit then retry = -1
    else
      -- as sliding_retry in mod.rs: first within this window, else from the next one
      retry = nil
      local room = limit - (count + cost)
      if count + cost <= limit and previous > 0 then
        local e_needed = p - math.floor(room * p / previous)
        if e_needed < p then retry = math.max(e_needed - elapsed, 1) end
      end
      if retry == nil then
        local to_next = p - elapsed
        if count == 0 then retry = to_next
        else retry = to_next + math.max(p - math.floor((limit - cost) * p / count), 0) end
      end
    end
    writes[i] = function()
      redis.call('HSET', key, 's', fmt(start), 'c', fmt(count + cost), 'v', fmt(previous))
      expire_at(key, start + 2 * p)
    end
  elseif strategy == 'moving-window' then
    -- The exact log, oldest first, one entry "ts:cost:cum" per counted hit, where cum is the
    -- running total of the costs pushed, so the window's total is O(1):
    -- cum(newest) - (cum(oldest) - cost(oldest)). Expired entries are popped from the head
    -- (each once); only a denial searches the log, by bisection, for when enough frees up.
    local used, base, last_ts, last_cum, n = 0, 0, nil, 0, 0
    local newest = entry(redis.call('LINDEX', key, -1))
    if newest and newest > now then now = newest end
    while true do
      local e = redis.call('LINDEX', key, 0)
      if not e then break end
      local ts, c, cum = entry(e)
      if ts and ts + p > now then
        base = cum - c
        n = redis.call('LLEN', key)
        local lts, _, lcum = entry(redis.call('LINDEX', key, -1))
        last_ts, last_cum = lts, lcum
        used = last_cum - base
        break
      end
      redis.call('LPOP', key)
    end
    allowed = used + cost <= limit
    if allowed then retry = 0
    elseif cost > limit then retry = -1
    else
      -- the oldest entry whose removal (with all before it) frees `need`
      local need, lo, hi = used + cost - limit, 0, n - 1
      while lo < hi do
        local mid = math.floor((lo + hi) / 2)
        local _, _, cum = entry(redis.call('LINDEX', key, mid))
        if cum - base >= need then hi = mid else lo = mid + 1 end
      end
      local ts = entry(redis.call('LINDEX', key, lo))
      retry = ts + p - now
    end
    local now_used = allowed and used + cost or used
    remaining, uncounted = math.max(limit - now_used, 0), math.max(limit - used, 0)
    if allowed and cost > 0 then reset = p elseif last_ts then reset = last_ts + p - now else reset = 0 end
    local next_cum = last_cum + cost
    writes[i] = function()
      if cost > 0 then
        redis.call('RPUSH', key, fmt(now) .. ':' .. fmt(cost) .. ':' .. fmt(next_cum))
        expire_at(key, now + p)
      end
    end
  elseif strategy == 'gcra' then
    local tat = tonumber(redis.call('GET', key) or '0')
    if tat < now then tat = now end
    -- at most one period ahead of the hit that stored it; more means the clock stepped back
    if tat > now + p then tat = now + p end
    local new_tat = tat + math.floor(cost * p / limit)
    local allow_at = new_tat - p
    allowed = cost <= limit and allow_at <= now
    local kept = allowed and new_tat or tat
    local backlog = kept - now
    remaining = math.max(limit - math.ceil(backlog * limit / p), 0)
    uncounted = math.max(limit - math.ceil((tat - now) * limit / p), 0)
    reset = backlog
    retry = allowed and 0 or (cost > limit and -1 or allow_at - now)
    writes[i] = function()
      redis.call('SET', key, fmt(new_tat))
      expire_at(key, new_tat)
    end
  else
    return redis.error_reply('unknown strategy ' .. tostring(strategy))
  end
  if not allowed then all = false end
  out[#out + 1] = allowed and 1 or 0
  out[#out + 1] = remaining
  out[#out + 1] = uncounted
  out[#out + 1] = reset
  out[#out + 1] = retry
end
if all and not peek then
  -- a rate listed twice is one key: count it once
  local written = {}
  for i = 1, #KEYS do
    if not written[KEYS[i]] then written[KEYS[i]] = true; writes[i]() end
  end
end
out[1] = all and 1 or 0
return out
