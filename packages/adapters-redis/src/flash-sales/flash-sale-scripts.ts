/**
 * The flash-sale gate's Lua scripts. Each runs atomically on the one node that owns one slot of a
 * sale: KEYS[1] is the slot's sale hash, KEYS[2] its customers hash and KEYS[3..5] its tickets,
 * claims and holders hashes, all under the slot's hash tag (`{sale:<id>}` for slot 0, see
 * flash-sale-slots.ts for the others), so Redis Cluster accepts every script (a script may only
 * touch keys of one hash slot, and must name them in KEYS; none of these builds a key name inside
 * Lua). The scripts that only need the sale hash (lend, mark dry, wake, open) take KEYS[1] alone.
 *
 * Sale hash fields: sku, quantity (the sale's total), remaining (this slot's units), limit (per
 * customer), startsAt, endsAt, expireAt (all times in epoch ms), admitted and released (this
 * slot's running totals), and for a sale with a price: price (minor units) and currency. A sale
 * with more than one slot adds: slots (how many), slot (this one's index), lent and borrowed
 * (units moved out of and into this slot, in total), lent:<k> and borrowed:<k> (the same per
 * other slot k), wakes (a counter bumped whenever units may have come back elsewhere), dryUntil
 * (epoch ms: until then an empty slot answers sold_out without asking the others), and pending
 * while `createSale` is still writing the slots. A hash without `slots` is a one-slot sale (every
 * sale written before slots existed is one).
 * Customers hash: customer id -> admissions the customer holds now.
 * Tickets hash: ticket id -> the customer it was issued to (one per admission).
 * Claims hash: ticket id -> the checkout that claimed it (its idempotency key).
 * Holders hash: customer id -> the customer's unclaimed ticket ids, space-separated (release gives
 * the newest back).
 *
 * Every script that serves a customer takes the slot count the caller assumes as ARGV[1] and
 * answers {'slots', n} when the sale has n slots instead, so a process that has never seen the
 * sale (it assumes 1) or holds a stale count learns the right one in one round trip.
 *
 * Rejections write nothing: after a sale sells out nearly every call is a rejection, and a
 * rejection that wrote (a counter, say) would turn a flood of losers into a flood of replicated
 * writes. The time comes from the caller (ARGV), the injected clock of `redisFlashSales`.
 */

/**
 * ARGV: sku, quantity, limit, startsAt, endsAt, expireAt, price ('' for none), currency, slots,
 * slot, share (this slot's units), mode, pendingTtlMs. Mode 'new' returns 0 when the slot's sale
 * hash exists; 'replace' (slots ≥ 1 of a sale whose slot 0 this call just created) overwrites
 * whatever an earlier sale of the same id left. Returns 1 when written. A one-slot sale is
 * written open; a slot of a many-slot sale is written pending, expiring after pendingTtlMs unless
 * OPEN_SALE_LUA opens it, so a `createSale` that dies half-way leaves nothing for long.
 */
export const CREATE_SALE_LUA = `
if ARGV[12] == 'new' and redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5])
redis.call('HSET', KEYS[1], 'sku', ARGV[1], 'quantity', ARGV[2], 'remaining', ARGV[11], 'limit', ARGV[3],
  'startsAt', ARGV[4], 'endsAt', ARGV[5], 'expireAt', ARGV[6], 'admitted', 0, 'released', 0)
if ARGV[7] ~= '' then redis.call('HSET', KEYS[1], 'price', ARGV[7], 'currency', ARGV[8]) end
if ARGV[9] == '1' then
  redis.call('PEXPIREAT', KEYS[1], ARGV[6])
else
  redis.call('HSET', KEYS[1], 'slots', ARGV[9], 'slot', ARGV[10], 'lent', 0, 'borrowed', 0, 'wakes', 0,
    'pending', 1)
  redis.call('PEXPIRE', KEYS[1], ARGV[13])
end
return 1
`

/** Opens a pending slot (KEYS[1] only): it then lives until the sale's expireAt. Returns 1, or 0 if gone. */
export const OPEN_SALE_LUA = `
if redis.call('HEXISTS', KEYS[1], 'pending') == 0 then return 0 end
redis.call('HDEL', KEYS[1], 'pending')
redis.call('PEXPIREAT', KEYS[1], redis.call('HGET', KEYS[1], 'expireAt'))
return 1
`

/**
 * The gate, on the customer's home slot. ARGV: slots, now (epoch ms), customer id, ticket id, and
 * optionally a credit: donor slot, the donor's lent:<this slot> total. The credit comes first: the
 * units the donor lent to this slot and this slot has not yet counted (borrowed:<donor> below the
 * total) are added to remaining, so a credit applies exactly once however often or late it is sent.
 * Then it checks the window, the customer's limit and the remaining count, takes one unit, records
 * the customer and issues the ticket to them, all in one atomic step: a slot admits at most the
 * units it holds however many callers race.
 * Returns {'admitted', held, remaining (this slot's), sku, price | false, currency | false} or
 * {'missing'} | {'slots', n} | {'not_started', startsAt, endsAt} | {'ended', startsAt, endsAt} |
 * {'already_admitted', held, limit} | {'sold_out'} | {'empty', wakes, borrowed:0 .. borrowed:n-1}
 * (a many-slot sale's slot that is out of units and not marked dry: the caller borrows).
 */
