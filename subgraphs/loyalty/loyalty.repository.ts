import { sql, type Kysely } from 'kysely';
import { enqueueWhere, type OutboxEnqueue } from '../../platform/outbox.js';
import type { BpBonusLot, BpCardType, BpCustomer, BpTransaction } from '../../connectors/bonusplus/bonusplus.port.js';
import { accountFiguresFromBonusPlus, cardTypeRowFromBonusPlus } from './loyalty.model.js';
import type { AccountRow, BonusLotRow, BonusTransactionRow, CardTypeRow, LoyaltyDb } from './loyalty.table.js';

type Db = Kysely<LoyaltyDb>;

export async function findAccountsByPhones(db: Db, phones: readonly string[]): Promise<AccountRow[]> {
  if (phones.length === 0) return [];
  return db.selectFrom('loyalty.accounts').selectAll().where('phone', 'in', [...phones]).execute();
}

/** An account as the account page reads it: with what its live orders will still earn, its card type and its lots. */
export type AccountView = AccountRow & { readonly ordersPending: number; readonly cardType: CardTypeRow | null; readonly lots: BonusLotRow[] };

/**
 * The accounts linked to these customers (or holding these phones), each with its orders' pending
 * bonuses, its card type and its lots (soonest expiry first), in one statement: everything the
 * account page shows of loyalty when the read model is fresh, and what the CRM card carries
 * (ordersPendingByPhones, listCardTypes and findLotsByPhones read the same rows one kind at a time).
 */
export async function findAccountViews(db: Db, of: { readonly customerIds: readonly string[] } | { readonly phones: readonly string[] }, options: { readonly lots?: boolean } = {}): Promise<AccountView[]> {
  const [column, keys] = 'phones' in of ? [sql.ref('a.phone'), of.phones] : [sql.ref('a.customer_id'), of.customerIds];
  if (keys.length === 0) return [];
  // Without lots (`lots: false`, the CRM card's figures), their list comes back empty.
  const lots = options.lots === false ? sql`'[]'::json` : sql`(select coalesce(json_agg(l order by l.expires_at asc nulls last, l.lot_id), '[]'::json) from loyalty.bonus_lots l where l.phone = a.phone)`;
  const { rows } = await sql<AccountRow & { orders_pending: number; card_type: CardTypeRow | null; lots: (BonusLotRow & { active_from: string; expires_at: string | null })[] }>`
    select a.*,
      (select coalesce(sum(bonuses), 0)::int from loyalty.order_pending_bonuses b where b.phone = a.phone and b.bonuses > 0) as orders_pending,
      (select row_to_json(t) from loyalty.card_types t where t.id = a.card_type_id) as card_type,
      ${lots} as lots
    from loyalty.accounts a
    where ${column} in (${sql.join([...keys])})`.execute(db);
  // JSON carries times as text; rows as the driver reads them carry Dates.
  return rows.map(({ orders_pending, card_type, lots, ...account }) => ({
    ...account,
    ordersPending: Number(orders_pending),
    cardType: card_type && { ...card_type, synced_at: new Date(card_type.synced_at) },
    lots: lots.map((l) => ({ ...l, active_from: new Date(l.active_from), expires_at: l.expires_at === null ? null : new Date(l.expires_at) })),
  }));
}

export async function findAccountByPhone(db: Db, phone: string): Promise<AccountRow | undefined> {
  return db.selectFrom('loyalty.accounts').selectAll().where('phone', '=', phone).executeTakeFirst();
}

/**
 * Allots a card number for a phone, once: a retried enrolment finds the number allotted the first
 * time, so BonusPlus is always asked to issue the same card.
 */
export async function allotCard(db: Db, phone: string, customerId: string): Promise<AccountRow> {
  await db
    .insertInto('loyalty.accounts')
    .values({
      phone,
      customer_id: customerId,
      card_number: sql<string>`'2800' || lpad(nextval('loyalty.card_number_seq')::text, 9, '0')`,
      available: 0,
      pending: 0,
      spent: 0,
      purchases_total: 0,
      status: 'enrolling',
      synced_at: null,
    })
    .onConflict((oc) => oc.column('phone').doNothing())
    .execute();
  return db.selectFrom('loyalty.accounts').selectAll().where('phone', '=', phone).executeTakeFirstOrThrow();
}

export type FiguresChange = { phone: string; customerId: string | null; changed: boolean };

/**
 * Writes BonusPlus figures for accounts and reports which ones changed, so that the new figures
 * can be pushed to the CRM card (R4).
 */
