/**
 * The cart store's Lua scripts. A cart's Redis entry is one hash under one key
 * (`<prefix>:cart:{<cartId>}`), and each script touches only that key (KEYS[1]), so Redis Cluster
 * runs it on the node that owns the key's slot. Fields:
 *
 * - `v`  the cart's version. Alone (no `d`) it is a fence: "at least this version exists, ask the
 *        database"; {@link TOMBSTONE_VERSION} marks a deleted cart.
 * - `d`  the cart as JSON (cart-codec.ts), `e` its `expiresAt` in epoch ms.
 * - `l`, `lx`  a read lease: the token of the reader allowed to copy the cart in from the
 *        database, and when that permission ends (Redis server time, ms).
 *
 * Two rules keep Redis from ever moving backwards:
 * 1. Versions: no write replaces a newer version. Two processes may save v2 and v3 one after the
 *    other while their write-throughs reach Redis in the other order.
 * 2. Leases: a reader that found no usable copy may copy the cart in only if nothing touched the
 *    entry since it looked (no write, no flush, no eviction, no expiry). Otherwise a read of v3
 *    from the database, overtaken by a save of v4, a flush and then its own arrival, would plant
 *    v3 in an empty Redis: versions cannot catch that, a flush forgets them.
 */

/**
 * The version of a deleted cart's tombstone: above any real one (2^53 - 1, exact in Lua's
 * doubles), so no late write of an older version brings the cart back.
 */
export const TOMBSTONE_VERSION = Number.MAX_SAFE_INTEGER

/** Redis server time in ms, inside a script (scripts are replicated by effects since Redis 5). */
const SERVER_NOW = `
local time = redis.call('TIME')
local serverNow = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
`

/**
 * Reads a cart. ARGV: now (epoch ms, the store's clock: a copy past its `expiresAt` is not served),
 * lease token, lease TTL (ms).
 * Returns {'hit', version, json} | {'tombstone'} | {'lease'} (no usable copy; this reader may copy
 * the cart in) | {'miss'} (no usable copy and another reader holds the lease).
 */
export const GET_CART_LUA = `
local entry = redis.call('HMGET', KEYS[1], 'v', 'd', 'e', 'lx')
if entry[2] and (tonumber(entry[3]) or 0) > tonumber(ARGV[1]) then return {'hit', entry[1], entry[2]} end
local version = tonumber(entry[1]) or 0
if version >= ${TOMBSTONE_VERSION} then return {'tombstone'} end
${SERVER_NOW}
if (tonumber(entry[4]) or 0) > serverNow then return {'miss'} end
redis.call('HSET', KEYS[1], 'l', ARGV[2], 'lx', serverNow + tonumber(ARGV[3]))
if not entry[1] then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return {'lease'}
`

/**
 * Takes the lease and drops the entry's data (the version stays, as a fence), so nobody reads the
 * copy until the database's cart replaces it. ARGV: lease token, lease TTL (ms), stale version.
 * With a stale version ('' for none), an entry that already holds a newer cart is left alone:
 * after a failed compare-and-set from version n, a copy newer than n means some write-through got
 * there first and the caller's next read sees it. A tombstone is left alone too.
 * Returns 1 (leased), 0 (tombstone) or 2 (a newer copy is in place).
 */
export const LEASE_CART_LUA = `
local kind = redis.call('TYPE', KEYS[1])['ok']
if kind ~= 'hash' and kind ~= 'none' then redis.call('DEL', KEYS[1]) end
local entry = redis.call('HMGET', KEYS[1], 'v', 'd')
local version = tonumber(entry[1]) or 0
if version >= ${TOMBSTONE_VERSION} then return 0 end
if ARGV[3] ~= '' and entry[2] and version > tonumber(ARGV[3]) then return 2 end
${SERVER_NOW}
redis.call('HDEL', KEYS[1], 'd', 'e')
redis.call('HSET', KEYS[1], 'l', ARGV[1], 'lx', serverNow + tonumber(ARGV[2]))
if not entry[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1
`

/**
 * Writes a cart, or a fence when the JSON is ''. ARGV: lease token ('' for a write-through, which
 * needs none), version, TTL (ms), JSON or '', expiresAt (epoch ms).
 * A write-through is refused only by a newer version; a read-through (token given) also needs its
 * lease to be still in place. Any write ends the lease. Returns 1 when written, 0 when refused.
 */
export const WRITE_CART_LUA = `
local kind = redis.call('TYPE', KEYS[1])['ok']
if ARGV[1] ~= '' then
  if kind ~= 'hash' or redis.call('HGET', KEYS[1], 'l') ~= ARGV[1] then return 0 end
elseif kind ~= 'hash' and kind ~= 'none' then
  redis.call('DEL', KEYS[1])
end
local current = tonumber(redis.call('HGET', KEYS[1], 'v'))
if current and current > tonumber(ARGV[2]) then return 0 end
redis.call('HDEL', KEYS[1], 'l', 'lx')
if ARGV[4] == '' then
  redis.call('HDEL', KEYS[1], 'd', 'e')
  redis.call('HSET', KEYS[1], 'v', ARGV[2])
else
  redis.call('HSET', KEYS[1], 'v', ARGV[2], 'd', ARGV[4], 'e', ARGV[5])
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`
