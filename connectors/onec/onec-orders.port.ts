/**
 * What the graph writes to 1C (УТ 11) and reads back about orders, through the standard OData
 * interface (R15, F6, F7, F8): customer orders (`Document_ЗаказКлиента`), their states
 * (`InformationRegister_СостоянияЗаказовКлиентов`, ASSUMED names: see emulators/onec/README.md) and
 * returns (`Document_ВозвратТоваровОтКлиента`) against the sale (`Document_РеализацияТоваровУслуг`).
 *
 * Our order number travels in `НомерПоДаннымКлиента` (the customer's own number of the order, a
 * real УТ attribute), our return id in the return's `НомерВходящегоДокумента`: 1C has no
 * idempotency keys, so a create first searches by them and a retried create finds what an earlier
 * attempt made. Money is integer kopecks (roubles on the wire), quantities whole numbers, GUIDs
 * lower-case, dates 1C's local time `YYYY-MM-DDTHH:MM:SS`.
 *
 * A 4xx answer throws OneCApiError unless a method returns it as a typed result; an unreachable or
 * failing 1C throws UpstreamUnavailableError once the retries are spent.
 */

export interface OneCOrderLineDraft {
  readonly productRef: string;
  /** The offer (size/colour); absent for a product without characteristics. */
  readonly characteristicRef?: string;
  readonly quantity: number;
  /** Price per unit before the line's discount. */
  readonly priceKopecks: number;
  /** The line's whole discount (`СуммаРучнойСкидки`). */
  readonly discountKopecks?: number;
}

export interface OneCOrderDraft {
  /** Our order number: unique per order, the key a retried create is recognised by. */
  readonly externalNumber: string;
  /** The warehouse to reserve from and ship from. */
  readonly warehouseRef: string;
  readonly partnerRef?: string;
  readonly counterpartyRef?: string;
  readonly deliveryAddress?: string;
  readonly comment?: string;
  readonly lines: readonly OneCOrderLineDraft[];
}

export interface OneCOrderLine {
  readonly lineNumber: number;
  readonly productRef: string;
  readonly characteristicRef?: string;
  readonly quantity: number;
  readonly priceKopecks: number;
  readonly discountKopecks: number;
  readonly amountKopecks: number;
  readonly cancelled: boolean;
}

export interface OneCOrder {
  readonly ref: string;
  /** 1C's own number, e.g. `ЦБ00-000123`. */
  readonly number: string;
  readonly date: string;
  readonly externalNumber: string;
  readonly posted: boolean;
  /** `Статус`: НеСогласован, КОбеспечению, КОтгрузке, Закрыт. */
  readonly status: string;
  readonly warehouseRef: string;
  readonly totalKopecks: number;
  readonly dataVersion: string;
  readonly lines: readonly OneCOrderLine[];
}

export type OneCOrderState = 'awaiting-approval' | 'ready-to-ship' | 'shipped' | 'delivered' | 'returned' | 'cancelled' | 'unknown';

export interface OneCOrderStateChange {
  readonly orderRef: string;
  readonly state: OneCOrderState;
  /** As 1C wrote it (`Состояние`), for states this connector does not know. */
  readonly rawState: string;
  /** When it changed, 1C's local time, to the second. */
  readonly changedAt: string;
}

export interface OneCReturnDraft {
  /** Our return id: the key a retried create is recognised by. */
  readonly externalId: string;
  /** The order whose sale the goods come back from. */
  readonly orderRef: string;
  /** The customer's partner and counterparty (see OneCParty); 1C copies the sale's when absent. */
  readonly partnerRef?: string;
  readonly counterpartyRef?: string;
  readonly comment?: string;
  readonly lines: readonly { readonly productRef: string; readonly characteristicRef?: string; readonly quantity: number; readonly priceKopecks: number }[];
}

export interface OneCReturn {
  readonly ref: string;
  readonly number: string;
  readonly saleRef: string;
  readonly externalId: string;
  readonly posted: boolean;
  readonly totalKopecks: number;
}

