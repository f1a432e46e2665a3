/**
 * Applying one event of the inbox. Every step is idempotent, so an event applied again (a retry
 * after a failure half-way, a webhook delivered twice under different ids) changes nothing twice:
 * contacts and orders are upserts, journeys have deterministic ids, a purchase signals the
 * contact's journeys only when its order becomes paid, or moves to it from another buyer, and the
 * contact's flows are told of an order only when it becomes cancelled or refunded, or of a partial
 * refund not kept before.
 */
import {
  type CampaignForStart,
  campaignsStartedBy,
  type JourneyStart,
  queueOnEvent,
} from '../campaigns/enrolment.js';
import type { FlowEvent } from '../campaigns/journey-contract.js';
import { signalPurchase } from '../campaigns/lifecycle.js';
import { ContactConflictError, type UpsertAction, upsertContacts } from '../db/contacts.js';
import { resolveBuyers } from '../db/buyers.js';
import { recordRedemption } from '../db/coupons.js';
import type { Db, Executor } from '../db/database.js';
import {
  findOrder,
  type OrderStatus,
  type OrderUpsertAction,
  OrderValidationError,
  partialRefundsTotal,
  recordPartialRefund,
  upsertOrder,
} from '../db/orders.js';
import {
  type Contact,
  type ContactInput,
  ContactValidationError,
  parseContactInput,
} from '../domain/contacts.js';
import { counted } from '../domain/counted.js';
import { recordContactEvent } from '../db/contact-events.js';
import { findContact } from '../db/contacts.js';
import {
  orderFlowEvent,
  partialRefundFlowEvent,
  registrationEntryEvent,
  signalFlowEvent,
} from '../campaigns/flow-events.js';
import {
  applyCheckout,
  applyCheckoutDeleted,
  type CheckoutDeletedResult,
  type CheckoutResult,
  completeCheckoutOfOrder,
  describeCheckoutResult,
} from './checkouts.js';
import type {
  InboxEvent,
  PurchaseEventInput,
  RefundEvent,
  RegistrationEvent,
  TrackEvent,
} from './events.js';
import { describeFeedback, type FeedbackResult } from './provider-feedback.js';
import {
  type ApplyDeps,
  DeferredEventError,
  enteredText,
  enterJourneys,
  RejectedEventError,
  startBeforeSignal,
  startEntered,
} from './journey-entry.js';

export type { JourneyStart } from '../campaigns/enrolment.js';

/** The contact's flows told of a change of an order's (a refund, a partial refund, a cancellation). */
export interface OrderFlowsTold {
  /** Journeys of flows whose entry is the change. */
  journeys: JourneyStart[];
  /**
   * Running flow journeys that wait for the change or exit on it, told of it (a journey keyed per
   * order hears its own order's only).
   */
  journeysSignalled: number;
}

export type ApplyResult =
  | {
      type: 'account_registered';
      contactId: number;
      contact: UpsertAction;
      journeys: JourneyStart[];
    }
  | {
      type: 'purchase';
      contactId: number;
      /** The buyer's contact: found as it was, inserted, or updated (given the customer id). */
      contact: UpsertAction | 'found';
      /** The buyer's email belongs to a contact with another customer id, which was left as it was. */
      conflict?: string;
      order: {
        id: number;
        externalId: string;
        source: string;
        action: OrderUpsertAction;
        status: OrderStatus;
        /** The contact the order was stored for until this event named another buyer. */
        movedFrom?: number;
      };
      /**
       * The order became a paid purchase of this buyer with this event: newly paid, or a paid order
       * moved from another buyer (false for a repeat of a known paid order).
       */
      newPurchase: boolean;
      couponRedeemed: boolean;
      journeysSignalled: number;
      /** Journeys of flows whose entry is a purchase. */
      journeys?: JourneyStart[];
      /** Journeys of the checkout the order completes, told it is completed. */
      checkoutJourneysSignalled?: number;
      /**
       * Only when the order became cancelled with this event: the flows told of it
       * (`order_cancelled`), as a refund's are.
       */
      cancellation?: OrderFlowsTold;
      /**
       * Only when the order became refunded with this event (a purchase restating it as refunded):
       * the flows told of it (`order_refunded`), as a refund's are.
       */
      refund?: OrderFlowsTold;
    }
  | ({
      type: 'order_refunded';
      contactId: number;
      order: { id: number; externalId: string; source: string };
      /**
       * partial_refund_again: the same partial refund (order, time, amount) was told before;
       * refunded_in_parts: a partial refund that, with those kept before, adds up to the order's
       * total, told as `order_partially_refunded` and then as `order_refunded`.
       */
      outcome:
        | 'refunded'
        | 'refunded_in_parts'
        | 'already_refunded'
        | 'partial_refund'
        | 'partial_refund_again';
    } & OrderFlowsTold)
  | FeedbackResult
  | {
      type: 'track';
      name: string;
      contactId: number;
      contact: UpsertAction | 'found';
      /** False when the same event (contact, name, time) was kept already. */
      stored: boolean;
      /** Journeys of flows whose entry is this event. */
      journeys: JourneyStart[];
      /** Running flow journeys that wait for this event, told of it. */
      journeysSignalled: number;
    }
  | CheckoutResult
  | CheckoutDeletedResult;