export async function saveBonusPlusFigures(db: Db, customers: readonly { phone: string; customerId?: string | null; bp: BpCustomer }[]): Promise<FiguresChange[]> {
  if (customers.length === 0) return [];
  const before = new Map((await findAccountsByPhones(db, customers.map((c) => c.phone))).map((r) => [r.phone, r]));
  const now = new Date();
  const rows = customers.map(({ phone, customerId, bp }) => ({ phone, customer_id: customerId ?? null, ...accountFiguresFromBonusPlus(bp), status: 'active' as const, synced_at: now }));
  // One statement for the whole batch.
  const saved = await db
    .insertInto('loyalty.accounts')
    .values(rows)
    .onConflict((oc) =>
      oc.column('phone').doUpdateSet((eb) => ({
        bonusplus_id: eb.ref('excluded.bonusplus_id'),
        card_number: eb.ref('excluded.card_number'),
        card_type_id: eb.ref('excluded.card_type_id'),
        available: eb.ref('excluded.available'),
        pending: eb.ref('excluded.pending'),
        spent: eb.ref('excluded.spent'),
        purchases_total: eb.ref('excluded.purchases_total'),
        customer_id: sql`coalesce(excluded.customer_id, loyalty.accounts.customer_id)`,
        status: 'active',
        synced_at: eb.ref('excluded.synced_at'),
      })),
    )
    .returning(['phone', 'customer_id'])
    .execute();
  const customerOf = new Map(saved.map((r) => [r.phone, r.customer_id]));
  const changes = rows.map((row) => {
    const old = before.get(row.phone);
    const changed =
      !old ||
      old.status !== 'active' ||
      old.card_number !== row.card_number ||
      old.card_type_id !== row.card_type_id ||
      old.available !== row.available ||
      old.pending !== row.pending ||
      old.spent !== row.spent;
    return { phone: row.phone, customerId: customerOf.get(row.phone) ?? null, changed };
  });
  // Every movement of bonuses moves a figure, so changed figures mean the stored lots and ledger
  // are behind: the next read of them goes to BonusPlus.
  const changedPhones = changes.filter((c) => c.changed).map((c) => c.phone);
  if (changedPhones.length > 0) await db.updateTable('loyalty.accounts').set({ details_synced_at: null }).where('phone', 'in', changedPhones).execute();
  return changes;
}

export async function listCardTypes(db: Db): Promise<CardTypeRow[]> {
  return db.selectFrom('loyalty.card_types').selectAll().orderBy('purchases_sum_from').execute();
}

export async function saveCardTypes(db: Db, types: readonly BpCardType[]): Promise<void> {
  if (types.length === 0) return;
  await db
    .insertInto('loyalty.card_types')
    .values(types.map(cardTypeRowFromBonusPlus))
    .onConflict((oc) =>
      oc.column('id').doUpdateSet((eb) => ({
        name: eb.ref('excluded.name'),
        bonus_percent: eb.ref('excluded.bonus_percent'),
        max_debit_percent: eb.ref('excluded.max_debit_percent'),
        purchases_sum_from: eb.ref('excluded.purchases_sum_from'),
        synced_at: sql`now()`,
      })),
    )
    .execute();
}

/** The lots stored for these accounts, soonest expiry first, never-expiring last. */
export async function findLotsByPhones(db: Db, phones: readonly string[]): Promise<BonusLotRow[]> {
  if (phones.length === 0) return [];
  return db
    .selectFrom('loyalty.bonus_lots')
    .selectAll()
    .where('phone', 'in', [...phones])
    .orderBy(sql`expires_at asc nulls last`)
    .orderBy('lot_id')
    .execute();
}

/** Of these BonusPlus transaction ids, the ones already stored for the account. */
export async function storedTransactionIds(db: Db, phone: string, ids: readonly number[]): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  const rows = await db.selectFrom('loyalty.bonus_transactions').select('transaction_id').where('phone', '=', phone).where('transaction_id', 'in', [...ids]).execute();
  return new Set(rows.map((r) => Number(r.transaction_id)));
}

/** True when anything of the account's ledger is stored. */
export async function hasStoredLedger(db: Db, phone: string): Promise<boolean> {
  return (await db.selectFrom('loyalty.bonus_transactions').select('transaction_id').where('phone', '=', phone).limit(1).executeTakeFirst()) !== undefined;
}

/**
 * Stores what BonusPlus said of an account's lots and ledger: the lots replace the stored ones
 * whole (BonusPlus lists all that have bonuses left), new ledger entries are added (an entry
 * already stored is kept), and the account records when this was read. Run it in a transaction.
 */
