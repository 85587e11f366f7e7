-- Bulwark rate limiting: give back ARGV[2] units of an earlier counted hit (see `refund` in
-- mod.rs, which this mirrors), atomically. KEYS[i]: the state of rate i. ARGV: strategy, cost,
-- then limit_i, period_i (microseconds) for each rate. A key listed twice is refunded once.
-- (clock, fmt, expire_at and entry come from redis_common.lua, sent in front of this script.)
local strategy, cost = ARGV[1], tonumber(ARGV[2])

local done = {}
for i = 1, #KEYS do
  local key = KEYS[i]
  local now = clock
  local limit, p = tonumber(ARGV[1 + 2 * i]), tonumber(ARGV[2 + 2 * i])
  if not done[key] then
    done[key] = true
    if strategy == 'fixed-window' then
      local s = redis.call('HMGET', key, 's', 'c')
      if s[1] and tonumber(s[1]) > now then now = tonumber(s[1]) end
      if s[1] and tonumber(s[1]) + p > now then
        redis.call('HSET', key, 'c', fmt(math.max(tonumber(s[2]) - cost, 0)))
      end
    elseif strategy == 'sliding-window' then
      local s = redis.call('HMGET', key, 's', 'c', 'v')
      local ws = tonumber(s[1])
      if ws and ws > now then now = ws end
      if ws and ws + p > now then
        redis.call('HSET', key, 'c', fmt(math.max(tonumber(s[2]) - cost, 0)))
      elseif ws and ws + 2 * p > now then
        redis.call('HSET', key, 's', fmt(ws + p), 'c', '0', 'v', fmt(math.max(tonumber(s[2]) - cost, 0)))
        expire_at(key, ws + 3 * p)
      end
    elseif strategy == 'moving-window' then
      local left = cost
      while left > 0 do
        local ts, c, cum = entry(redis.call('LINDEX', key, -1))
        if not ts then break end
        if ts > now then now = ts end
        if ts + p <= now then break end
        redis.call('RPOP', key)
        if c > left then
          redis.call('RPUSH', key, fmt(ts) .. ':' .. fmt(c - left) .. ':' .. fmt(cum - left))
          left = 0
        else
          left = left - c
        end
      end
    elseif strategy == 'gcra' then
      local tat = tonumber(redis.call('GET', key) or '0')
      if tat > 0 then
        local back = math.floor(cost * p / limit)
        local new_tat = math.max(tat - back, now)
        redis.call('SET', key, fmt(new_tat))
        expire_at(key, new_tat)
      end
    else
      return redis.error_reply('unknown strategy ' .. tostring(strategy))
    end
  end
end
return 1
