// A TCP proxy that can go silent: while silenced it keeps every connection open and drops what either side sends,
// as a lost host or a firewall dropping the flow would. Nothing is refused or reset, so neither side learns of it.
import net from 'node:net';

export interface SilencingProxy {
  readonly port: number;
  /** Bytes dropped while silenced, from either side. */
  readonly dropped: number;
  /** Connections that lost bytes and that the client side then closed. */
  readonly droppedByClient: number;
  silence(): void;
  /** Silences once the client sends bytes holding `text` (a statement's name, say), dropping those bytes too. */
  silenceOn(text: string): void;
  /** Forwards again, on connections made from now on: the ones silenced have lost bytes and are not to be used. */
  restore(): void;
  close(): Promise<void>;
}

export async function silencingProxy(target: { host: string; port: number }): Promise<SilencingProxy> {
  let silenced = false;
  let trigger: string | null = null;
  let dropped = 0;
  let droppedByClient = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => socket.destroy());
    }
    // Once it has lost bytes, a connection stays silent.
    let lost = false;
    const forward = (to: net.Socket) => (chunk: Buffer) => {
      if (trigger !== null && to === upstream && chunk.includes(trigger, 0, 'latin1')) {
        silenced = true;
        trigger = null;
      }
      lost ||= silenced;
      if (lost) dropped += chunk.length;
      else to.write(chunk);
    };
    client.on('data', forward(upstream));
    upstream.on('data', forward(client));
    client.on('close', () => {
      if (lost) droppedByClient++;
      upstream.destroy();
    });
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    get dropped() {
      return dropped;
    },
    get droppedByClient() {
      return droppedByClient;
    },
    silence: () => void (silenced = true),
    silenceOn: (text) => void (trigger = text),
    restore: () => {
      silenced = false;
      trigger = null;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