/** Applies an event received at `receivedAt`. Throws RejectedEventError, DeferredEventError, or a transient error. */
export async function applyEvent(
  deps: ApplyDeps,
  event: InboxEvent,
  receivedAt: Date,
): Promise<ApplyResult> {
  switch (event.type) {
    case 'account_registered':
      return applyRegistration(deps, event, receivedAt);
    case 'purchase':
      return applyPurchase(deps, event, receivedAt);
    case 'order_refunded':
      return applyRefund(deps, event, receivedAt);
    case 'track':
      return applyTrack(deps, event, receivedAt);
    case 'checkout_started':
    case 'checkout_updated':
      return applyCheckout(deps, event, receivedAt);
    case 'checkout_deleted':
      return applyCheckoutDeleted(deps, event, receivedAt);
  }
}

export type RegisteredContact = { contact: Contact; action: UpsertAction } | RejectedEventError;

/**
 * The contacts of registrations, written together: one transaction of set-based upserts, a
 * contact's registrations applied in the order given. Each refused contact is its event's own
 * rejection; an error thrown says nothing about which event is at fault.
 */
export async function upsertRegisteredContacts(
  db: Db,
  registrations: readonly { event: RegistrationEvent; receivedAt: Date }[],
): Promise<RegisteredContact[]> {
  const result: RegisteredContact[] = new Array(registrations.length);
  const valid: { index: number; input: ContactInput; consentAt: Date }[] = [];
  registrations.forEach(({ event, receivedAt }, index) => {
    try {
      valid.push({
        index,
        input: parseContactInput({
          ...event.contact,
          registeredAt: event.registeredAt ?? receivedAt,
        }),
        // Consent stated before the contact's last consent change (a replay, a late event) is ignored.
        consentAt: event.occurredAt ?? event.registeredAt ?? receivedAt,
      });
    } catch (err) {
      if (!(err instanceof ContactValidationError)) throw err;
      result[index] = new RejectedEventError(`contact: ${err.message}`);
    }
  });
  const outcomes = await upsertContacts(
    db,
    valid.map((v) => v.input),
    { consentAtOf: valid.map((v) => v.consentAt) },
  );
  valid.forEach(({ index }, k) => {
    const outcome = outcomes[k]!;
    result[index] =
      outcome.action === 'rejected'
        ? new RejectedEventError(
            `contact: ${new ContactConflictError(outcome.field, outcome.reason).message}`,
          )
        : outcome;
  });
  return result;
}

/** The active campaigns every registration enrols in (the welcome campaigns), read once per batch. */
export function welcomeCampaigns(db: Db): Promise<CampaignForStart[]> {
  return campaignsStartedBy(db, 'account_registered');
}

/**
 * A registered contact's journeys, one per campaign a registration starts (deterministic ids: once
 * per contact). Its contact must be committed: the journey's activities read it.
 */
export async function startWelcomeJourneys(
  deps: ApplyDeps,
  registered: RegisteredContact,
  campaigns: readonly CampaignForStart[],
  entryEvent?: FlowEvent,
): Promise<ApplyResult> {
  if (registered instanceof RejectedEventError) throw registered;
  const { contact, action } = registered;
  const journeys = await enterJourneys(deps, campaigns, contact, entryEvent);
  return { type: 'account_registered', contactId: contact.id, contact: action, journeys };
}

