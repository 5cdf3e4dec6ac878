import type { RetailCrmOrdersPort } from '../../../connectors/retailcrm/retailcrm-orders.port.js';

/** The account's status groups and which payment statuses count as paid. */
export interface CrmReferences {
  statusGroup(code: string): Promise<string | undefined>;
  paymentComplete(code: string): Promise<boolean>;
}

const REFRESH_MS = 10 * 60_000;

/**
 * RetailCRM's status and payment-status references, read once and again every ten minutes or when
 * an unknown code shows up (an administrator added one). Two calls per refresh.
 */
export function crmReferences(crm: RetailCrmOrdersPort): CrmReferences {
  let loaded: { groups: Map<string, string>; paid: Map<string, boolean>; at: number } | undefined;
  let loading: Promise<NonNullable<typeof loaded>> | undefined;
  const load = async (force: boolean) => {
    if (loaded && !force && Date.now() - loaded.at < REFRESH_MS) return loaded;
    loading ??= Promise.all([crm.listStatuses(), crm.listPaymentStatuses()])
      .then(([statuses, payments]) => {
        loaded = { groups: new Map(statuses.map((s) => [s.code, s.group])), paid: new Map(payments.map((p) => [p.code, p.paymentComplete])), at: Date.now() };
        return loaded;
      })
      .finally(() => (loading = undefined));
    return loading;
  };
  const lookup = async <T>(pick: (refs: NonNullable<typeof loaded>) => T | undefined): Promise<T | undefined> => {
    const found = pick(await load(false));
    return found !== undefined ? found : pick(await load(true));
  };
  return {
    statusGroup: (code) => lookup((r) => r.groups.get(code)),
    paymentComplete: async (code) => (await lookup((r) => r.paid.get(code))) ?? false,
  };
}
