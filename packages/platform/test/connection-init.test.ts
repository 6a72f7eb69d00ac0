import { SIGNATURE_HEADER, signConnectionInit, verifyConnectionInit } from '@addon-platform/platform';

const SECRET = 'a-gateway-secret-of-at-least-32-characters';

describe('signed connection_init', () => {
  it("verifies the gateway's payload and answers the Authorization it carries", () => {
    expect(verifyConnectionInit(SECRET, signConnectionInit(SECRET, 'Bearer abc'))).toEqual({ ok: true, authorization: 'Bearer abc' });
    expect(verifyConnectionInit(SECRET, signConnectionInit(SECRET))).toEqual({ ok: true, authorization: undefined });
  });

  it('refuses a missing, foreign, altered or old signature', () => {
    const signed = signConnectionInit(SECRET, 'Bearer abc');
    const refusals = [
      undefined,
      { authorization: 'Bearer abc' },
      signConnectionInit('another-secret-of-at-least-32-characters', 'Bearer abc'),
      { ...signed, authorization: 'Bearer someone-else' },
      { ...signed, [SIGNATURE_HEADER]: 42 },
      signConnectionInit(SECRET, 'Bearer abc', Date.now() - 120_000),
    ];
    for (const payload of refusals) expect(verifyConnectionInit(SECRET, payload as Record<string, unknown> | undefined)).toMatchObject({ ok: false });
  });
});