/** The contact (committed before any journey starts), then its welcome journeys. */
async function applyRegistration(
  deps: ApplyDeps,
  event: RegistrationEvent,
  receivedAt: Date,
): Promise<ApplyResult> {
  const [registered] = await upsertRegisteredContacts(deps.db, [{ event, receivedAt }]);
  return startWelcomeJourneys(
    deps,
    registered!,
    await welcomeCampaigns(deps.db),
    registrationEntryEvent(event, receivedAt),
  );
}

const ACTIONS = { found: 'found', created: 'inserted', attached: 'updated' } as const;

/** The buyer, by the rule of db/buyers.ts; one without a contact or an email waits for its registration. */
async function resolveBuyer(
  db: Db,
  input: ContactInput,
): Promise<{ contactId: number; action: UpsertAction | 'found'; conflict?: string }> {
  const [buyer] = await resolveBuyers(db, [input]);
  switch (buyer!.outcome) {
    case 'unknown':
      throw new DeferredEventError(`${buyer!.reason}; waiting for the contact's registration`);
    case 'rejected':
      throw new RejectedEventError(
        `contact: ${buyer!.field ? `${buyer!.field}: ` : ''}${buyer!.reason}`,
      );
    default:
      return {
        contactId: buyer!.contactId,
        action: ACTIONS[buyer!.outcome],
        conflict: buyer!.conflict,
      };
  }
}

/**
 * The order (idempotent by source + id), the coupon's redemption, and — when the order becomes a
 * paid purchase of this buyer — a purchase signal to the contact's running journeys, or — when it
 * becomes cancelled or refunded — `order_cancelled` or `order_refunded` to the contact's flows.
 * The signal is sent inside the order's transaction: if it fails, the order is rolled back too, so
 * the retry signals again instead of finding the order known and staying silent.
 */
async function applyPurchase(
  deps: ApplyDeps,
  event: PurchaseEventInput,
  receivedAt: Date,
): Promise<ApplyResult> {
  const { applied: purchase, placedAt } = await applyPurchaseOrder(deps, event, receivedAt);
  if (purchase.order.status !== 'paid') {
    // Flows entered on a cancellation or a refund, once the order is committed (their branches
    // read it).
    const change = purchase.cancellation ? 'cancellation' : 'refund';
    const told = purchase[change];
    if (!told?.journeys.length) return purchase;
    const journeys = await startEntered(deps, purchase.contactId, told.journeys);
    return { ...purchase, [change]: { ...told, journeys } };
  }
  const { checkoutId } = event.order;
  const applied = checkoutId
    ? {
        ...purchase,
        checkoutJourneysSignalled: await completeCheckoutOfOrder(deps, {
          id: purchase.order.id,
          source: event.order.source,
          checkoutId,
          placedAt,
        }),
      }
    : purchase;
  // Flows entered on a purchase, once the order is committed (their branches read it). Each time
  // the paid order is applied: journey ids are deterministic, so a retry starts nothing twice.
  const campaigns = await campaignsStartedBy(deps.db, 'purchase');
  const contact = campaigns.length ? await findContact(deps.db, applied.contactId) : undefined;
  if (!contact) return applied;
  const journeys = await enterJourneys(
    deps,
    campaigns,
    contact,
    orderFlowEvent('purchase', event.order, placedAt),
  );
  return { ...applied, journeys };
}

type PurchaseResult = Extract<ApplyResult, { type: 'purchase' }>;

/**
 * The order written, and when it was placed (as stored). The journeys of flows entered on its
 * cancellation are queued, not started: they start once the order is committed.
 */
