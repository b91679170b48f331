/**
 * The flash-sale gate's Lua scripts. Each runs atomically on the one node that owns the sale's
 * slot: KEYS[1] is the sale hash and KEYS[2] the customers hash, and both carry the hash tag
 * `{sale:<id>}`, so Redis Cluster accepts every script (a script may only touch keys of one slot,
 * and must name them in KEYS; none of these builds a key name inside Lua).
 *
 * Sale hash fields: sku, quantity, remaining, limit (per customer), startsAt, endsAt, expireAt
 * (all times in epoch ms), admitted and released (running totals).
 * Customers hash: customer id -> admissions the customer holds now.
 *
 * Rejections write nothing: after a sale sells out nearly every call is a rejection, and a
 * rejection that wrote (a counter, say) would turn a flood of losers into a flood of replicated
 * writes. The time comes from the caller (ARGV), the injected clock of `redisFlashSales`.
 */

/** ARGV: sku, quantity, limit, startsAt, endsAt, expireAt. Returns 1, or 0 when the sale exists. */
export const CREATE_SALE_LUA = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[1], 'sku', ARGV[1], 'quantity', ARGV[2], 'remaining', ARGV[2], 'limit', ARGV[3],
  'startsAt', ARGV[4], 'endsAt', ARGV[5], 'expireAt', ARGV[6], 'admitted', 0, 'released', 0)
redis.call('PEXPIREAT', KEYS[1], ARGV[6])
return 1
`

/**
 * The gate. ARGV: now (epoch ms), customer id. Checks the window, the customer's limit and the
 * remaining count, then takes one unit and records the customer, all in one atomic step, so it
 * admits at most the sale quantity however many callers race.
 * Returns {'admitted', held, remaining, sku} or {'missing'} | {'not_started', startsAt, endsAt} |
 * {'ended', startsAt, endsAt} | {'already_admitted', held, limit} | {'sold_out'}.
 */
export const ADMIT_LUA = `
local sale = redis.call('HMGET', KEYS[1], 'remaining', 'limit', 'startsAt', 'endsAt', 'expireAt', 'sku')
if not sale[1] then return {'missing'} end
local now = tonumber(ARGV[1])
if now < tonumber(sale[3]) then return {'not_started', sale[3], sale[4]} end
if now >= tonumber(sale[4]) then return {'ended', sale[3], sale[4]} end
local held = tonumber(redis.call('HGET', KEYS[2], ARGV[2]) or '0')
local limit = tonumber(sale[2])
if held >= limit then return {'already_admitted', held, limit} end
if tonumber(sale[1]) <= 0 then return {'sold_out'} end
local remaining = redis.call('HINCRBY', KEYS[1], 'remaining', -1)
redis.call('HINCRBY', KEYS[1], 'admitted', 1)
held = redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
redis.call('PEXPIREAT', KEYS[2], sale[5])
return {'admitted', held, remaining, sale[6]}
`

/**
 * Gives one of the customer's admissions back. ARGV: customer id. Returns 1 when a unit went back
 * to the sale, 0 when the customer held none (so a repeated or racing release returns it exactly
 * once), -1 when the sale does not exist.
 */
export const RELEASE_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local held = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
if held <= 0 then return 0 end
if held == 1 then redis.call('HDEL', KEYS[2], ARGV[1]) else redis.call('HINCRBY', KEYS[2], ARGV[1], -1) end
redis.call('HINCRBY', KEYS[1], 'remaining', 1)
redis.call('HINCRBY', KEYS[1], 'released', 1)
return 1
`