export const ADMIT_LUA = `
local sale = redis.call('HMGET', KEYS[1], 'remaining', 'limit', 'startsAt', 'endsAt', 'expireAt', 'sku', 'price',
  'currency', 'slots', 'pending', 'dryUntil', 'wakes')
if not sale[1] or sale[10] then return {'missing'} end
local slots = tonumber(sale[9] or '1')
if slots ~= tonumber(ARGV[1]) then return {'slots', slots} end
local remaining = tonumber(sale[1])
if ARGV[5] then
  local field = 'borrowed:' .. ARGV[5]
  local credited = tonumber(ARGV[6]) - tonumber(redis.call('HGET', KEYS[1], field) or '0')
  if credited > 0 then
    redis.call('HSET', KEYS[1], field, ARGV[6])
    redis.call('HINCRBY', KEYS[1], 'borrowed', credited)
    remaining = redis.call('HINCRBY', KEYS[1], 'remaining', credited)
  end
end
local now = tonumber(ARGV[2])
if now < tonumber(sale[3]) then return {'not_started', sale[3], sale[4]} end
if now >= tonumber(sale[4]) then return {'ended', sale[3], sale[4]} end
local held = tonumber(redis.call('HGET', KEYS[2], ARGV[3]) or '0')
local limit = tonumber(sale[2])
if held >= limit then return {'already_admitted', held, limit} end
if remaining <= 0 then
  if slots == 1 or now < tonumber(sale[11] or '0') then return {'sold_out'} end
  local fields = {}
  for k = 0, slots - 1 do fields[k + 1] = 'borrowed:' .. k end
  local reply = redis.call('HMGET', KEYS[1], unpack(fields))
  table.insert(reply, 1, sale[12] or '0')
  table.insert(reply, 1, 'empty')
  return reply
end
remaining = redis.call('HINCRBY', KEYS[1], 'remaining', -1)
redis.call('HINCRBY', KEYS[1], 'admitted', 1)
held = redis.call('HINCRBY', KEYS[2], ARGV[3], 1)
redis.call('PEXPIREAT', KEYS[2], sale[5])
redis.call('HSET', KEYS[3], ARGV[4], ARGV[3])
local unclaimed = redis.call('HGET', KEYS[5], ARGV[3])
redis.call('HSET', KEYS[5], ARGV[3], unclaimed and (unclaimed .. ' ' .. ARGV[4]) or ARGV[4])
redis.call('PEXPIREAT', KEYS[3], sale[5])
redis.call('PEXPIREAT', KEYS[5], sale[5])
return {'admitted', held, remaining, sale[6], sale[7], sale[8]}
`

/**
 * A donor slot lends to an empty home slot (KEYS[1] only). ARGV: slots, home slot. Moves half of
 * the donor's units (rounded up) out and adds them to lent:<home>; the home slot credits them with
 * ADMIT_LUA. Returns {'lent', units moved now, lent:<home> total} or {'missing'} | {'slots', n}.
 * A donor with no units writes nothing and still returns its total, so a home slot can credit what
 * an earlier borrower moved and never credited (it died in between).
 */
export const LEND_LUA = `
local sale = redis.call('HMGET', KEYS[1], 'remaining', 'slots', 'pending')
if not sale[1] or sale[3] then return {'missing'} end
local slots = tonumber(sale[2] or '1')
if slots ~= tonumber(ARGV[1]) then return {'slots', slots} end
local field = 'lent:' .. ARGV[2]
local remaining = tonumber(sale[1])
if remaining <= 0 then return {'lent', 0, redis.call('HGET', KEYS[1], field) or '0'} end
local amount = math.ceil(remaining / 2)
redis.call('HINCRBY', KEYS[1], 'remaining', -amount)
redis.call('HINCRBY', KEYS[1], 'lent', amount)
return {'lent', amount, redis.call('HINCRBY', KEYS[1], field, amount)}
`

/**
 * Marks an empty home slot dry until ARGV[3] (KEYS[1] only), after its caller found every other
 * slot empty. ARGV: slots, the wakes count the slot reported before the search, until (epoch ms).
 * Refuses (returns 0) when units arrived meanwhile or a wake came in since: a release elsewhere
 * bumps every slot's wakes, so a search that raced it cannot mark the slot dry. Returns 1 if marked.
 */