async function applyPurchaseOrder(
  deps: ApplyDeps,
  event: PurchaseEventInput,
  receivedAt: Date,
): Promise<{ applied: PurchaseResult; placedAt: Date }> {
  const { contactId, action, conflict } = await resolveBuyer(deps.db, event.contact);
  const { order } = event;
  const currency = order.currency ?? deps.defaultCurrency ?? 'EUR';
  try {
    return await deps.db.transaction().execute(async (trx) => {
      const previous = await findOrder(trx, order.id, order.source, { lock: true });
      // A refund or cancellation is final: a late "paid" delivery of the same order does not undo it.
      const status: OrderStatus =
        previous && previous.status !== 'paid' && order.status === 'paid'
          ? previous.status
          : order.status;
      // An event that does not say when the order was placed (e.g. the CLI run again without
      // --placed-at) keeps the stored time: its receipt is not when the order was placed.
      const placedAt = order.placedAt ?? previous?.placedAt ?? receivedAt;
      const written = await upsertOrder(trx, {
        source: order.source,
        externalId: order.id,
        contactId,
        placedAt,
        total: order.total,
        currency,
        couponCode: order.couponCode ?? null,
        status,
        ...(order.checkoutId ? { checkoutId: order.checkoutId } : {}),
      });
      // Shopify lets an order's customer change: a paid order restated with another buyer is a new
      // purchase of that buyer's (its journeys are told); the same buyer again is a repeat.
      const movedFrom =
        previous && previous.contactId !== contactId ? previous.contactId : undefined;
      const newPurchase =
        written.order.status === 'paid' && (previous?.status !== 'paid' || movedFrom !== undefined);
      const couponRedeemed =
        order.couponCode && written.order.status === 'paid'
          ? await recordRedemption(trx, order.couponCode, written.order.id, placedAt)
          : false;
      if (newPurchase) await startBeforeSignal(deps, contactId);
      const journeysSignalled = newPurchase
        ? await signalPurchase({ client: deps.temporal, db: deps.db }, contactId, {
            orderId: order.id,
            placedAt: placedAt.toISOString(),
            total: order.total,
            currency,
          })
        : 0;
      // The store says nothing of when it cancelled or refunded the order: the event's receipt is
      // when. A repeat of the status it had is not told again.
      const became =
        written.order.status !== 'paid' && previous?.status !== written.order.status
          ? written.order.status
          : undefined;
      const told = became
        ? await tellOrderFlows(
            deps,
            trx,
            contactId,
            orderFlowEvent(
              became === 'cancelled' ? 'order_cancelled' : 'order_refunded',
              order,
              receivedAt,
            ),
          )
        : undefined;
      const applied: PurchaseResult = {
        type: 'purchase',
        contactId,
        contact: action,
        ...(conflict ? { conflict } : {}),
        order: {
          id: written.order.id,
          externalId: order.id,
          source: order.source,
          action: written.action,
          status: written.order.status,
          ...(movedFrom !== undefined ? { movedFrom } : {}),
        },
        newPurchase,
        couponRedeemed,
        journeysSignalled,
        ...(told && became === 'cancelled' ? { cancellation: told } : {}),
        ...(told && became === 'refunded' ? { refund: told } : {}),
      };
      return { applied, placedAt };
    });
  } catch (err) {
    if (err instanceof OrderValidationError) throw new RejectedEventError(err.message);
    throw err;
  }
}

/**
 * A custom event: kept for its contact (who must be known, as a buyer is), then the journeys of
 * flows whose entry is this event start (one per key value for a keyed entry), and running flow
 * journeys that wait for it are told. Kept once, started once (deterministic ids) and signalled
 * only when newly kept, so an event applied again changes nothing twice.
 */
async function applyTrack(
  deps: ApplyDeps,
  event: TrackEvent,
  receivedAt: Date,
): Promise<ApplyResult> {
  const { contactId, action } = await resolveBuyer(deps.db, event.contact);
  const occurredAt = event.occurredAt ?? receivedAt;
  const stored = await recordContactEvent(deps.db, {
    contactId,
    name: event.name,
    properties: event.properties,
    occurredAt,
  });
  const contact = await findContact(deps.db, contactId);
  const flowEvent = {
    name: event.name,
    properties: event.properties,
    occurredAt: occurredAt.toISOString(),
  };
  const journeys = contact
    ? await enterJourneys(
        deps,
        await campaignsStartedBy(deps.db, event.name),
        { id: contactId, email: contact.email },
        flowEvent,
      )
    : [];
  const started = new Set(journeys.map((j) => j.workflowId));
  if (stored) await startBeforeSignal(deps, contactId, started);
  const journeysSignalled = stored
    ? await signalFlowEvent({ client: deps.temporal, db: deps.db }, contactId, flowEvent, started)
    : 0;
  return {
    type: 'track',
    name: event.name,
    contactId,
    contact: action,
    stored,
    journeys,
    journeysSignalled,
  };
}

type RefundResult = Extract<ApplyResult, { type: 'order_refunded' }>;

