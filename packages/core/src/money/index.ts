/**
 * Souk's money module: every amount is integer minor units plus an ISO-4217 code, and all
 * arithmetic, rounding, rate application, allocation and formatting happen here, exactly.
 */
export { allocate, allocateEvenly } from './allocate.js'
export {
  type CurrencyCode,
  type CurrencyExponent,
  currencyCodeSchema,
  currencyCodes,
  currencyExponent,
  isCurrencyCode,
} from './currencies.js'
export { formatMoney, fromDecimalString, toDecimalString } from './format.js'
export {
  add,
  compare,
  equals,
  isNegative,
  isPositive,
  isZero,
  type Money,
  max,
  min,
  money,
  moneySchema,
  multiply,
  negate,
  subtract,
  sum,
  zero,
} from './money.js'
export { applyRate, applyRatePerLine, inclusiveTax, parseRate, type Rate, type RatedLines } from './rate.js'
export { divideRounded, type RoundingMode, roundingModeSchema, roundingModes } from './rounding.js'
