import type { Clock } from '../clock/clock.js'
import { isCommerceError } from '../errors/commerce-error.js'
import {
  ConflictError,
  InsufficientStockError,
  NotFoundError,
  ValidationError,
} from '../errors/error-classes.js'
import type { EventBus } from '../events/event-bus.js'
import { outboxEvent } from '../events/outbox-event.js'
import type { IdGenerator } from '../ids/id-generator.js'
import { neverStocked } from '../inventory/never-stocked.js'
import { afterCursor, type CursorPage, toCursorPage } from '../pagination/cursor-page.js'
import type { CartRecord, CartSkuStock, CartStore } from '../ports/cart-store.js'
import type { InventoryStore } from '../ports/inventory-store.js'
import type { Storage } from '../ports/storage.js'
import { parseInput } from '../validation/parse-input.js'
import type { CartEvent } from './cart-events.js'
import type { CartPricer } from './cart-pricer.js'
import {
  type AddItemInput,
  type ApplyPromoInput,
  addItemSchema,
  applyPromoSchema,
  type CartRef,
  type CreateCartInput,
  cartRefSchema,
  createCartSchema,
  DEFAULT_CART_TTL_MS,
  type FindCustomerCartInput,
  findCustomerCartSchema,
  type ListAbandonedInput,
  listAbandonedSchema,
  MAX_CART_LINE_QUANTITY,
  MAX_CART_LINES,
  type MergeCartsInput,
  mergeCartsSchema,
  type NotifyAbandonedInput,
  notifyAbandonedSchema,
  type RemoveItemInput,
  removeItemSchema,
  type SetEmailInput,
  type SetShippingAddressInput,
  type SetShippingMethodInput,
  setEmailSchema,
  setShippingAddressSchema,
  setShippingMethodSchema,
  type UpdateItemInput,
  updateItemSchema,
} from './cart-schemas.js'
import type { CartView, SellableVariant, VariantLookup } from './cart-types.js'
import { toSellableVariant } from './catalog-variant-lookup.js'

/** Attempts at a compare-and-set save before a busy cart is reported as a conflict. */
const MAX_SAVE_ATTEMPTS = 25

/** What an edit of one SKU needs besides the cart, when the store read it with the cart. */
interface EditFacts {
  /** The cart's lines' and the edited SKU's variants in the cart's currency; unknown SKUs absent. */
  readonly variants: readonly SellableVariant[]
  /** The edited SKU's stock; null when it has none (or no SKU is edited). */
  readonly stock: CartSkuStock | null
}

export interface CartServiceDeps {
  readonly store: CartStore
  readonly inventory: InventoryStore
  readonly variants: VariantLookup
  /** Turns stored carts into views at today's prices, and checks promo codes; checkout shares it. */
  readonly pricer: CartPricer
  readonly clock: Clock
  readonly ids: IdGenerator
  readonly events: EventBus
  /** Idle time after which a cart expires. Default 30 days. */
  readonly ttlMs?: number
  /**
   * Storage's unit of work, for `notifyAbandoned`: it claims the carts and writes their
   * `cart.abandoned` events to the outbox in one transaction. Without it they are in-process only.
   */
  readonly transaction?: Storage['transaction']
}

/** `commerce.cart`: guest and customer carts. Stock is checked on add, never reserved. */
export interface CartService {
  create(input: CreateCartInput): Promise<CartView>
  /** Throws `NotFoundError` for unknown or expired carts and for another customer's cart. */
  get(input: CartRef): Promise<CartView>
  /**
   * The signed-in customer's open cart, wherever it was made (another device, another session):
   * their most recently updated cart that is neither checked out nor expired, or null. Pair it
   * with `merge` to bring the guest cart of the device they sign in on into it.
   */
  findForCustomer(input: FindCustomerCartInput): Promise<CartView | null>
  /** Adds to the line of that SKU (or creates it). Checks the SKU is sellable and in stock. */
  addItem(input: AddItemInput): Promise<CartView>
  /** Sets a line's quantity; 0 or less removes it. */
  updateItem(input: UpdateItemInput): Promise<CartView>
  removeItem(input: RemoveItemInput): Promise<CartView>
  clear(input: CartRef): Promise<CartView>
  setEmail(input: SetEmailInput): Promise<CartView>
  setShippingAddress(input: SetShippingAddressInput): Promise<CartView>
  setShippingMethod(input: SetShippingMethodInput): Promise<CartView>
  applyPromoCode(input: ApplyPromoInput): Promise<CartView>
  removePromoCode(input: CartRef): Promise<CartView>
  /**
   * On sign-in: moves a guest cart's lines into the customer's open cart (quantities of the same
   * SKU add up), or makes the guest cart the customer's when they have none. Returns the result.
   */
  merge(input: MergeCartsInput): Promise<CartView>
  /**
   * Carts with items idle for `idleForMs` (default 1 hour), least recently updated first, `limit`
   * (default 100, at most 1,000) a page.
   */
  listAbandoned(input?: ListAbandonedInput): Promise<CursorPage<CartView>>
  /** Raises `cart.abandoned` once per idle spell for each abandoned cart; safe from many processes. */
  notifyAbandoned(input?: NotifyAbandonedInput): Promise<{ notified: number }>
  /** Deletes expired carts; run it on a timer. */
  deleteExpired(): Promise<{ deleted: number }>
}