export async function saveAccountDetails(db: Db, phone: string, lots: readonly BpBonusLot[], entries: readonly BpTransaction[], readAt: Date): Promise<void> {
  // Two reads of one account may save at once (a request's and the background refresh's): they take
  // turns on the account's row, so the second replaces the lots the first stored instead of
  // inserting beside them (a duplicate key, seen as an internal error, in CI).
  await db.selectFrom('loyalty.accounts').select('phone').where('phone', '=', phone).forUpdate().execute();
  await db.deleteFrom('loyalty.bonus_lots').where('phone', '=', phone).execute();
  if (lots.length > 0) {
    await db
      .insertInto('loyalty.bonus_lots')
      .values(lots.map((l) => ({ phone, lot_id: l.id, reason: l.reason, amount: l.amount, remaining: l.remaining, active_from: l.activeFrom, expires_at: l.expiresAt })))
      .execute();
  }
  // Far below Postgres' bind parameter limit per statement.
  for (let i = 0; i < entries.length; i += 1000) {
    await db
      .insertInto('loyalty.bonus_transactions')
      .values(
        entries.slice(i, i + 1000).map((t) => ({
          phone,
          transaction_id: t.id,
          kind: t.kind,
          reason: t.reason,
          amount: t.amount,
          occurred_at: t.date,
          expires_at: t.expiresAt,
          reference: t.reference,
        })),
      )
      .onConflict((oc) => oc.columns(['phone', 'transaction_id']).doNothing())
      .execute();
  }
  await db.updateTable('loyalty.accounts').set({ details_synced_at: readAt }).where('phone', '=', phone).execute();
}

export interface TransactionPage {
  readonly rows: BonusTransactionRow[];
  readonly hasNextPage: boolean;
}

/** A page of an account's ledger, newest first, after the (occurred_at, id) of the previous page's last entry. */
export async function findTransactionsPage(db: Db, phone: string, page: { first: number; after?: { occurredAt: Date; id: number } }): Promise<TransactionPage> {
  let query = db.selectFrom('loyalty.bonus_transactions').selectAll().where('phone', '=', phone);
  const after = page.after;
  if (after) query = query.where((eb) => eb(eb.refTuple('occurred_at', 'transaction_id'), '<', eb.tuple(after.occurredAt, after.id)));
  const rows = await query.orderBy('occurred_at', 'desc').orderBy('transaction_id', 'desc').limit(page.first + 1).execute();
  return { rows: rows.slice(0, page.first), hasNextPage: rows.length > page.first };
}

/** What the live orders of these accounts will still earn, per phone (phones with nothing left out). */
export async function ordersPendingByPhones(db: Db, phones: readonly string[]): Promise<Map<string, number>> {
  if (phones.length === 0) return new Map();
  const rows = await db
    .selectFrom('loyalty.order_pending_bonuses')
    .select(['phone', sql<number>`sum(bonuses)::int`.as('pending')])
    .where('phone', 'in', [...phones])
    .where('bonuses', '>', 0)
    .groupBy('phone')
    .execute();
  return new Map(rows.map((r) => [r.phone, Number(r.pending)]));
}

/**
 * Stores what an order will still earn unless a later figure (higher `version`) is stored already,
 * and queues `onChange` (the CRM card's update) when the figure moved and the account is active
 * with a card, in one statement. Answers the figure it replaced (0 for a new order, null when an
 * insert raced another's: `onChange` is queued then), or undefined when this one came too late.
 *
 * The order's stored row is locked first (`old … for update`, which waits for a concurrent save
 * and then reads its figure), so two saves of one order take turns and each sees what it replaced.
 */
export async function saveOrderPendingBonuses(db: Db, figure: { orderId: string; phone: string; bonuses: number; version: number }, onChange?: OutboxEnqueue): Promise<{ previous: number | null } | undefined> {
  const { orderId, phone, bonuses, version } = figure;
  const queue = onChange
    ? sql`, queued as (${enqueueWhere([onChange], sql`exists (select 1 from saved where saved.previous is distinct from ${bonuses}::int)
          and exists (select 1 from loyalty.accounts a where a.phone = ${phone} and a.status = 'active' and a.customer_id is not null)`)})`
    : sql``;
  const { rows } = await sql<{ previous: number | null }>`
    with old as (
      select order_id, bonuses from loyalty.order_pending_bonuses where order_id = ${orderId} for update
    ), updated as (
      update loyalty.order_pending_bonuses p set phone = ${phone}, bonuses = ${bonuses}, version = ${version}, updated_at = now()
        from old where p.order_id = old.order_id and p.version < ${version}
      returning old.bonuses as previous
    ), inserted as (
      insert into loyalty.order_pending_bonuses (order_id, phone, bonuses, version)
      select ${orderId}, ${phone}, ${bonuses}, ${version} where not exists (select 1 from old)
      on conflict (order_id) do update set phone = excluded.phone, bonuses = excluded.bonuses, version = excluded.version, updated_at = now()
        where loyalty.order_pending_bonuses.version < excluded.version
      returning (case when xmax = 0 then 0 end)::int as previous
    ), saved as (select previous from updated union all select previous from inserted)${queue}
    select previous from saved`.execute(db);
  return rows[0];
}
