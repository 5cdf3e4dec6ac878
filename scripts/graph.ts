import { bonusPlusFromConfig, oneCFromConfig, retailCrmFromConfig } from '../connectors/connectors.js';
import type { OneCEmulator } from '../emulators/onec/onec.emulator.js';
import type { BonusPlusEmulator } from '../emulators/bonusplus/bonusplus.emulator.js';
import { startEmulators, type RunningEmulators } from '../emulators/emulators.js';
import type { RetailCrmEmulator } from '../emulators/retailcrm/retailcrm.emulator.js';
import { gatewayProfile, startGateway } from '../gateway/gateway.js';
import { rateLimitSettings } from '../gateway/rate-limits.js';
import type { Config } from '../platform/config.js';
import type { Database } from '../platform/db/database.js';
import { migrateAll } from '../platform/db/migrate.js';
import { callerTokenVerifier } from '../platform/identity.js';
import { createLogger, type Logger } from '../platform/logger.js';
import { platformSchema } from '../platform/platform.migrations.js';
import { readSupergraph } from './supergraph.js';
import { customerSchema } from '../subgraphs/customer/customer.migrations.js';
import { startCustomerRuntime, type CustomerRuntime } from '../subgraphs/customer/customer.runtime.js';
import { inventorySchema } from '../subgraphs/inventory/inventory.migrations.js';
import { startInventoryRuntime, type InventoryRuntime } from '../subgraphs/inventory/inventory.runtime.js';
import { oneCCatalogSource } from '../subgraphs/inventory/sync/onec-catalog-source.js';
import { loyaltySchema } from '../subgraphs/loyalty/loyalty.migrations.js';
import { graphServices, orderRuntimeOptions, orderSettings } from '../subgraphs/order/order.config.js';
import { orderSchema } from '../subgraphs/order/order.migrations.js';
import { startOrderRuntime, type OrderRuntime } from '../subgraphs/order/order.runtime.js';
import { startLoyaltyRuntime, type LoyaltyRuntime } from '../subgraphs/loyalty/loyalty.runtime.js';
import { customerPhones } from '../subgraphs/loyalty/customer-phones.client.js';
import { loyaltySettings } from '../subgraphs/loyalty/loyalty.config.js';
import { createSubgraphClient } from '../platform/http/subgraph-client.js';

/** Config that puts every server of the graph (gateway, subgraphs, emulators) on a free port: tests and benches. */
export const EPHEMERAL_PORTS = Object.freeze(
  Object.fromEntries(['GATEWAY', 'CUSTOMER', 'ORDER', 'LOYALTY', 'INVENTORY', 'RETAILCRM_EMULATOR', 'BONUSPLUS_EMULATOR', 'ONEC_EMULATOR'].map((p) => [`${p}_PORT`, '0'])),
) as Readonly<Record<string, string>>;

export const GRAPH_SCHEMAS = [platformSchema, customerSchema, orderSchema, loyaltySchema, inventorySchema] as const;

export interface GraphOptions {
  readonly config: Config;
  readonly db: Database;
  /** Start the emulators and point the connectors at them (the embedded default). */
  readonly emulators: boolean;
  /** Background sync and outbox relays; tests may drive them by hand. */
  readonly background?: boolean;
  readonly logger?: Logger;
}

export interface RunningGraph {
  readonly gatewayUrl: string;
  readonly urls: Readonly<Record<string, string>>;
  readonly emulators?: { readonly retailCrm: RetailCrmEmulator; readonly bonusPlus: BonusPlusEmulator; readonly oneC: OneCEmulator };
  readonly customer: CustomerRuntime;
  readonly loyalty: LoyaltyRuntime;
  readonly inventory: InventoryRuntime;
  readonly order: OrderRuntime;
  /** The connectors' HTTP clients, for counting upstream calls. */
  readonly upstream: {
    readonly customerCrm: ReturnType<typeof retailCrmFromConfig>;
    readonly loyaltyCrm: ReturnType<typeof retailCrmFromConfig>;
    readonly orderCrm: ReturnType<typeof retailCrmFromConfig>;
    readonly orderBonusPlus: ReturnType<typeof bonusPlusFromConfig>;
    readonly bonusPlus: ReturnType<typeof bonusPlusFromConfig>;
    readonly oneC: ReturnType<typeof oneCFromConfig>;
  };
  close(): Promise<void>;
}

/**
 * The whole graph in one process: emulators (optional), the subgraphs with their background work,
 * and the gateway — the embedded default of `npm start`, and what the end-to-end tests run.
 */
