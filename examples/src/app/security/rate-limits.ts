import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { type ClientRateLimitInfo, type Options, rateLimit, type Store } from 'express-rate-limit'
import { RedisStore } from 'rate-limit-redis'
import { errorBody } from '../http-error.js'

/** At most `limit` requests per `windowMs` milliseconds. */
export interface RateLimit {
  readonly limit: number
  readonly windowMs: number
}

/** The limits of one action: per client IP, and per signed-in customer where there is one. */
export interface RateLimitRule {
  readonly perIp: RateLimit
  /** Counted per customer id (session); requests without one count per IP only. Default: none. */
  readonly perSession?: RateLimit
}

/** The actions the storefront limits. */
export interface RateLimits {
  /** `POST /api/session`: new guest sessions (per IP only: a new session has no id yet). */
  readonly session: RateLimitRule
  /** `POST`/`PUT`/`PATCH`/`DELETE` under `/api/carts`. */
  readonly cartWrites: RateLimitRule
  /** `POST /api/checkout`: each attempt, retries with the same Idempotency-Key included. */
  readonly checkout: RateLimitRule
  /** `POST /api/products/:id/reviews`. */
  readonly reviews: RateLimitRule
}

export type RateLimitName = keyof RateLimits

const MINUTE = 60_000

/**
 * Generous for shoppers, tight for scripts. Per-IP limits are higher than per-session ones because
 * many shoppers can share one address (offices, mobile carriers' NAT). A script that opens a new
 * session per request is held by the per-IP limit of `session`.
 */
export const DEFAULT_RATE_LIMITS: RateLimits = {
  session: { perIp: { limit: 60, windowMs: 15 * MINUTE } },
  cartWrites: { perIp: { limit: 600, windowMs: MINUTE }, perSession: { limit: 120, windowMs: MINUTE } },
  // Card testing is the abuse to stop: a few dozen attempts per address, ten per session.
  checkout: {
    perIp: { limit: 30, windowMs: 10 * MINUTE },
    perSession: { limit: 10, windowMs: 10 * MINUTE },
  },
  reviews: { perIp: { limit: 20, windowMs: 60 * MINUTE }, perSession: { limit: 5, windowMs: 60 * MINUTE } },
}

/** The subset of an ioredis client the shared counters need (`redis.call`). */
export interface RedisCommands {
  call(command: string, ...args: string[]): Promise<unknown>
}

/** One middleware per action; each lets the request through or answers 429. */
export type RateLimiters = Readonly<Record<RateLimitName, RequestHandler>>

export interface RateLimitersOptions {
  /** Overrides per action; false turns every limit off. */
  readonly limits: Partial<RateLimits> | false
  /** Shared counters in Redis (every process sees the same counts); null: this process's memory. */
  readonly redis: RedisCommands | null
  /** Key prefix in Redis. Default `souk:rate:`. */
  readonly prefix?: string
  /**
   * Where store failures (the request is let through: fail open) and express-rate-limit's
   * configuration warnings go.
   */
  readonly onProblem: (error: unknown, message?: string) => void
}

const pass: RequestHandler = (_req, _res, next) => next()

/**
 * Builds the limiters once, at app creation (express-rate-limit checks that). Over Redis a store
 * error lets the request through and is logged: losing the limiter for a while is better than
 * refusing every sale while Redis restarts.
 */
