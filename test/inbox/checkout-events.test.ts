/**
 * The checkout events as the store sends them (`POST /events`) and as Shopify's checkout
 * webhooks become them: each bad field named by its path, the line items kept as given, an order
 * naming the checkout it completes.
 */
import { describe, expect, it } from 'vitest';
import { validateEvent } from '../../src/inbox/events.js';
import { mapShopifyWebhook } from '../../src/inbox/shopify.js';

const started = (checkout: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({
  type: 'checkout_started',
  contact: { email: 'ada@example.com' },
  checkout: {
    id: 'c-1',
    total: 30,
    currency: 'eur',
    line_items: [
      {
        product_id: 42,
        title: 'Mug',
        variant: 'Blue',
        quantity: 2,
        price: 15,
        image_url: 'https://cdn.example/mug.jpg',
        product_url: 'https://shop.example/products/mug',
      },
    ],
    recovery_url: 'https://shop.example/checkouts/c-1/recover',
    ...checkout,
  },
  ...extra,
});

const problemsOf = (raw: unknown) => {
  const result = validateEvent(raw);
  return result.ok ? [] : result.problems.map((p) => `${p.path}: ${p.message}`);
};

describe('checkout events', () => {
  it('reads a checkout with its line items, in the internal form', () => {
    const result = validateEvent(started());
    expect(result).toEqual({
      ok: true,
      event: {
        type: 'checkout_started',
        contact: expect.objectContaining({ email: 'ada@example.com' }),
        checkout: {
          id: 'c-1',
          source: 'api',
          total: 30,
          currency: 'EUR',
          lineItems: [
            {
              productId: '42',
              title: 'Mug',
              variant: 'Blue',
              quantity: 2,
              price: 15,
              imageUrl: 'https://cdn.example/mug.jpg',
              productUrl: 'https://shop.example/products/mug',
            },
          ],
          recoveryUrl: 'https://shop.example/checkouts/c-1/recover',
        },
      },
    });
    // A checkout without contact is an event too: it is kept and starts nothing.
    const { contact: _contact, ...anonymous } = started();
    expect(validateEvent(anonymous).ok).toBe(true);
  });

  it('names every bad field by its path', () => {
    expect(
      problemsOf(
        started({
          id: '',
          total: -1,
          currency: 'euro',
          line_items: [{ product_id: 'p', title: 'Mug', quantity: 0, price: 'ten', extra: 1 }],
          recovery_url: 'javascript:alert(1)',
        }),
      ),
    ).toEqual([
      'checkout.id: must not be empty',
      'checkout.total: must be a number ≥ 0',
      'checkout.currency: must be an ISO 4217 code such as EUR',
      'checkout.line_items[0].quantity: must be a whole number ≥ 1',
      'checkout.line_items[0].price: must be a number ≥ 0',
      'checkout.line_items[0].extra: is not a known field',
      'checkout.recovery_url: must be an http(s) URL such as https://shop.example/…',
    ]);
    expect(problemsOf({ type: 'checkout_updated', contact: { email: 'ada@example.com' } })).toEqual(
      ['checkout: is required'],
    );
    expect(problemsOf({ type: 'checkout_deleted', checkout: { source: 'shopify' } })).toEqual([
      "checkout.id: must be a string or a whole number (the store's checkout id)",
    ]);
    expect(
      problemsOf({
        type: 'purchase',
        contact: { email: 'ada@example.com' },
        order: { id: 'o-1', total: 1, placed_at: '2026-12-01T10:00:00Z', checkout_id: {} },
      }),
    ).toEqual(["order.checkout_id: must be a string or a whole number (the store's checkout id)"]);
  });
});

describe("Shopify's checkout webhooks", () => {
  const checkout = {
    id: 901414060,
    token: 'b1946ac92492d2347c6235b4d2611184',
    email: 'Bob.Norman@example.com',
    created_at: '2026-12-01T10:00:00-05:00',
    updated_at: '2026-12-01T10:05:00-05:00',
    completed_at: null,
    buyer_accepts_marketing: true,
    currency: 'USD',
    total_price: '398.00',
    abandoned_checkout_url: 'https://checkout.example/123/checkouts/b1946/recover?key=abc',
    customer: { id: 207119551, email: 'bob.norman@example.com', first_name: 'Bob' },
    line_items: [
      {
        product_id: 632910392,
        variant_id: 39072856,
        title: 'IPod Nano - 8gb',
        variant_title: 'green',
        quantity: 1,
        price: '199.00',
      },
      { product_id: null, variant_id: 457924702, title: 'Gift wrap', quantity: 2, price: '99.50' },
    ],
  };

  it('maps checkouts/create to checkout_started, keyed by the token', () => {
    const mapped = mapShopifyWebhook('checkouts/create', checkout);
    expect(mapped).toEqual({
      ok: true,
      dropped: [],
      event: {
        type: 'checkout_started',
        contact: {
          external_id: '207119551',
          email: 'Bob.Norman@example.com',
          first_name: 'Bob',
          newsletter: 'subscribed',
        },
        checkout: {
          id: 'b1946ac92492d2347c6235b4d2611184',
          source: 'shopify',
          total: 398,
          currency: 'USD',
          line_items: [
            {
              product_id: '632910392',
              title: 'IPod Nano - 8gb',
              variant: 'green',
              quantity: 1,
              price: 199,
            },
            { product_id: '457924702', title: 'Gift wrap', quantity: 2, price: 99.5 },
          ],
          recovery_url: 'https://checkout.example/123/checkouts/b1946/recover?key=abc',
          started_at: '2026-12-01T10:00:00-05:00',
        },
        occurred_at: '2026-12-01T10:05:00-05:00',
      },
    });
  });

  it('maps an update with completed_at, a guest checkout without email, and a delete', () => {
    const completed = mapShopifyWebhook('checkouts/update', {
      ...checkout,
      completed_at: '2026-12-01T10:20:00-05:00',
    });
    expect(completed).toMatchObject({
      ok: true,
      event: { type: 'checkout_updated', checkout: { completed_at: '2026-12-01T10:20:00-05:00' } },
    });
    const guest = mapShopifyWebhook('checkouts/create', {
      ...checkout,
      email: null,
      customer: null,
    });
    expect(guest.ok && guest.event.contact).toBeUndefined();
    expect(mapShopifyWebhook('checkouts/delete', { token: checkout.token })).toEqual({
      ok: true,
      dropped: [],
      event: {
        type: 'checkout_deleted',
        checkout: { id: checkout.token, source: 'shopify' },
      },
    });
  });

  it("names a checkout's email of another type by its Shopify field", () => {
    const reason = (fields: Record<string, unknown>) => {
      const mapped = mapShopifyWebhook('checkouts/update', { ...checkout, ...fields });
      return mapped.ok ? mapped.event : mapped.ignored;
    };
    // Not a guest checkout that starts nothing.
    expect(reason({ email: 12345, customer: null })).toBe(
      'the checkouts/update payload does not make a valid event: email: has the wrong type (12345); use a string',
    );
    expect(reason({ email: null, customer: { email: true } })).toBe(
      'the checkouts/update payload does not make a valid event: customer.email: has the wrong type (true); use a string',
    );
    // Beside a customer id the checkout is kept under the id, the email said left out.
    expect(
      mapShopifyWebhook('checkouts/update', {
        ...checkout,
        email: null,
        customer: { id: 207119551, email: true },
      }),
    ).toMatchObject({
      ok: true,
      event: { contact: { external_id: '207119551' } },
      dropped: [{ path: 'customer.email' }],
    });
    expect(reason({ email: '', customer: null })).toMatchObject({ type: 'checkout_updated' });
  });

  it('reads the checkout an order completes from its checkout_token', () => {
    const order = mapShopifyWebhook('orders/create', {
      id: 450789469,
      email: 'bob.norman@example.com',
      created_at: '2026-12-01T10:20:00-05:00',
      currency: 'USD',
      total_price: '398.00',
      financial_status: 'paid',
      checkout_token: checkout.token,
    });
    expect(order).toMatchObject({ ok: true, event: { order: { checkout_id: checkout.token } } });
  });
});
