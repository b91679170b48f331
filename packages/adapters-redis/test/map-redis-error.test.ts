import { mapRedisError } from '@souk/adapters-redis'
import { NotFoundError } from '@souk/core'
import { ReplyError } from 'ioredis'
import { describe, expect, it } from 'vitest'

// The replies a Cluster sends while a slot moves or a master fails over (ioredis retries them,
// then gives up with the last one) are transient: storage.unavailable, like a lost connection.
// A command Redis refuses for good is storage.failed. No message or detail repeats driver text.

const reply = (text: string): Error => new ReplyError(text)

describe('mapRedisError', () => {
  it.each([
    ['CLUSTERDOWN The cluster is down', 'CLUSTERDOWN'],
    ['CLUSTERDOWN Hash slot not served', 'CLUSTERDOWN'],
    ['TRYAGAIN Multiple keys request during rehashing of slot', 'TRYAGAIN'],
    ['MOVED 3999 10.0.0.7:6381', 'MOVED'],
    ['ASK 3999 10.0.0.7:6381', 'ASK'],
    ['LOADING Redis is loading the dataset in memory', 'LOADING'],
    ["READONLY You can't write against a read only replica.", 'READONLY'],
    ['MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to no', 'MASTERDOWN'],
    ['NOREPLICAS Not enough good replicas to write.', 'NOREPLICAS'],
    ['BUSY Redis is busy running a script.', 'BUSY'],
  ])('%s is storage.unavailable', (text, code) => {
    const error = mapRedisError('cache delete', reply(text))
    expect(error.code).toBe('storage.unavailable')
    expect(error.details).toEqual({ backend: 'redis', operation: 'cache delete', reply: code })
    expect(error.message).toMatch(/^Redis cache delete failed: [a-z ]+ \([A-Z]+\)$/)
    expect(error.message).not.toContain('10.0.0.7')
    expect(error.cause).toBeInstanceOf(Error)
  })

  it.each([
    ['WRONGTYPE Operation against a key holding the wrong kind of value', 'WRONGTYPE'],
    ["CROSSSLOT Keys in request don't hash to the same slot", 'CROSSSLOT'],
    ['OOM command not allowed when used memory > maxmemory.', 'OOM'],
    ['ERR user_script:3: Script attempted to access a non local key in a cluster node', 'ERR'],
    ['NOSCRIPT No matching script. Please use EVAL.', 'NOSCRIPT'],
  ])('%s is storage.failed', (text, code) => {
    const error = mapRedisError('cart write', reply(text))
    expect(error.code).toBe('storage.failed')
    expect(error.details).toEqual({ backend: 'redis', operation: 'cart write', reply: code })
    expect(error.message).not.toContain('user_script')
  })

  it.each([
    new Error('Too many Cluster redirections. Last error: ReplyError: MOVED 1 10.0.0.7:6381'),
    new Error('Connection is closed.'),
    new Error("Cluster isn't ready and enableOfflineQueue options is false"),
    Object.assign(new Error('connect ECONNREFUSED 10.0.0.7:6381'), { code: 'ECONNREFUSED' }),
    'a thrown string',
  ])('a failure without a reply (%s) is storage.unavailable', (thrown) => {
    const error = mapRedisError('flash sale admit', thrown)
    expect(error.code).toBe('storage.unavailable')
    expect(error.details).toEqual({ backend: 'redis', operation: 'flash sale admit' })
    expect(error.message).toBe('Redis flash sale admit failed: Redis did not answer')
  })

  it('passes a CommerceError through', () => {
    const error = new NotFoundError('flash sale', 's1')
    expect(mapRedisError('flash sale admit', error)).toBe(error)
  })
})
