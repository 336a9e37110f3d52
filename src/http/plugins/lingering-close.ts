// A lingering close for answers given before the request's body was read to its end (413 while
// reading, 401 before the body, 415 ...). Node closes such a connection as soon as the answer is
// written; the client's unsent body then meets a closed socket, the kernel answers it with a reset,
// and a client still writing (fetch, curl) reports "EPIPE"/"ECONNRESET" instead of the answer it
// was sent. As nginx does (lingering_close), the server here half-closes instead: it sends the
// answer and its FIN, and reads and discards what the client still sends until the client closes
// or LINGER_MS pass, whichever is first. Clients stop sending once they have read the answer.
import type { FastifyInstance } from 'fastify';
import type { Socket } from 'node:net';

export const LINGER_MS = 2000;

export function registerLingeringClose(app: FastifyInstance, lingerMs = LINGER_MS): void {
  const lingering = new Set<Socket>();
  app.addHook('onSend', async (request, _reply, payload) => {
    const socket = request.raw.socket as (Socket & { destroySoon?: () => void }) | null;
    if (request.raw.complete || !socket || lingering.has(socket)) return payload;
    // Node's server ends a connection that is not kept alive with socket.destroySoon() once the
    // answer is written (and discards the rest of the request body through its parser meanwhile).
    socket.destroySoon = function lingeringClose(this: Socket) {
      lingering.add(this);
      const done = () => {
        clearTimeout(timer);
        lingering.delete(this);
        this.destroy();
      };
      const timer = setTimeout(done, lingerMs);
      timer.unref();
      this.once('end', done);
      this.once('close', done);
      this.end();
    };
    return payload;
  });
  app.addHook('onClose', async () => {
    for (const socket of lingering) socket.destroy();
    lingering.clear();
  });
}
