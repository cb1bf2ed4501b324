import WebSocket from 'ws';
import type { Logger } from '../../lib/log.js';
import { sleep } from '../../lib/time.js';
import type { VenueAdapter, VenueLimits } from './venue.js';

/**
 * The rails every venue connection runs on:
 *  - reconnect after any close, with exponential backoff and full jitter, reset once data flows;
 *  - never more connection attempts than the venue allows per window (a reconnect storm
 *    would get the IP banned);
 *  - a stale-feed watchdog: a watched stream silent for `staleFeedMs` → report, reconnect;
 *  - a planned handover before the venue's connection-age limit: a second connection opens,
 *    and the old one closes only once the new one delivers data, so nothing is missed in
 *    between (the adapters drop what both connections delivered);
 *  - the venue's application-level heartbeat, when it has one.
 */

export interface RailsSettings {
  staleFeedMs: number;
  reconnectBaseMs: number;
  reconnectMaxMs: number;
  plannedReconnectMs: number;
  handshakeTimeoutMs: number;
}

export interface RailsHooks {
  /** A text frame arrived; returns the stream it belongs to, or undefined. */
  onFrame(frame: string, receivedAt: number): string | undefined;
  /** A binary frame arrived: none of our venues sends one on these streams. */
  onBinaryFrame(bytes: Buffer): void;
  onOpen(): void;
  onStale(streams: string[], silentMs: number): void;
  /** The connection closed without us asking (after it had opened). */
  onDropped(code: number, reason: string): void;
  onReconnect(reason: 'closed' | 'stale' | 'planned'): void;
}

interface Socket {
  ws: WebSocket;
  opened: boolean;
  openedAt: number;
  lastSeen: Map<string, number>;
  gotData: boolean;
  closeReason: 'stale' | 'handover' | 'stop' | undefined;
  timers: NodeJS.Timeout[];
}

export class VenueConnection {
  readonly #adapter: VenueAdapter;
  readonly #settings: RailsSettings;
  readonly #limits: VenueLimits;
  readonly #hooks: RailsHooks;
  readonly #log: Logger;
  #primary: Socket | undefined;
  #handover: Socket | undefined;
  #failures = 0;
  #attempts: number[] = [];
  #stopping = false;
  #watchdog: NodeJS.Timeout | undefined;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #lastFrameAt = 0;

  constructor(options: {
    adapter: VenueAdapter;
    settings: RailsSettings;
    limits: VenueLimits;
    hooks: RailsHooks;
    log: Logger;
  }) {
    this.#adapter = options.adapter;
    this.#settings = options.settings;
    this.#limits = options.limits;
    this.#hooks = options.hooks;
    this.#log = options.log;
  }