export function createRateLimiters(options: RateLimitersOptions): RateLimiters {
  const off = options.limits === false
  const limits: RateLimits = off ? DEFAULT_RATE_LIMITS : { ...DEFAULT_RATE_LIMITS, ...options.limits }
  const prefix = options.prefix ?? 'souk:rate:'
  const storeFor = (name: string): Store | undefined => {
    const redis = options.redis
    if (!redis) return undefined
    return new ReloadingRedisStore({
      prefix: `${prefix}${name}:`,
      sendCommand: (command: string, ...args: string[]) =>
        redis.call(command, ...args) as Promise<boolean | number | string>,
    })
  }
  const build = (name: RateLimitName, skip?: (req: Request) => boolean): RequestHandler => {
    if (off) return pass
    const rule = limits[name]
    const common: Partial<Options> = {
      standardHeaders: 'draft-7',
      legacyHeaders: false,
      passOnStoreError: true,
      logger: { error: options.onProblem, warn: options.onProblem },
      handler: tooManyRequests(name),
      ...(skip ? { skip } : {}),
    }
    const perIp = rateLimit({
      ...common,
      limit: rule.perIp.limit,
      windowMs: rule.perIp.windowMs,
      store: storeFor(`${name}:ip`),
    })
    if (!rule.perSession) return perIp
    const perSession = rateLimit({
      ...common,
      limit: rule.perSession.limit,
      windowMs: rule.perSession.windowMs,
      store: storeFor(`${name}:session`),
      keyGenerator: (_req, res) => String(res.locals.customerId),
      skip: (req, res) => res.locals.customerId === undefined || (skip?.(req) ?? false),
    })
    return (req: Request, res: Response, next: NextFunction) => {
      perIp(req, res, (error?: unknown) => {
        if (error !== undefined) next(error)
        else perSession(req, res, next)
      })
    }
  }
  const readOnly = (req: Request) => req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS'
  return {
    session: build('session'),
    cartWrites: build('cartWrites', readOnly),
    checkout: build('checkout'),
    reviews: build('reviews'),
  }
}

/**
 * rate-limit-redis loads its Lua script once, when the limiter starts, and keeps the promise: if
 * Redis was unreachable at that moment, every later count fails and the limits stay off until a
 * restart. This store loads the script again after a failed count, so limits come back with Redis.
 */
class ReloadingRedisStore extends RedisStore {
  override async increment(key: string): Promise<ClientRateLimitInfo> {
    try {
      return await super.increment(key)
    } catch (error) {
      const reload = this.loadIncrementScript()
      // Awaited by the next count; a rejection before then is not an unhandled one.
      reload.catch(() => undefined)
      this.incrementScriptSha = reload
      throw error
    }
  }
}

/** 429 in the app's one error shape; express-rate-limit has already set Retry-After. */
function tooManyRequests(name: RateLimitName): Options['handler'] {
  return (_req, res, _next, used) => {
    const retryAfterSeconds = Number(res.getHeader('retry-after')) || Math.ceil(used.windowMs / 1000)
    const body = errorBody(
      'rate_limited',
      `Too many requests (${name}); try again in ${retryAfterSeconds} s`,
      String(res.locals.requestId ?? ''),
      { limit: name, retryAfterSeconds },
    )
    res.locals.errorCode = body.error.code
    res.status(429).json(body)
  }
}

const DURATION = /^(\d+)(ms|s|m|h)$/
const UNIT_MS = { ms: 1, s: 1000, m: MINUTE, h: 60 * MINUTE } as const

/**
 * Reads one `RATE_LIMIT_<NAME>` value, `ip:30,session:10,window:10m`, over `base`: missing keys
 * keep the default; `session:0` drops the per-session limit. Throws RangeError on anything else.
 */
export function parseRateLimitRule(text: string, base: RateLimitRule): RateLimitRule {
  const fields = new Map<string, string>()
  for (const part of text.split(',')) {
    const [key, value, extra] = part.split(':').map((s) => s.trim())
    if (!key || value === undefined || extra !== undefined || fields.has(key))
      throw new RangeError(`expected ip:<n>,session:<n>,window:<duration>, got "${text}"`)
    fields.set(key, value)
  }
  const count = (key: string): number | undefined => {
    const value = fields.get(key)
    if (value === undefined) return undefined
    if (!/^\d+$/.test(value) || Number(value) > 1_000_000)
      throw new RangeError(`${key} must be a whole number up to 1000000, got "${value}"`)
    return Number(value)
  }
  for (const key of fields.keys()) {
    if (key !== 'ip' && key !== 'session' && key !== 'window') throw new RangeError(`unknown key "${key}"`)
  }
  let windowMs = base.perIp.windowMs
  const window = fields.get('window')
  if (window !== undefined) {
    const match = DURATION.exec(window)
    if (!match) throw new RangeError(`window must look like 500ms, 30s, 10m or 1h, got "${window}"`)
    windowMs = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS]
    if (windowMs < 1000) throw new RangeError('window must be at least 1s')
  }
  const ip = count('ip') ?? base.perIp.limit
  if (ip < 1) throw new RangeError('ip must be at least 1')
  const session = count('session') ?? base.perSession?.limit
  return {
    perIp: { limit: ip, windowMs },
    ...(session ? { perSession: { limit: session, windowMs } } : {}),
  }
}
