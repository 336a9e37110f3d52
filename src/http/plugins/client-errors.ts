// Errors Node's HTTP server answers itself, before Fastify has a request (headers too large, a
// body not received within the body timeout, a malformed request line), in Ortto's error shape.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { Socket } from 'node:net';

function statusOf(code: string | undefined): { status: number; message: string } {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, message: 'request headers are larger than the server accepts' };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, message: 'the request was not received in time: send the whole body within the body timeout' };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return { status: 413, message: 'request chunk extensions are too large' };
    default:
      return { status: 400, message: `malformed HTTP request${code ? ` (${code})` : ''}` };
  }
}

/** Fastify's clientErrorHandler: writes the error body, then closes the connection. */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const { status, message } = statusOf(error.code);
  if (socket.writable) {
    const requestId = randomUUID();
    const body = JSON.stringify({ request_id: requestId, code: status, error: message });
    socket.write(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? 'Error'}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `X-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