/**
 * A customer as 1C knows them (R2): the partner (`Catalog_Партнеры`, the person the business deals
 * with) and its counterparty (`Catalog_Контрагенты`, the party of the documents), which every
 * order and return document names in `Партнер_Key` / `Контрагент_Key`.
 */
export interface OneCParty {
  readonly partnerRef: string;
  /** Absent when the partner has no counterparty yet. */
  readonly counterpartyRef?: string;
}

/** A partner with its counterparty to be made under refs the caller chose (so that a repeat makes nothing new). */
export interface OneCPartyDraft {
  readonly partnerRef: string;
  readonly counterpartyRef: string;
  /** `Фамилия Имя Отчество`, or whatever names are known; the phone when none. */
  readonly name: string;
  /** E.164; stored in the contact information, where a later search by phone finds it. */
  readonly phone?: string;
}

/** 1C refused to post: not enough free stock, nothing left to return. Nothing was changed. */
export interface OneCPostingRefused {
  readonly ok: false;
  readonly code: 'POSTING_REFUSED';
  readonly message: string;
}

export interface OneCOrdersPort {
  /** The order carrying our number in `НомерПоДаннымКлиента`, or undefined. One request; safe to repeat. */
  findOrderByExternalNumber(externalNumber: string): Promise<OneCOrder | undefined>;
  /**
   * Creates the order unposted, with status КОтгрузке (an approved order), unless one with this
   * `externalNumber` exists: then that one is returned with `created: false`. Retry-safe: when a
   * create's reply is lost it searches again before creating again, so at most one order exists
   * per number as long as calls for one number are not made concurrently. A 4xx (an unknown
   * warehouse, product or offer) throws OneCApiError.
   */
  createOrder(draft: OneCOrderDraft): Promise<{ order: OneCOrder; created: boolean }>;
  /**
   * Posts the order: its lines are reserved from its warehouse. Idempotent (posting again rewrites
   * the same reserve). Not enough free stock is a typed refusal; the order stays as it was.
   */
  postOrder(orderRef: string): Promise<{ ok: true } | OneCPostingRefused>;
  /**
   * Cancels the order: status Закрыт, which (for a posted order) releases its reserve. Idempotent.
   * A shipped order cannot be cancelled: OneCApiError (400).
   */
  cancelOrder(orderRef: string): Promise<void>;
  /**
   * Order states changed at or after `since` (1C local time), oldest first, at most `top`. Times
   * are whole seconds: keep the last `changedAt` and ask again from it; rows of that second come
   * again, so apply them idempotently. One request.
   */
  orderStatusChanges(since: string, top?: number): Promise<OneCOrderStateChange[]>;
  /**
   * Creates and posts a return against the order's sale (goods back in hand at the sale's
   * warehouse), unless a return with this `externalId` exists: then that one is posted if it is
   * not yet, and returned with `created: false`. Retry-safe like createOrder. No posted sale of
   * the order, or more returned than sold: a typed refusal.
   */
  /**
   * The partner whose contact information holds this phone (`Тип` Телефон, `НомерТелефона` as
   * digits `7XXXXXXXXXX`), not marked for deletion, with its counterparty when it has one; the
   * lowest `Ref_Key` when several. Matching is by phone only, never by name (R2). Two or three
   * requests; safe to repeat.
   */
  findPartyByPhone(phone: string): Promise<OneCParty | undefined>;
  /** The partner's counterparty (not marked for deletion, lowest `Ref_Key`), or undefined. One request. */
  findCounterparty(partnerRef: string): Promise<string | undefined>;
  /**
   * Makes sure the partner and its counterparty exist under the draft's refs: each is read by key
   * and created with that `Ref_Key` only when absent (a client, a private person; the phone in its
   * contact information). Safe to repeat and to run concurrently for one draft: 1C refuses a second
   * object with a taken `Ref_Key`, and the loser finds the winner's. Says what it created.
   */
  ensureParty(draft: OneCPartyDraft): Promise<{ partnerCreated: boolean; counterpartyCreated: boolean }>;
  createReturn(draft: OneCReturnDraft): Promise<{ ok: true; return: OneCReturn; created: boolean } | OneCPostingRefused | { ok: false; code: 'NOT_SHIPPED'; message: string }>;
}
