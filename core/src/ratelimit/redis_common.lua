-- Shared by redis_store.lua and redis_refund.lua, each of which is sent with this prelude in
-- front: the server's clock in microseconds, number formatting (Lua would print large numbers in
-- exponent form), key expiry, and the moving-window log entry "ts:cost:cum".
local t = redis.call('TIME')
local clock = tonumber(t[1]) * 1000000 + tonumber(t[2])
local function fmt(x) return string.format('%.0f', x) end
local function expire_at(key, at_us) redis.call('PEXPIREAT', key, fmt(math.ceil(at_us / 1000) + 1)) end
local function entry(e)
  if not e then return nil end
  local ts, c, cum = string.match(e, '^(%d+):(%d+):(%d+)$')
  return tonumber(ts), tonumber(c), tonumber(cum)
end
