import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import { BlockList, isIP, type LookupFunction } from 'node:net'

/**
 * Where webhooks may be sent. An admin API that makes the server POST to any URL is a server-side
 * request forgery tool: whoever holds (or steals) the admin token could aim deliveries at the
 * cloud metadata service (169.254.169.254), Redis or an admin panel on localhost, or anything on
 * the private network, and read what happened from the dead letters. So by default only https
 * URLs whose host is, and resolves to, a public address are accepted; `allowPrivateUrls`
 * (WEBHOOK_ALLOW_PRIVATE_URLS=1) lifts both rules for development, where the receiver runs on the
 * same machine, and for tests.
 */
export interface WebhookUrlPolicy {
  /** Accept http:// and loopback, private, link-local and other non-public destinations. Default false. */
  readonly allowPrivateUrls?: boolean
}

// Every range that is not the public internet (IANA special-purpose registries).
const NON_PUBLIC = new BlockList()
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  NON_PUBLIC.addSubnet(network, prefix, 'ipv4')
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001::', 23],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  NON_PUBLIC.addSubnet(network, prefix, 'ipv6')
}

/** Whether an IP address is on the public internet (IPv4-mapped IPv6 is judged as its IPv4). */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address)
  if (family === 0) return false
  return !NON_PUBLIC.check(address, family === 4 ? 'ipv4' : 'ipv6')
}

/** Host names that name this machine or a private network by convention. */
function isInternalName(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, '')
  return (
    !name.includes('.') || // `redis`, `metadata`: resolved through the search domains of the LAN
    name === 'localhost' ||
    /\.(localhost|local|internal|intranet|lan|home\.arpa)$/.test(name)
  )
}

/** The URL's host without IPv6 brackets. */
function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname
}

/**
 * Why `text` is not an acceptable webhook URL under `policy`, or null. Checks what the URL says;
 * what its host name resolves to is checked on every delivery by {@link guardedLookup}, since DNS
 * can change after registration.
 */
export function webhookUrlProblem(text: string, policy: WebhookUrlPolicy): string | null {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return 'must be an absolute http or https URL'
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http or https URL'
  if (url.username || url.password)
    return 'must not contain credentials (the signature authenticates the sender)'
  if (url.hash) return 'must not contain a #fragment'
  if (policy.allowPrivateUrls) return null
  if (url.protocol !== 'https:')
    return 'must be https (set WEBHOOK_ALLOW_PRIVATE_URLS=1 to allow http in development)'
  const host = hostOf(url)
  if (isIP(host) ? !isPublicAddress(host) : isInternalName(host)) {
    return 'must point to a public host, not a loopback, private or link-local one (WEBHOOK_ALLOW_PRIVATE_URLS=1 allows it in development)'
  }
  return null
}

/**
 * A `lookup` for `http.request` that refuses host names resolving to a non-public address, so
 * the check holds for the address actually connected to (a name that was public at registration
 * and now resolves to 127.0.0.1 is refused). IP literals skip lookup: check them with
 * {@link webhookUrlProblem} before the request.
 */
export const guardedLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
    if (error) {
      callback(error, '', 0)
      return
    }
    const blocked = addresses.find((a) => !isPublicAddress(a.address))
    if (blocked || addresses.length === 0) {
      const refusal = Object.assign(
        new Error(`${hostname} resolves to a non-public address${blocked ? ` (${blocked.address})` : ''}`),
        { code: 'EWEBHOOKADDRESS' },
      )
      callback(refusal, '', 0)
      return
    }
    if (options.all) callback(null, addresses)
    else callback(null, addresses[0]!.address, addresses[0]!.family)
  })
}
