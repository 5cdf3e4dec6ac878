import type { OutboxEnqueue } from '../../platform/outbox.js';
import type { OrderCustomer } from './graph-services.js';

/** Outbox topics of the order subgraph: everything that may follow a decision made in our database. */
export const ORDER_TOPICS = {
  /** Create a placed order in RetailCRM (its externalId is our id: a repeat finds it there). */
  createInCrm: 'order.create-in-crm',
  /** Give back an order's bonus reserve and stock hold (failed placement, cancel, expiry). */
  releaseHolds: 'order.release-holds',
  /**
   * Give back a failed placement's bonus reserve once more, when a reserve request that never got
   * its answer (a timeout, a dropped reply, a process that died mid-call) must have landed.
   */
  releaseLateReserve: 'order.release-late-reserve',
  /** Record a fully paid order in BonusPlus as a receipt: hold written off, earned bonuses credited. */
  registerSale: 'order.register-sale',
  /** Create and post the approved order in 1C. */
  sendToOneC: 'order.send-to-1c',
  /** Cancel the order's 1C documents. */
  cancelInOneC: 'order.cancel-in-1c',
  /** Register a recorded return in BonusPlus, RetailCRM and 1C. */
  completeReturn: 'order.complete-return',
  /** Set the order's status in RetailCRM. */
  crmStatus: 'order.crm-status',
} as const;

export interface OrderRef {
  readonly orderId: string;
}

/** An order to create in RetailCRM, with its customer as the placement found them when already in RetailCRM (else the relay asks). */
export interface CreateInCrm extends OrderRef {
  readonly customer?: OrderCustomer;
}

export interface CrmStatusChange extends OrderRef {
  readonly status: string;
  /** The order may not exist in RetailCRM (a placement that failed around its create): absent is done. */
  readonly ifExists?: boolean;
}

const once = (topic: string, orderId: string, payload: unknown = { orderId }): OutboxEnqueue => ({ topic, payload, dedupeKey: `${topic}:${orderId}` });

export const createInCrmMessage = (orderId: string, customer?: OrderCustomer): OutboxEnqueue =>
  once(ORDER_TOPICS.createInCrm, orderId, { orderId, ...(customer?.retailCrmId ? { customer } : {}) } satisfies CreateInCrm);
export const releaseHoldsMessage = (orderId: string) => once(ORDER_TOPICS.releaseHolds, orderId);
export const releaseLateReserveMessage = (orderId: string, availableAt: Date): OutboxEnqueue => ({ ...once(ORDER_TOPICS.releaseLateReserve, orderId), availableAt });
export const registerSaleMessage = (orderId: string) => once(ORDER_TOPICS.registerSale, orderId);
export const sendToOneCMessage = (orderId: string) => once(ORDER_TOPICS.sendToOneC, orderId);
export const cancelInOneCMessage = (orderId: string) => once(ORDER_TOPICS.cancelInOneC, orderId);
export const completeReturnMessage = (returnId: string): OutboxEnqueue => ({ topic: ORDER_TOPICS.completeReturn, payload: { returnId }, dedupeKey: `${ORDER_TOPICS.completeReturn}:${returnId}` });
export const crmStatusMessage = (change: CrmStatusChange): OutboxEnqueue => ({
  topic: ORDER_TOPICS.crmStatus,
  payload: change,
  dedupeKey: `${ORDER_TOPICS.crmStatus}:${change.orderId}:${change.status}`,
});
