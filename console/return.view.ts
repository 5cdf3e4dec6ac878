import { OrderLinesDocument, ReturnPreviewDocument, type OrderLinesQuery } from '../clients/__generated__/graphql.js';
import { facts, h, roubles, table } from './dom.js';
import { request } from './graphql-client.js';
import { show } from './render.js';

type Line = NonNullable<OrderLinesQuery['order']>['lines'][number];

const describe = (line: Line) => [line.productName, line.offer.size, line.offer.colour].filter(Boolean).join(', ');

/**
 * One order's lines, each with how many units to return, and what such a return would give back
 * and take back (the graph's `returnPreview`; nothing is returned from here).
 */
export async function returnPreviewView(orderId: string, token: string): Promise<HTMLElement> {
  const { data } = await request(OrderLinesDocument, { id: orderId }, token);
  const order = data.order;
  if (!order) return h('p', { role: 'status' }, 'The order is gone.');
  const name = order.number ?? 'not in RetailCRM yet';
  const inputs = new Map<string, HTMLInputElement>();
  const result = h('div', { 'aria-live': 'polite' });
  const rows = order.lines.map((line) => {
    const left = line.quantity - line.returnedQuantity;
    const input = h('input', { type: 'number', min: 0, max: left, value: 0, inputmode: 'numeric', 'aria-label': `Units of ${describe(line)} to return`, disabled: left === 0 });
    inputs.set(line.id, input);
    return [describe(line), line.quantity, line.returnedQuantity, roubles(line.total), input];
  });
  const submit = async (event: Event) => {
    event.preventDefault();
    const lines = [...inputs].map(([lineId, input]) => ({ lineId, quantity: Number(input.value) })).filter((l) => l.quantity > 0);
    if (lines.length === 0) {
      result.replaceChildren(h('div', { role: 'alert', class: 'problem' }, 'Choose at least one unit to return.'));
      return;
    }
    await show(result, async () => {
      const preview = (await request(ReturnPreviewDocument, { orderId, lines }, token)).data.returnPreview;
      const byId = new Map(order.lines.map((l) => [l.id, l]));
      return h(
        'div',
        {},
        facts('Return preview', [
          ['Refund', roubles(preview.refund)],
          ['Earned bonuses taken back', preview.earnedReversed],
          ['Spent bonuses given back', preview.spentRefunded],
        ]),
        table(
          'Per line',
          ['Line', 'Units', 'Refund', 'Earned bonuses taken back', 'Spent bonuses given back'],
          preview.lines.map((l) => [byId.has(l.lineId) ? describe(byId.get(l.lineId)!) : l.lineId, l.quantity, roubles(l.refund), l.earnedReversed, l.spentRefunded]),
        ),
      );
    });
  };
  return h(
    'section',
    { 'aria-labelledby': 'return-heading', class: 'return' },
    h('h3', { id: 'return-heading' }, `Return preview: order ${name}`),
    h('p', {}, `Status ${order.status}${order.fullyPaid ? ', paid' : ', not fully paid'}. A preview returns nothing: the return itself is made at the till.`),
    h('form', { onsubmit: (event: Event) => void submit(event) }, table(`Lines of order ${name}`, ['Line', 'Bought', 'Returned', 'Total', 'Units to return'], rows), h('button', { type: 'submit' }, 'Preview the return')),
    result,
  );
}
