/**
 * Medplum's core reads `WebSocket.CLOSING` when its module loads. Node 20 has a global WebSocket only under
 * `--experimental-websocket`, and Jest's vm context does not inherit it even then. The FHIR server never opens a
 * socket (no subscriptions), so a constant-only stand-in is enough; a real WebSocket (Node 22, the flag) is kept.
 */
class UnavailableWebSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  constructor() {
    throw new Error('WebSocket is not available in this process (the local FHIR server does not support subscriptions)');
  }
}

export function ensureWebSocketGlobal(): void {
  const scope = globalThis as { WebSocket?: unknown };
  if (typeof scope.WebSocket === 'undefined') scope.WebSocket = UnavailableWebSocket;
}