  start(): void {
    this.#watchdog = setInterval(
      () => this.#checkStale(),
      Math.max(50, Math.floor(this.#settings.staleFeedMs / 4)),
    );
    void this.#connect('primary');
  }

  /** Sends on the connection that currently feeds us (a no-op while reconnecting). */
  send(frame: string): void {
    for (const socket of [this.#primary, this.#handover]) {
      if (socket?.opened && socket.ws.readyState === WebSocket.OPEN) socket.ws.send(frame);
    }
  }

  status(): { open: boolean; openedAt: number | undefined; lastFrameAt: number | undefined } {
    const open = this.#primary?.opened === true;
    return {
      open,
      openedAt: open ? this.#primary?.openedAt : undefined,
      lastFrameAt: this.#lastFrameAt || undefined,
    };
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    clearInterval(this.#watchdog);
    clearTimeout(this.#reconnectTimer);
    const closing = [this.#primary, this.#handover].filter((s): s is Socket => s !== undefined);
    await Promise.all(
      closing.map(
        (socket) =>
          new Promise<void>((resolve) => {
            socket.closeReason = 'stop';
            if (socket.ws.readyState === WebSocket.CLOSED) return resolve();
            socket.ws.once('close', () => resolve());
            socket.ws.close(1000, 'shutting down');
            // A peer that never answers the close handshake is cut after a second.
            setTimeout(() => socket.ws.terminate(), 1000).unref();
          }),
      ),
    );
  }

  async #connect(role: 'primary' | 'handover'): Promise<void> {
    await this.#respectAttemptLimit();
    if (this.#stopping) return;
    const ws = new WebSocket(this.#adapter.url(), {
      handshakeTimeout: this.#settings.handshakeTimeoutMs,
      // Compression costs CPU on every frame for traffic that stays on one link.
      perMessageDeflate: false,
    });
    const socket: Socket = {
      ws,
      opened: false,
      openedAt: Date.now(),
      lastSeen: new Map(),
      gotData: false,
      closeReason: undefined,
      timers: [],
    };
    if (role === 'primary') this.#primary = socket;
    else this.#handover = socket;
    ws.on('open', () => this.#onOpen(socket));
    ws.on('message', (data: Buffer, isBinary: boolean) => this.#onMessage(socket, data, isBinary));
    ws.on('error', (err) => this.#log.warn({ err: err.message }, 'venue connection error'));
    ws.on('close', (code, reason) => this.#onClose(socket, code, reason.toString()));
  }

  #onOpen(socket: Socket): void {
    socket.opened = true;
    socket.openedAt = Date.now();
    for (const frame of this.#adapter.openingFrames()) socket.ws.send(frame);
    const heartbeat = this.#adapter.heartbeat;
    if (heartbeat) {
      socket.timers.push(setInterval(() => socket.ws.send(heartbeat.frame()), heartbeat.intervalMs));
    }
    this.#hooks.onOpen();
    if (socket === this.#primary) this.#planHandover(socket);
  }

  #onMessage(socket: Socket, data: Buffer, isBinary: boolean): void {
    if (socket.closeReason !== undefined) return;
    const now = Date.now();
    this.#lastFrameAt = now;
    if (isBinary) {
      this.#hooks.onBinaryFrame(data);
      return;
    }
    const stream = this.#hooks.onFrame(data.toString('utf8'), now);
    if (stream === undefined) return;
    socket.lastSeen.set(stream, now);
    if (socket.gotData) return;
    socket.gotData = true;
    if (socket === this.#primary) this.#failures = 0;
    if (socket === this.#handover) this.#completeHandover(socket);
  }

  #onClose(socket: Socket, code: number, reason: string): void {
    for (const timer of socket.timers) clearTimeout(timer);
    if (socket === this.#handover) {
      this.#handover = undefined;
      return;
    }
    if (socket !== this.#primary) return; // a retired connection
    this.#primary = undefined;
    if (this.#stopping || socket.closeReason === 'stop') return;
    if (socket.opened && socket.closeReason !== 'stale') this.#hooks.onDropped(code, reason);
    // A handover connection already open takes over at once.
    const next = this.#handover;
    if (next?.opened) {
      this.#handover = undefined;
      this.#primary = next;
      this.#planHandover(next);
      return;
    }
    this.#hooks.onReconnect(socket.closeReason === 'stale' ? 'stale' : 'closed');
    const delay = this.#backoff();
    this.#log.info({ code, reason, delayMs: delay }, 'venue connection closed; reconnecting');
    this.#reconnectTimer = setTimeout(() => void this.#connect('primary'), delay);
  }

  /** Exponential backoff with full jitter: many clients cut at once do not return at once. */
  #backoff(): number {
    const ceiling = Math.min(
      this.#settings.reconnectMaxMs,
      this.#settings.reconnectBaseMs * 2 ** this.#failures,
    );
    this.#failures += 1;
    return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
  }

  async #respectAttemptLimit(): Promise<void> {
    const { max, windowMs } = this.#limits.connectionAttempts;
    for (;;) {
      const now = Date.now();
      this.#attempts = this.#attempts.filter((t) => t > now - windowMs);
      if (this.#attempts.length < max) break;
      await sleep((this.#attempts[0] as number) + windowMs - now);
    }
    this.#attempts.push(Date.now());
  }

  #planHandover(socket: Socket): void {
    socket.timers.push(
      setTimeout(() => {
        if (socket !== this.#primary || this.#handover || this.#stopping) return;
        this.#log.info('connection nearing the venue age limit; opening its successor');
        this.#hooks.onReconnect('planned');
        void this.#connect('handover');
        // A successor that never delivers is abandoned; the next plan tries again.
        socket.timers.push(
          setTimeout(() => {
            const pending = this.#handover;
            if (pending && !pending.gotData) {
              pending.closeReason = 'handover';
              pending.ws.terminate();
              this.#planHandover(socket);
            }
          }, this.#settings.staleFeedMs),
        );
      }, this.#settings.plannedReconnectMs),
    );
  }

  #completeHandover(next: Socket): void {
    const old = this.#primary;
    this.#handover = undefined;
    this.#primary = next;
    this.#planHandover(next);
    if (old) {
      old.closeReason = 'handover';
      for (const timer of old.timers) clearTimeout(timer);
      old.ws.close(1000, 'replaced by a newer connection');
    }
    this.#log.info('handed over to the new connection');
  }

  #checkStale(): void {
    const socket = this.#primary;
    if (!socket?.opened || socket.closeReason !== undefined) return;
    const now = Date.now();
    const stale: string[] = [];
    let silentMs = 0;
    for (const stream of this.#adapter.watchedStreams()) {
      const silent = now - (socket.lastSeen.get(stream) ?? socket.openedAt);
      if (silent > this.#settings.staleFeedMs) {
        stale.push(stream);
        silentMs = Math.max(silentMs, silent);
      }
    }
    if (stale.length === 0) return;
    socket.closeReason = 'stale';
    this.#hooks.onStale(stale, silentMs);
    socket.ws.terminate();
  }
}