export function createCartService(deps: CartServiceDeps): CartService {
  const { store, inventory, variants, pricer, clock, ids, events } = deps
  // `variants` were read with the cart in its currency; the pricer looks up the SKUs missing from them.
  const price = (cart: CartRecord, variants?: readonly SellableVariant[]) => pricer.view({ cart, variants })
  const ttl = deps.ttlMs ?? DEFAULT_CART_TTL_MS

  function visible(cartId: string, customerId: string | undefined, cart: CartRecord | null): CartRecord {
    // Another customer's cart answers exactly like a missing one, so ids cannot be probed.
    if (
      !cart ||
      cart.expiresAt <= clock.now() ||
      (cart.customerId !== null && cart.customerId !== customerId)
    ) {
      throw new NotFoundError('cart', cartId)
    }
    return cart
  }

  async function load(cartId: string, customerId: string | undefined): Promise<CartRecord> {
    return visible(cartId, customerId, await store.get(cartId))
  }

  /**
   * The cart, and with it what the edit of `sku` needs when the store reads it in the same round
   * trip (`readForEdit`): the variants of the cart's lines and of `sku`, and the stock of `sku`.
   * Null facts mean the service asks the catalog and inventory itself (the store cannot).
   */
  async function read(
    cartId: string,
    customerId: string | undefined,
    sku: string | undefined,
  ): Promise<{ cart: CartRecord; facts: EditFacts | null }> {
    if (!store.readForEdit) return { cart: await load(cartId, customerId), facts: null }
    // Priced at the clock's time: a scheduled price shows exactly in its window.
    const snapshot = await store.readForEdit({ cartId, sku, at: deps.clock.now() })
    if (!snapshot) throw new NotFoundError('cart', cartId)
    const facts = { variants: snapshot.variants.map(toSellableVariant), stock: snapshot.stock }
    return { cart: visible(cartId, customerId, snapshot.cart), facts }
  }

  /**
   * Read, change, compare-and-set; on a concurrent write read again and re-apply the change.
   * `sku` is the SKU the change is about: its variant and stock come with the read when the store
   * can, so a plain edit costs one read and one write.
   */
  async function mutate(
    cartId: string,
    customerId: string | undefined,
    change: (cart: CartRecord, facts: EditFacts | null) => Promise<CartRecord> | CartRecord,
    sku?: string,
    eventsOf?: (saved: CartRecord, now: Date) => CartEvent[],
  ): Promise<CartView> {
    for (let attempt = 1; ; attempt++) {
      const { cart, facts } = await read(cartId, customerId, sku)
      if (cart.orderId !== null) {
        throw new ConflictError(
          `Cart ${cartId} was checked out as order ${cart.orderId}`,
          { cartId, orderId: cart.orderId },
          { code: 'cart.checked_out' },
        )
      }
      const now = clock.now()
      const next = {
        ...(await change(cart, facts)),
        updatedAt: now,
        expiresAt: new Date(now.getTime() + ttl),
      }
      // The edit's events go to the outbox with the save (durable subscribers), then in process.
      const happened = eventsOf?.(next, now) ?? []
      const durable = happened.map((e) => outboxEvent(e, ids('evt'), next.id))
      try {
        const view = await price(
          await store.save({ cart: next, expectedVersion: cart.version, events: durable }),
          facts?.variants,
        )
        for (const e of happened) events.emit(e)
        return view
      } catch (error) {
        if (!isCommerceError(error, 'conflict') || attempt >= MAX_SAVE_ATTEMPTS) throw error
        if (attempt > 3) await new Promise((resolve) => setTimeout(resolve, Math.random() * attempt * 2))
      }
    }
  }

  async function assertSellable(sku: string, currency: string, facts: EditFacts | null): Promise<void> {
    const variant = facts ? facts.variants.find((v) => v.sku === sku) : (await variants([sku], currency))[0]
    if (variant?.status !== 'active') throw new NotFoundError('sku', sku)
    if (variant.price === null) {
      throw new ValidationError(`SKU ${sku} has no price in ${currency}`, [
        { path: 'sku', message: `no price in ${currency}` },
      ])
    }
  }

  async function stockOf(sku: string): Promise<CartSkuStock | null> {
    const snapshot = await inventory.getAllocationSnapshot([sku])
    const item = snapshot.items[0]
    if (!item) return null
    const available = snapshot.levels.reduce((total, level) => total + Math.max(0, level.available), 0)
    return { tracked: item.tracked, allowBackorder: item.allowBackorder, available }
  }

  async function assertInStock(sku: string, quantity: number, facts: EditFacts | null): Promise<void> {
    const stock = facts ? facts.stock : await stockOf(sku)
    if (!stock) throw neverStocked([{ sku, quantity }])
    if (!stock.tracked || stock.allowBackorder) return
    if (stock.available < quantity) {
      throw new InsufficientStockError([{ sku, requested: quantity, available: stock.available }])
    }
  }

  function withQuantity(cart: CartRecord, sku: string, quantity: number): CartRecord {
    const existing = cart.lines.find((l) => l.sku === sku)
    if (quantity <= 0) return { ...cart, lines: cart.lines.filter((l) => l.sku !== sku) }
    if (existing) return { ...cart, lines: cart.lines.map((l) => (l.sku === sku ? { ...l, quantity } : l)) }
    if (cart.lines.length >= MAX_CART_LINES) {
      throw new ValidationError(`A cart holds at most ${MAX_CART_LINES} different items`, [
        { path: 'sku', message: 'cart is full' },
      ])
    }
    return { ...cart, lines: [...cart.lines, { sku, quantity, addedAt: clock.now() }] }
  }

  return {
    async create(input) {
      const { customerId, currency, email } = parseInput(createCartSchema, input, 'cart')
      const now = clock.now()
      const cart: CartRecord = {
        id: ids('cart'),
        customerId: customerId ?? null,
        currency,
        lines: [],
        email: email ?? null,
        promoCode: null,
        shippingAddress: null,
        shippingMethodId: null,
        orderId: null,
        version: 1,
        createdAt: now,
        updatedAt: now,
        expiresAt: new Date(now.getTime() + ttl),
      }
      await store.insert(cart)
      return price(cart)
    },

    async get(input) {
      const { cartId, customerId } = parseInput(cartRefSchema, input, 'cart reference')
      return price(await load(cartId, customerId))
    },

    async findForCustomer(input) {
      const { customerId } = parseInput(findCustomerCartSchema, input, 'customer cart query')
      const cart = await store.findOpenForCustomer(customerId)
      // The most recently updated open cart expires last: if it has expired, every other has too.
      if (!cart || cart.expiresAt <= clock.now()) return null
      return price(cart)
    },

    async addItem(input) {
      const { cartId, customerId, sku, quantity } = parseInput(addItemSchema, input, 'cart item')
      let added = 0
      const view = await mutate(
        cartId,
        customerId,
        async (cart, facts) => {
          const total = (cart.lines.find((l) => l.sku === sku)?.quantity ?? 0) + quantity
          if (total > MAX_CART_LINE_QUANTITY) {
            throw new ValidationError(`At most ${MAX_CART_LINE_QUANTITY} of one item`, [
              { path: 'quantity', message: 'too many' },
            ])
          }
          // Both at once, but a SKU nobody sells is not_found before it is out of stock.
          const checks = await Promise.allSettled([
            assertSellable(sku, cart.currency, facts),
            assertInStock(sku, total, facts),
          ])
          for (const check of checks) if (check.status === 'rejected') throw check.reason
          added = quantity
          return withQuantity(cart, sku, total)
        },
        sku,
        (saved, now) => [
          {
            type: 'cart.item_added',
            cartId,
            customerId: saved.customerId,
            sku,
            quantity: added,
            occurredAt: now,
          },
        ],
      )
      return view
    },

    async updateItem(input) {
      const { cartId, customerId, sku, quantity } = parseInput(updateItemSchema, input, 'cart item')
      return mutate(
        cartId,
        customerId,
        async (cart, facts) => {
          if (quantity > 0) {
            if (!cart.lines.some((l) => l.sku === sku)) await assertSellable(sku, cart.currency, facts)
            await assertInStock(sku, quantity, facts)
          }
          return withQuantity(cart, sku, quantity)
        },
        sku,
      )
    },

    async removeItem(input) {
      const { cartId, customerId, sku } = parseInput(removeItemSchema, input, 'cart item')
      return mutate(cartId, customerId, (cart) => withQuantity(cart, sku, 0))
    },

    async clear(input) {
      const { cartId, customerId } = parseInput(cartRefSchema, input, 'cart reference')
      return mutate(cartId, customerId, (cart) => ({ ...cart, lines: [], promoCode: null }))
    },

    async setEmail(input) {
      const { cartId, customerId, email } = parseInput(setEmailSchema, input, 'cart email')
      return mutate(cartId, customerId, (cart) => ({ ...cart, email }))
    },

    async setShippingAddress(input) {
      const { cartId, customerId, address } = parseInput(setShippingAddressSchema, input, 'shipping address')
      return mutate(cartId, customerId, (cart) => ({ ...cart, shippingAddress: address }))
    },

    async setShippingMethod(input) {
      const { cartId, customerId, shippingMethodId } = parseInput(
        setShippingMethodSchema,
        input,
        'shipping method',
      )
      return mutate(cartId, customerId, (cart) => ({ ...cart, shippingMethodId }))
    },

    async applyPromoCode(input) {
      const { cartId, customerId, code } = parseInput(applyPromoSchema, input, 'promo code')
      return mutate(cartId, customerId, async (cart) => {
        await pricer.price({ cart: { ...cart, promoCode: code.toUpperCase() }, strictPromotion: true })
        return { ...cart, promoCode: code.toUpperCase() }
      })
    },

    async removePromoCode(input) {
      const { cartId, customerId } = parseInput(cartRefSchema, input, 'cart reference')
      return mutate(cartId, customerId, (cart) => ({ ...cart, promoCode: null }))
    },

    async merge(input) {
      const { guestCartId, customerId, guestCustomerId } = parseInput(mergeCartsSchema, input, 'cart merge')
      const guestOwner = guestCustomerId ?? customerId
      const guest = await load(guestCartId, guestOwner)
      if (guest.customerId === customerId) return price(guest)
      const target = await store.findOpenForCustomer(customerId)
      let view: CartView
      const mergedEvent = (saved: CartRecord, now: Date): CartEvent[] => [
        { type: 'cart.merged', guestCartId, cartId: saved.id, customerId, occurredAt: now },
      ]
      if (!target || target.currency !== guest.currency || target.expiresAt <= clock.now()) {
        view = await mutate(
          guestCartId,
          guestOwner,
          (cart) => ({ ...cart, customerId }),
          undefined,
          mergedEvent,
        )
      } else {
        view = await mutate(
          target.id,
          customerId,
          (cart) => {
            let merged = cart
            for (const line of guest.lines) {
              const current = merged.lines.find((l) => l.sku === line.sku)?.quantity ?? 0
              merged = withQuantity(
                merged,
                line.sku,
                Math.min(MAX_CART_LINE_QUANTITY, current + line.quantity),
              )
            }
            return {
              ...merged,
              promoCode: merged.promoCode ?? guest.promoCode,
              email: merged.email ?? guest.email,
            }
          },
          undefined,
          mergedEvent,
        )
        await store.delete(guestCartId)
      }
      return view
    },

    async listAbandoned(input = {}) {
      const { idleForMs, cursor, limit } = parseInput(listAbandonedSchema, input, 'abandoned-cart query')
      const page = await store.listAbandoned({
        idleSince: new Date(clock.now().getTime() - idleForMs),
        after: afterCursor(cursor, 'abandoned_carts'),
        limit,
      })
      return toCursorPage({ items: await Promise.all(page.items.map((c) => price(c))), next: page.next })
    },

    async notifyAbandoned(input = {}) {
      const { idleForMs, limit } = parseInput(notifyAbandonedSchema, input, 'abandoned-cart query')
      const now = clock.now()
      const idleSince = new Date(now.getTime() - idleForMs)
      const abandoned = (cart: CartRecord): CartEvent => ({
        type: 'cart.abandoned',
        cartId: cart.id,
        customerId: cart.customerId,
        email: cart.email,
        itemCount: cart.lines.reduce((n, l) => n + l.quantity, 0),
        idleSince: cart.updatedAt,
        occurredAt: now,
      })
      const transaction = deps.transaction
      // With storage's unit of work the claim and the durable events commit together (the claim
      // is made on the durable cart store, which a layered store delegates it to anyway).
      const happened = transaction
        ? await transaction(async (stores) => {
            const claimed = (await stores.carts.claimAbandoned({ idleSince, at: now, limit })).map(abandoned)
            await stores.outbox.enqueue({
              messages: claimed.map((e) => outboxEvent(e, ids('evt'), e.cartId)),
              now,
            })
            return claimed
          })
        : (await store.claimAbandoned({ idleSince, at: now, limit })).map(abandoned)
      for (const e of happened) events.emit(e)
      return { notified: happened.length }
    },

    async deleteExpired() {
      let deleted = 0
      for (;;) {
        const n = await store.deleteExpired({ at: clock.now(), limit: 1000 })
        deleted += n
        if (n < 1000) return { deleted }
      }
    },
  }
}