/**
 * Inside the transaction of an order whose row is locked, the contact's flows told of `event`, a
 * change of the order's: journeys of flows entered on it are queued (the caller starts them once
 * the change is committed: their branches read the order), and running flow journeys that wait for
 * it or exit on it are signalled. If the signal fails, the change and its queued journeys are
 * rolled back, so the retry tells them again instead of finding the change made.
 */
async function tellOrderFlows(
  deps: ApplyDeps,
  trx: Executor,
  contactId: number,
  event: FlowEvent,
): Promise<OrderFlowsTold> {
  const campaigns = await campaignsStartedBy(deps.db, event.name);
  const contact = campaigns.length ? await findContact(trx, contactId) : undefined;
  const journeys = contact ? await queueOnEvent({ db: trx }, campaigns, contact, event) : [];
  // Journeys entered on the event hold it already: neither started early nor signalled.
  const entered = new Set(journeys.map((j) => j.workflowId));
  await startBeforeSignal(deps, contactId, entered);
  const journeysSignalled = await signalFlowEvent(
    { client: deps.temporal, db: deps.db },
    contactId,
    event,
    entered,
  );
  return { journeys, journeysSignalled };
}

/**
 * A refund of the whole order (or of an unknown amount) marks it refunded; a partial refund leaves
 * it paid, unless with the partial refunds kept before it adds up to the order's total. When the
 * order becomes refunded, the contact's flows hear `order_refunded`; a partial refund not kept
 * before (the same order, time and amount) is kept, and they hear `order_partially_refunded` with
 * its amount (before `order_refunded` when it is the one that completes the refund). A refund
 * without `refunded_at` is dated at its receipt, so the same one sent again under another event id
 * is another partial refund: telling it apart from a second refund of the same amount would need
 * the store's date or event id. Flows entered on it start, and running flow journeys
 * that wait for it or exit on it are signalled (one keyed per order hears its own order's only),
 * from inside the order's transaction (tellOrderFlows). A refund applied again finds the order
 * refunded, or its partial refund kept, and tells no one twice.
 */
async function applyRefund(
  deps: ApplyDeps,
  event: RefundEvent,
  receivedAt: Date,
): Promise<ApplyResult> {
  const refundedAt = event.refundedAt ?? receivedAt;
  const applied = await deps.db.transaction().execute(async (trx): Promise<RefundResult> => {
    const order = await findOrder(trx, event.order.id, event.order.source, { lock: true });
    if (!order)
      throw new DeferredEventError(
        `order "${event.order.id}" (source ${event.order.source}) is not known yet`,
      );
    const base = {
      type: 'order_refunded' as const,
      contactId: order.contactId,
      order: { id: order.id, externalId: order.externalId, source: order.source },
    };
    const ref = { id: order.externalId, source: order.source, total: order.total };
    const untold = (outcome: RefundResult['outcome']) => ({
      ...base,
      outcome,
      journeys: [],
      journeysSignalled: 0,
    });
    // The order becoming refunded: stored so, and its flows told `order_refunded`.
    const refundInFull = async (): Promise<OrderFlowsTold> => {
      await upsertOrder(trx, {
        source: order.source,
        externalId: order.externalId,
        contactId: order.contactId,
        placedAt: order.placedAt,
        total: order.total,
        currency: order.currency,
        couponCode: order.couponCode,
        status: 'refunded',
      });
      return tellOrderFlows(
        deps,
        trx,
        order.contactId,
        orderFlowEvent('order_refunded', ref, refundedAt),
      );
    };
    if (event.amount !== undefined && event.amount + 0.005 < order.total) {
      const refund = { orderId: order.id, refundedAt, amount: event.amount };
      if (!(await recordPartialRefund(trx, refund))) return untold('partial_refund_again');
      const told = await tellOrderFlows(
        deps,
        trx,
        order.contactId,
        partialRefundFlowEvent(ref, event.amount, refundedAt),
      );
      // Shopify refunds an order in parts, each its own refunds/create below the total: the parts
      // adding up to the total refund the order, as one refund in full would.
      if (
        order.status === 'refunded' ||
        (await partialRefundsTotal(trx, order.id)) + 0.005 < order.total
      )
        return { ...base, outcome: 'partial_refund', ...told };
      const inFull = await refundInFull();
      return {
        ...base,
        outcome: 'refunded_in_parts',
        journeys: [...told.journeys, ...inFull.journeys],
        journeysSignalled: told.journeysSignalled + inFull.journeysSignalled,
      };
    }
    if (order.status === 'refunded') return untold('already_refunded');
    return { ...base, outcome: 'refunded', ...(await refundInFull()) };
  });
  // Started once the refund is committed (their branches read the order's status); queued, they
  // survive a crash here and the start queue's starters start them.
  if (!applied.journeys.length) return applied;
  return { ...applied, journeys: await startEntered(deps, applied.contactId, applied.journeys) };
}

