/**
 * A customer as BonusPlus itself answers `GET /customer?phone=` (the phone's digits; any form is
 * reduced to them), with the status: what the tests compare the graph against.
 */
export async function bonusPlusLookup(baseUrl: string, apiKey: string, phone: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${baseUrl}/api/customer?phone=${phone.replace(/\D/g, '')}`, {
    headers: { authorization: `ApiKey ${Buffer.from(apiKey).toString('base64')}` },
  });
  return { status: res.status, body: await res.json() };
}