export const MARK_DRY_LUA = `
local sale = redis.call('HMGET', KEYS[1], 'remaining', 'slots', 'wakes')
if not sale[1] or tonumber(sale[2] or '1') ~= tonumber(ARGV[1]) then return 0 end
if tonumber(sale[1]) > 0 or (sale[3] or '0') ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], 'dryUntil', ARGV[3])
return 1
`

/** Units may have come back elsewhere (KEYS[1] only): clears dryUntil and bumps wakes. Returns 1, or 0 if gone. */
export const WAKE_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HINCRBY', KEYS[1], 'wakes', 1)
redis.call('HDEL', KEYS[1], 'dryUntil')
return 1
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

// The slot-count check every customer script starts with (after reading `slots` and `pending`).
const SLOT_CHECK_LUA = `
local head = redis.call('HMGET', KEYS[1], 'slots', 'pending', 'remaining')
if not head[3] or head[2] then return {'missing'} end
if tonumber(head[1] or '1') ~= tonumber(ARGV[1]) then return {'slots', tonumber(head[1] or '1')} end
`

/**
 * Gives one of the customer's admissions back to their home slot, the slot it was taken from.
 * ARGV: slots, customer id. Returns {'released', remaining} when a unit went back, {'none'} when
 * the customer held none (so a repeated or racing release returns it exactly once), or {'missing'}
 * | {'slots', n}. The customer's newest unclaimed ticket is voided with it, so a released admission
 * cannot still buy at the sale price.
 */
export const RELEASE_LUA = `${TICKET_LIST_LUA}${SLOT_CHECK_LUA}
local held = tonumber(redis.call('HGET', KEYS[2], ARGV[2]) or '0')
if held <= 0 then return {'none'} end
if held == 1 then redis.call('HDEL', KEYS[2], ARGV[2]) else redis.call('HINCRBY', KEYS[2], ARGV[2], -1) end
local ids = ids_of(redis.call('HGET', KEYS[5], ARGV[2]))
local voided = table.remove(ids)
if voided then
  redis.call('HDEL', KEYS[3], voided)
  store_ids(KEYS[5], ARGV[2], ids)
end
redis.call('HINCRBY', KEYS[1], 'released', 1)
return {'released', redis.call('HINCRBY', KEYS[1], 'remaining', 1)}
`

/**
 * Claims tickets of one sale for one checkout, all or nothing, on the customer's home slot (where
 * their tickets were issued). ARGV: slots, now (epoch ms), customer id, claim key, grace (ms after
 * the sale's end during which tickets may still be claimed), ticket ids... Each ticket must have
 * been issued to the customer and be unclaimed or claimed with this key. Returns {'ok', sku, price,
 * currency} or {'missing'} | {'slots', n} | {'no_price'} | {'closed', endsAt} | {'invalid', ticket
 * id} | {'spent', ticket id}.
 */
export const CLAIM_LUA = `${TICKET_LIST_LUA}${SLOT_CHECK_LUA}
local sale = redis.call('HMGET', KEYS[1], 'sku', 'price', 'currency', 'endsAt')
if not sale[2] then return {'no_price'} end
if tonumber(ARGV[2]) >= tonumber(sale[4]) + tonumber(ARGV[5]) then return {'closed', sale[4]} end
for i = 6, #ARGV do
  if redis.call('HGET', KEYS[3], ARGV[i]) ~= ARGV[3] then return {'invalid', ARGV[i]} end
  local claim = redis.call('HGET', KEYS[4], ARGV[i])
  if claim and claim ~= ARGV[4] then return {'spent', ARGV[i]} end
end
local ids = ids_of(redis.call('HGET', KEYS[5], ARGV[3]))
for i = 6, #ARGV do
  redis.call('HSET', KEYS[4], ARGV[i], ARGV[4])
  for j = #ids, 1, -1 do if ids[j] == ARGV[i] then table.remove(ids, j) end end
end
store_ids(KEYS[5], ARGV[3], ids)
redis.call('PEXPIREAT', KEYS[4], redis.call('HGET', KEYS[1], 'expireAt'))
return {'ok', sale[1], sale[2], sale[3]}
`

/**
 * Gives tickets claimed with a claim key back to their customer (the checkout created no order).
 * ARGV: slots, customer id, claim key, ticket ids... Tickets claimed with another key are left
 * alone. Returns {'ok', how many went back} or {'missing'} | {'slots', n}.
 */
export const UNCLAIM_LUA = `${TICKET_LIST_LUA}${SLOT_CHECK_LUA}
local ids = ids_of(redis.call('HGET', KEYS[5], ARGV[2]))
local back = 0
for i = 4, #ARGV do
  if redis.call('HGET', KEYS[4], ARGV[i]) == ARGV[3] and redis.call('HGET', KEYS[3], ARGV[i]) == ARGV[2] then
    redis.call('HDEL', KEYS[4], ARGV[i])
    ids[#ids + 1] = ARGV[i]
    back = back + 1
  end
end
store_ids(KEYS[5], ARGV[2], ids)
return {'ok', back}
`
