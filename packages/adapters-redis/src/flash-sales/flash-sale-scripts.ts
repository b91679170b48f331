/**
 * The flash-sale gate's Lua scripts. Each runs atomically on the one node that owns the sale's
 * slot: KEYS[1] is the sale hash and KEYS[2] the customers hash, and both carry the hash tag
 * `{sale:<id>}`, so Redis Cluster accepts every script (a script may only touch keys of one slot,
 * and must name them in KEYS; none of these builds a key name inside Lua).
 *
 * Sale hash fields: sku, quantity, remaining, limit (per customer), startsAt, endsAt, expireAt
 * (all times in epoch ms), admitted and released (running totals), and for a sale with a price:
 * price (minor units) and currency.
 * Customers hash: customer id -> admissions the customer holds now.
 * Tickets hash: ticket id -> the customer it was issued to (one per admission).
 * Claims hash: ticket id -> the checkout that claimed it (its idempotency key).
 * Holders hash: customer id -> the customer's unclaimed ticket ids, space-separated (release gives
 * the newest back). KEYS[3..5] are these three, all under the sale's hash tag.
 *
 * Rejections write nothing: after a sale sells out nearly every call is a rejection, and a
 * rejection that wrote (a counter, say) would turn a flood of losers into a flood of replicated
 * writes. The time comes from the caller (ARGV), the injected clock of `redisFlashSales`.
 */

/**
 * ARGV: sku, quantity, limit, startsAt, endsAt, expireAt, price ('' for none), currency. Returns 1,
 * or 0 when the sale exists.
 */
export const CREATE_SALE_LUA = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[5])
redis.call('HSET', KEYS[1], 'sku', ARGV[1], 'quantity', ARGV[2], 'remaining', ARGV[2], 'limit', ARGV[3],
  'startsAt', ARGV[4], 'endsAt', ARGV[5], 'expireAt', ARGV[6], 'admitted', 0, 'released', 0)
if ARGV[7] ~= '' then redis.call('HSET', KEYS[1], 'price', ARGV[7], 'currency', ARGV[8]) end
redis.call('PEXPIREAT', KEYS[1], ARGV[6])
return 1
`

/**
 * The gate. ARGV: now (epoch ms), customer id, ticket id. Checks the window, the customer's limit
 * and the remaining count, then takes one unit, records the customer and issues the ticket to
 * them, all in one atomic step, so it admits at most the sale quantity however many callers race.
 * Returns {'admitted', held, remaining, sku, price | false, currency | false} or {'missing'} |
 * {'not_started', startsAt, endsAt} | {'ended', startsAt, endsAt} | {'already_admitted', held,
 * limit} | {'sold_out'}.
 */
export const ADMIT_LUA = `
local sale = redis.call('HMGET', KEYS[1], 'remaining', 'limit', 'startsAt', 'endsAt', 'expireAt', 'sku', 'price',
  'currency')
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
redis.call('HSET', KEYS[3], ARGV[3], ARGV[2])
local unclaimed = redis.call('HGET', KEYS[5], ARGV[2])
redis.call('HSET', KEYS[5], ARGV[2], unclaimed and (unclaimed .. ' ' .. ARGV[3]) or ARGV[3])
redis.call('PEXPIREAT', KEYS[3], sale[5])
redis.call('PEXPIREAT', KEYS[5], sale[5])
return {'admitted', held, remaining, sale[6], sale[7], sale[8]}
`

// The customer's unclaimed tickets as a list, and back.
const TICKET_LIST_LUA = `
local function ids_of(list)
  local ids = {}
  if list then for id in string.gmatch(list, '%S+') do ids[#ids + 1] = id end end
  return ids
end
local function store_ids(key, customer, ids)
  if #ids == 0 then redis.call('HDEL', key, customer) else redis.call('HSET', key, customer, table.concat(ids, ' ')) end
end
`

/**
 * Gives one of the customer's admissions back. ARGV: customer id. Returns 1 when a unit went back
 * to the sale, 0 when the customer held none (so a repeated or racing release returns it exactly
 * once), -1 when the sale does not exist. The customer's newest unclaimed ticket is voided with
 * it, so a released admission cannot still buy at the sale price.
 */
export const RELEASE_LUA = `${TICKET_LIST_LUA}
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local held = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
if held <= 0 then return 0 end
if held == 1 then redis.call('HDEL', KEYS[2], ARGV[1]) else redis.call('HINCRBY', KEYS[2], ARGV[1], -1) end
local ids = ids_of(redis.call('HGET', KEYS[5], ARGV[1]))
local voided = table.remove(ids)
if voided then
  redis.call('HDEL', KEYS[3], voided)
  store_ids(KEYS[5], ARGV[1], ids)
end
redis.call('HINCRBY', KEYS[1], 'remaining', 1)
redis.call('HINCRBY', KEYS[1], 'released', 1)
return 1
`

/**
 * Claims tickets of one sale for one checkout, all or nothing. ARGV: now (epoch ms), customer id,
 * claim key, grace (ms after the sale's end during which tickets may still be claimed), ticket
 * ids... Each ticket must have been issued to the customer and be unclaimed or claimed with this
 * key. Returns {'ok', sku, price, currency} or {'missing'} | {'no_price'} | {'closed', endsAt} |
 * {'invalid', ticket id} | {'spent', ticket id}.
 */
export const CLAIM_LUA = `${TICKET_LIST_LUA}
local sale = redis.call('HMGET', KEYS[1], 'sku', 'price', 'currency', 'endsAt')
if not sale[1] then return {'missing'} end
if not sale[2] then return {'no_price'} end
if tonumber(ARGV[1]) >= tonumber(sale[4]) + tonumber(ARGV[4]) then return {'closed', sale[4]} end
for i = 5, #ARGV do
  if redis.call('HGET', KEYS[3], ARGV[i]) ~= ARGV[2] then return {'invalid', ARGV[i]} end
  local claim = redis.call('HGET', KEYS[4], ARGV[i])
  if claim and claim ~= ARGV[3] then return {'spent', ARGV[i]} end
end
local ids = ids_of(redis.call('HGET', KEYS[5], ARGV[2]))
for i = 5, #ARGV do
  redis.call('HSET', KEYS[4], ARGV[i], ARGV[3])
  for j = #ids, 1, -1 do if ids[j] == ARGV[i] then table.remove(ids, j) end end
end
store_ids(KEYS[5], ARGV[2], ids)
redis.call('PEXPIREAT', KEYS[4], redis.call('HGET', KEYS[1], 'expireAt'))
return {'ok', sale[1], sale[2], sale[3]}
`

/**
 * Gives tickets claimed with a claim key back to their customer (the checkout created no order).
 * ARGV: customer id, claim key, ticket ids... Tickets claimed with another key are left alone.
 * Returns how many went back.
 */
export const UNCLAIM_LUA = `${TICKET_LIST_LUA}
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local ids = ids_of(redis.call('HGET', KEYS[5], ARGV[1]))
local back = 0
for i = 3, #ARGV do
  if redis.call('HGET', KEYS[4], ARGV[i]) == ARGV[2] and redis.call('HGET', KEYS[3], ARGV[i]) == ARGV[1] then
    redis.call('HDEL', KEYS[4], ARGV[i])
    ids[#ids + 1] = ARGV[i]
    back = back + 1
  end
end
store_ids(KEYS[5], ARGV[1], ids)
return back
`
