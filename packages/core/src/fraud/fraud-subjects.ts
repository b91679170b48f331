import { createHash } from 'node:crypto'
import { isIP } from 'node:net'

const MAPPED_V4 = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i
/** IPv4-mapped IPv6 as the URL parser writes it: `::ffff:c000:201`. */
const MAPPED_V4_HEX = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/

/**
 * An IP address in one spelling per address: IPv4 as given (IPv4-mapped IPv6, which Node reports
 * for IPv4 clients on a dual-stack socket, is unwrapped), IPv6 compressed and lower case. Null for
 * anything that is not an IP address.
 */
export function normalizeIp(raw: string): string | null {
  const ip = raw.trim()
  const mapped = MAPPED_V4.exec(ip)
  if (mapped && isIP(mapped[1]!) === 4) return mapped[1]!
  const kind = isIP(ip)
  if (kind === 4) return ip
  if (kind !== 6) return null
  // The URL parser writes IPv6 hosts in their canonical (RFC 5952) form.
  const host = new URL(`http://[${ip.replace(/%.*$/, '')}]/`).hostname.slice(1, -1)
  const inner = MAPPED_V4_HEX.exec(host)
  if (!inner) return host
  const [hi, lo] = [Number.parseInt(inner[1]!, 16), Number.parseInt(inner[2]!, 16)]
  return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.')
}

/** The eight 16-bit groups of a canonical IPv6 address, expanded. */
function ipv6Groups(ip: string): string[] {
  const [head, tail] = ip.split('::') as [string, string | undefined]
  const left = head === '' ? [] : head.split(':')
  const right = tail === undefined || tail === '' ? [] : tail.split(':')
  const fill = tail === undefined ? [] : Array(8 - left.length - right.length).fill('0')
  return [...left, ...fill, ...right]
}

/**
 * What velocity counts an IP under: an IPv4 address itself, an IPv6 address's /64 network (one
 * subscriber's line hands out a whole /64, so a shopper can change address inside it at will).
 */
export function ipVelocityKey(ip: string): string {
  if (!ip.includes(':')) return ip
  return `${ipv6Groups(ip).slice(0, 4).join(':')}::/64`
}

/**
 * What velocity counts an email under: lower case, without a `+tag` (`Ann+1@x.com` and
 * `ann+2@x.com` are one mailbox), and without dots in a Gmail local part.
 */
export function emailVelocityKey(email: string): string {
  const at = email.lastIndexOf('@')
  let local = email.slice(0, at).toLowerCase()
  const domain = email.slice(at + 1).toLowerCase()
  local = local.split('+')[0]!
  if (domain === 'gmail.com' || domain === 'googlemail.com') return `${local.replaceAll('.', '')}@gmail.com`
  return `${local}@${domain}`
}

/** The stored form of a velocity subject: SHA-256 of `kind:value`, hex. Raw values are never stored. */
export function subjectDigest(kind: string, value: string): string {
  return createHash('sha256').update(`${kind}:${value}`).digest('hex')
}
