import type { IncomingMessage, ServerResponse } from 'node:http';
import { closeServer, createHttpApp, createLogger, createServiceMetrics, listen } from '@addon-platform/platform';

describe("the services' HTTP server", () => {
  it("builds each request and response with the app's prototypes, so express has none to change, and express still serves them", async () => {
    const { app, server } = createHttpApp({
      logger: createLogger({ service: 'http-service-test', level: 'silent' }),
      metrics: createServiceMetrics('http_service_test'),
      isReady: async () => true,
    });
    app.post('/echo', (req, res) => {
      res.status(201).json({ contentType: req.get('content-type'), sameRequest: res.req === req });
    });
    // Registered before express's own listener: sees the objects as the HTTP server built them.
    const built: { request?: object | null; response?: object | null } = {};
    server.prependListener('request', (request: IncomingMessage, response: ServerResponse) => {
      built.request = Object.getPrototypeOf(request);
      built.response = Object.getPrototypeOf(response);
    });
    const url = await listen(server, '127.0.0.1', 0);
    try {
      const response = await fetch(new URL('/echo', url), { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
      expect(response.status).toBe(201);
      expect(await response.json()).toEqual({ contentType: 'text/plain', sameRequest: true });
      expect(built.request).toBe(app.request);
      expect(built.response).toBe(app.response);
    } finally {
      await closeServer(server);
    }
  });
});
