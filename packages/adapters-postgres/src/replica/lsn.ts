/**
 * A WAL position (`pg_lsn`, printed `'16/B374D848'`) as one comparable number: the high 32 bits
 * before the slash, the low 32 after, both hex.
 */
export function parseLsn(text: string): bigint {
  const match = /^([0-9A-F]{1,8})\/([0-9A-F]{1,8})$/i.exec(text.trim())
  if (!match) throw new TypeError(`not a pg_lsn: ${JSON.stringify(text)}`)
  return (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`)
}