export async function startGraph(options: GraphOptions): Promise<RunningGraph> {
  const { config, db } = options;
  const logger = options.logger ?? createLogger('graph');
  const host = config.HOST;
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  };

  try {
    await migrateAll(db, GRAPH_SCHEMAS);

    let urls = { retailCrm: config.RETAILCRM_URL, bonusPlus: config.BONUSPLUS_URL, oneC: config.ONEC_URL };
    let emulators: RunningEmulators | undefined;
    if (options.emulators) {
      emulators = await startEmulators(config, db);
      closers.push(() => emulators!.close());
      urls = emulators.urls;
    }

    const customerCrm = retailCrmFromConfig(config, urls.retailCrm);
    const loyaltyCrm = retailCrmFromConfig(config, urls.retailCrm);
    const orderCrm = retailCrmFromConfig(config, urls.retailCrm);
    const bonusPlus = bonusPlusFromConfig(config, urls.bonusPlus);
    const orderBonusPlus = bonusPlusFromConfig(config, urls.bonusPlus);
    const oneCClient = oneCFromConfig(config, urls.oneC);
    const upstreamClients = [customerCrm, loyaltyCrm, orderCrm, bonusPlus, orderBonusPlus, oneCClient];
    closers.push(...upstreamClients.map((client) => () => client.close()));
    // The customer subgraph's own BonusPlus client: the showroom import reads customers with it.
    const customerBonusPlus = bonusPlusFromConfig(config, urls.bonusPlus);
    closers.push(() => customerBonusPlus.close());
    // One process, several clients of one system: `/metrics` and `/ready` tell their breakers apart by owner.
    for (const [owner, clients] of [['customer', [customerCrm, customerBonusPlus]], ['loyalty', [loyaltyCrm, bonusPlus]], ['order', [orderCrm, orderBonusPlus]]] as const) {
      for (const client of clients) client.upstream.ownedBy(owner);
    }

    const outbox = { outboxPollMs: config.OUTBOX_POLL_INTERVAL_MS, outboxMaxAttempts: config.OUTBOX_MAX_ATTEMPTS, outboxConcurrency: config.OUTBOX_CONCURRENCY };
    const background = options.background ?? true;
    const customer = await startCustomerRuntime(
      { db, crm: customerCrm, bonusPlus: customerBonusPlus, logger: logger.child({ subgraph: 'customer' }) },
      { port: config.CUSTOMER_PORT, host, identitySecret: config.GATEWAY_IDENTITY_SECRET, syncIntervalMs: config.CUSTOMER_SYNC_INTERVAL_MS, background, ...outbox,
        showroomImportIntervalMs: config.CUSTOMER_SHOWROOM_IMPORT_INTERVAL_MS },
    );
    closers.push(() => customer.close());
    const loyalty = await startLoyaltyRuntime(
      {
        db,
        bonusPlus,
        crm: loyaltyCrm,
        customers: customerPhones(createSubgraphClient({ url: customer.server.url, identitySecret: config.GATEWAY_IDENTITY_SECRET, service: 'loyalty', timeoutMs: config.UPSTREAM_TIMEOUT_MS })),
        logger: logger.child({ subgraph: 'loyalty' }),
        settings: loyaltySettings(config),
      },
      { port: config.LOYALTY_PORT, host, identitySecret: config.GATEWAY_IDENTITY_SECRET, background, ...outbox, expiryCheckIntervalMs: config.LOYALTY_EXPIRY_CHECK_INTERVAL_MS },
    );
    closers.push(() => loyalty.close());

    const inventory = await startInventoryRuntime(
      { db, source: oneCCatalogSource(oneCClient, { onlineWarehouse: config.ONEC_ONLINE_WAREHOUSE }), logger: logger.child({ subgraph: 'inventory' }) },
      {
        port: config.INVENTORY_PORT,
        host,
        identitySecret: config.GATEWAY_IDENTITY_SECRET,
        catalogIntervalMs: config.INVENTORY_CATALOG_SYNC_INTERVAL_MS,
        stockIntervalMs: config.INVENTORY_STOCK_SYNC_INTERVAL_MS,
        pageSize: config.INVENTORY_SYNC_PAGE_SIZE,
        stockCacheSeconds: config.INVENTORY_STOCK_CACHE_SECONDS,
        background,
      },
    );
    closers.push(() => inventory.close());

    const order = await startOrderRuntime(
      {
        db,
        crm: orderCrm,
        bonusPlus: orderBonusPlus,
        oneC: oneCClient,
        logger: logger.child({ subgraph: 'order' }),
        settings: orderSettings(config),
        ...graphServices(config, { customer: customer.server.url, inventory: inventory.server.url }),
      },
      { ...orderRuntimeOptions(config), background },
    );
    closers.push(() => order.close());

    const subgraphUrls = { customer: customer.server.url, order: order.server.url, loyalty: loyalty.server.url, inventory: inventory.server.url };
    const gateway = await startGateway({
      supergraphSdl: await readSupergraph(),
      subgraphUrls,
      verifyToken: callerTokenVerifier(config),
      ...gatewayProfile(config),
      identitySecret: config.GATEWAY_IDENTITY_SECRET,
      subgraphTimeoutMs: config.GATEWAY_SUBGRAPH_TIMEOUT_MS,
      requestDeadlineMs: config.GATEWAY_REQUEST_DEADLINE_MS,
      rateLimits: rateLimitSettings(config),
      port: config.GATEWAY_PORT,
      host,
      logger: logger.child({ component: 'gateway' }),
    });
    closers.push(() => gateway.close());

    return {
      gatewayUrl: `${gateway.url}/graphql`,
      urls: { gateway: `${gateway.url}/graphql`, playground: `${gateway.url}/`, ...(gateway.metricsUrl ? { metrics: gateway.metricsUrl } : {}), ...subgraphUrls, ...urls },
      ...(emulators ? { emulators: { retailCrm: emulators.retailCrm, bonusPlus: emulators.bonusPlus, oneC: emulators.oneC } } : {}),
      customer,
      loyalty,
      inventory,
      order,
      upstream: { customerCrm, loyaltyCrm, orderCrm, bonusPlus, orderBonusPlus, oneC: oneCClient },
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