/**
 * The journeys an applied event started, whatever its type: a registration's welcome journeys and
 * the flows entered on a purchase, a refund, a cancellation, a custom event or a checkout; not
 * those it found enrolled already.
 */
export function startedJourneys(result: ApplyResult): JourneyStart[] {
  return enteredJourneys(result).filter((j) => j.outcome === 'started');
}

/** Every journey the event's entry reached, started now or enrolled already. */
function enteredJourneys(result: ApplyResult): readonly JourneyStart[] {
  switch (result.type) {
    case 'purchase':
      return [
        ...(result.journeys ?? []),
        ...(result.cancellation?.journeys ?? []),
        ...(result.refund?.journeys ?? []),
      ];
    case 'provider_feedback':
    case 'checkout_deleted':
      return [];
    default:
      return result.journeys;
  }
}

/** "1 journey started, 1 already enrolled". */
function enteredAndAlready(journeys: readonly JourneyStart[]): string {
  const already = journeys.filter((j) => j.outcome !== 'started').length;
  return `${enteredText(journeys)}${already ? `, ${already} already enrolled` : ''}`;
}

/** "1 running journey signalled, 1 journey started". */
function toldText(told: OrderFlowsTold): string {
  return (
    `${counted(told.journeysSignalled, 'running journey')} signalled` +
    (told.journeys.length ? `, ${enteredAndAlready(told.journeys)}` : '')
  );
}

/** One line saying what an applied event did (logs, the CLI). */
export function describeResult(result: ApplyResult): string {
  switch (result.type) {
    case 'account_registered': {
      const started = result.journeys.filter((j) => j.outcome === 'started');
      const already = result.journeys.length - started.length;
      return (
        `contact ${result.contactId} ${result.contact}; ` +
        (result.journeys.length === 0
          ? 'no active welcome campaign, no journey started'
          : `${enteredText(result.journeys)}${started.length ? ` (${started.map((j) => j.workflowId).join(', ')})` : ''}${already ? `, ${already} already enrolled` : ''}`)
      );
    }
    case 'purchase':
      return (
        `contact ${result.contactId} ${result.contact}; order ${result.order.externalId} ${result.order.action} (${result.order.status})` +
        (result.order.movedFrom !== undefined
          ? `, moved from contact ${result.order.movedFrom}`
          : '') +
        (result.couponRedeemed ? '; coupon redeemed' : '') +
        (result.newPurchase
          ? `; ${counted(result.journeysSignalled, 'running journey')} signalled`
          : result.cancellation
            ? `; cancelled now: ${toldText(result.cancellation)}`
            : result.refund
              ? `; refunded now: ${toldText(result.refund)}`
              : '; not a new purchase, no journey signalled') +
        (result.checkoutJourneysSignalled
          ? `; its checkout's ${counted(result.checkoutJourneysSignalled, 'journey')} told it is completed`
          : '') +
        // Flows entered on a purchase: said only where there are such flows.
        (result.journeys?.length ? `; ${enteredAndAlready(result.journeys)}` : '')
      );
    case 'order_refunded':
      return (
        `order ${result.order.externalId} of contact ${result.contactId}: ${result.outcome.replaceAll('_', ' ')}` +
        // Flows that hear refunds: said only where the refund reached some.
        (result.journeysSignalled
          ? `; ${counted(result.journeysSignalled, 'running journey')} signalled`
          : '') +
        (result.journeys.length ? `; ${enteredAndAlready(result.journeys)}` : '')
      );
    case 'provider_feedback':
      return describeFeedback(result);
    case 'track': {
      return `event "${result.name}" of contact ${result.contactId}${result.stored ? '' : ' (kept already)'}; ${enteredText(result.journeys)}, ${counted(result.journeysSignalled, 'running journey')} signalled`;
    }
    case 'checkout_started':
    case 'checkout_updated':
    case 'checkout_deleted':
      return describeCheckoutResult(result);
  }
}
