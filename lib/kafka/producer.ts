import {
  CompressionTypes,
  type Kafka,
  type Message,
  Partitioners,
  type Producer,
  type ProducerConfig,
  type TopicMessages,
} from 'kafkajs';
import type { Config } from '../config/config.js';
import { deadLetterTopicName, type TopicSpec, topicName } from '../contracts/topics.js';
import { validate } from '../contracts/validate.js';
import { ErrorCode, TradewatchError } from '../errors.js';
import type { Logger } from '../log.js';
import { withProduceSpan } from '../observability/kafka-context.js';

export interface Rejection {
  /** Position of the item in the batch given to `produce`. */
  index: number;
  reason: string;
}

export interface ProduceOutcome {
  /** Items validated and acknowledged by the broker (acks=all). */
  accepted: number;
  /** Items refused by the contract; each is also on `<topic>.dlq` with its reason. */
  rejected: Rejection[];
}

export interface ProducerStats {
  accepted: Record<string, number>;
  rejected: Record<string, number>;
  batchesSent: number;
  sendFailures: number;
}

type ProducerSettings = Pick<
  Config,
  'KAFKA_TOPIC_PREFIX' | 'KAFKA_COMPRESSION' | 'KAFKA_LINGER_MS' | 'KAFKA_BATCH_MAX_MESSAGES'
>;

/** The KafkaJS producer settings EventProducer uses (the producer benchmark's baseline uses them too). */
export const PRODUCER_OPTIONS = {
  idempotent: true,
  // Idempotence keeps order and de-duplicates retries only with at most 5 requests in flight.
  maxInFlightRequests: 5,
  allowAutoTopicCreation: false,
  // murmur2 on the key, as the Java client: a key lands on the same partition from any language.
  createPartitioner: Partitioners.DefaultPartitioner,
} as const satisfies ProducerConfig;

/**
 * Kafka refuses a message larger than the broker's `message.max.bytes` (1 MiB by default),
 * and KafkaJS fails the whole request it was in. So no message may come near it: a larger
 * event is dead-lettered instead, a dead letter carries at most DEAD_LETTER_VALUE_MAX_BYTES
 * of what arrived, and a reason at most REASON_MAX_CHARS.
 */
export const MESSAGE_MAX_BYTES = 900 * 1024;
export const DEAD_LETTER_VALUE_MAX_BYTES = 256 * 1024;
export const REASON_MAX_CHARS = 2_000;

interface Pending {
  topic: string;
  messages: Message[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * The platform's producer: validates each event against its topic's contract, sends the
 * valid ones keyed by entity and the refused ones to the dead-letter topic with the
 * reason, and resolves only when the broker has acknowledged both (acks=all, idempotent).
 *
 * KafkaJS sends one request per call; concurrent `produce` calls are gathered for up to
 * KAFKA_LINGER_MS (or KAFKA_BATCH_MAX_MESSAGES) into one `sendBatch`, like the Java
 * client's linger.ms, so many small callers still make few large requests.
 */
export class EventProducer {
  #producer: Producer;
  readonly #kafka: Kafka;
  /** Set after a failed send: the next send first replaces the KafkaJS producer. */
  #broken = false;
  #recreating: Promise<void> | undefined;
  readonly #settings: ProducerSettings;
  readonly #log: Logger;
  #pending: Pending[] = [];
  #pendingMessages = 0;
  #timer: NodeJS.Timeout | undefined;
  #stats: ProducerStats = { accepted: {}, rejected: {}, batchesSent: 0, sendFailures: 0 };

  private constructor(kafka: Kafka, producer: Producer, settings: ProducerSettings, log: Logger) {
    this.#kafka = kafka;
    this.#producer = producer;
    this.#settings = settings;
    this.#log = log;
  }

  static async connect(kafka: Kafka, settings: ProducerSettings, log: Logger): Promise<EventProducer> {
    const producer = kafka.producer(PRODUCER_OPTIONS);
    await producer.connect();
    return new EventProducer(kafka, producer, settings, log.child({ module: 'producer' }));
  }

  /**
   * Validates and sends `inputs` to `spec`'s topic; resolves once the broker has them.
   * Each message carries the trace context (`traceparent` header) of this send's span when
   * OpenTelemetry is on, so consumers continue the producer's trace.
   */
  produce<E>(spec: TopicSpec<E>, inputs: readonly unknown[]): Promise<ProduceOutcome> {
    const topic = topicName(this.#settings.KAFKA_TOPIC_PREFIX, spec.name);
    return withProduceSpan(topic, inputs.length, async (traceHeaders, span) => {
      const outcome = await this.#produce(spec, topic, inputs, traceHeaders);
      span.setAttribute('tradewatch.rejected', outcome.rejected.length);
      return outcome;
    });
  }

  async #produce<E>(
    spec: TopicSpec<E>,
    topic: string,
    inputs: readonly unknown[],
    traceHeaders: Record<string, string>,
  ): Promise<ProduceOutcome> {
    // No header at all while tracing is off: messages stay byte-for-byte what they were.
    const headers = Object.keys(traceHeaders).length > 0 ? traceHeaders : undefined;
    const accepted: Message[] = [];
    const deadLetters: Message[] = [];
    const rejected: Rejection[] = [];
    const rejectedAt = String(Date.now());
    inputs.forEach((input, index) => {
      const result = validate(spec.schema, input);
      const value = result.ok ? JSON.stringify(result.event) : '';
      // A UTF-16 unit is at most 3 UTF-8 bytes: only a long value needs its bytes counted.
      const reason = result.ok
        ? value.length * 3 > MESSAGE_MAX_BYTES && Buffer.byteLength(value) > MESSAGE_MAX_BYTES
          ? `(event): ${Buffer.byteLength(value)} bytes, larger than the ${MESSAGE_MAX_BYTES} a message may be`
          : undefined
        : result.reason.slice(0, REASON_MAX_CHARS);
      if (result.ok && reason === undefined) {
        accepted.push({ key: spec.key(result.event), value, headers });
        return;
      }
      rejected.push({ index, reason: reason as string });
      deadLetters.push(
        deadLetterOf(rawBytesOf(input), {
          ...headers,
          'dlq-reason': reason as string,
          'dlq-topic': topic,
          'dlq-rejected-at': rejectedAt,
        }),
      );
    });
    const sends: Promise<void>[] = [];
    if (accepted.length > 0) sends.push(this.#enqueue(topic, accepted));
    if (deadLetters.length > 0) sends.push(this.#enqueue(deadLetterTopicName(topic), deadLetters));
    await Promise.all(sends);
    this.#count('accepted', topic, accepted.length);
    this.#count('rejected', topic, rejected.length);
    return { accepted: accepted.length, rejected };
  }

  /**
   * Sends items that never became events (an unreadable venue frame, say) to `spec`'s
   * dead-letter topic with the caller's reason, exactly as `produce` does for contract
   * refusals; resolves once the broker has them.
   */
  async deadLetter<E>(
    spec: TopicSpec<E>,
    letters: ReadonlyArray<{ value: string; reason: string }>,
  ): Promise<void> {
    if (letters.length === 0) return;
    const topic = topicName(this.#settings.KAFKA_TOPIC_PREFIX, spec.name);
    const rejectedAt = String(Date.now());
    await this.#enqueue(
      deadLetterTopicName(topic),
      letters.map(({ value, reason }) =>
        deadLetterOf(value, {
          'dlq-reason': reason.slice(0, REASON_MAX_CHARS),
          'dlq-topic': topic,
          'dlq-rejected-at': rejectedAt,
        }),
      ),
    );
    this.#count('rejected', topic, letters.length);
  }

  /** False after a send failed, until a send with a fresh KafkaJS producer succeeds. */
  healthy(): boolean {
    return !this.#broken;
  }

  stats(): ProducerStats {
    return structuredClone(this.#stats);
  }

  async #recreate(): Promise<void> {
    await this.#producer.disconnect().catch(() => undefined);
    const fresh = this.#kafka.producer(PRODUCER_OPTIONS);
    await fresh.connect();
    this.#producer = fresh;
    this.#broken = false;
    this.#log.warn('Kafka producer recreated after a failed send');
  }

  /** Sends what is still gathered, then disconnects. */
  async close(): Promise<void> {
    await this.#flush();
    await this.#producer.disconnect();
  }

  #count(kind: 'accepted' | 'rejected', topic: string, n: number): void {
    if (n > 0) this.#stats[kind][topic] = (this.#stats[kind][topic] ?? 0) + n;
  }

  #enqueue(topic: string, messages: Message[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#pending.push({ topic, messages, resolve, reject });
      this.#pendingMessages += messages.length;
      if (this.#pendingMessages >= this.#settings.KAFKA_BATCH_MAX_MESSAGES) {
        void this.#flush();
      } else if (this.#timer === undefined) {
        this.#timer = setTimeout(() => void this.#flush(), this.#settings.KAFKA_LINGER_MS);
      }
    });
  }

  async #flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#pending;
    if (batch.length === 0) return;
    this.#pending = [];
    this.#pendingMessages = 0;
    const byTopic = new Map<string, Message[]>();
    for (const item of batch) {
      const list = byTopic.get(item.topic);
      if (list) list.push(...item.messages);
      else byTopic.set(item.topic, [...item.messages]);
    }
    try {
      await this.#send(byTopic);
      for (const item of batch) item.resolve();
    } catch (err) {
      this.#stats.sendFailures += 1;
      this.#log.error({ err, topics: [...byTopic.keys()] }, 'send to Kafka failed');
      // Callers' messages were gathered into one request, and KafkaJS fails it whole: one
      // caller's bad message must not fail the others, so each is sent again on its own.
      if (batch.length > 1) await Promise.all(batch.map((item) => this.#sendAlone(item)));
      else for (const item of batch) item.reject(this.#failure(err, [item.topic]));
    }
  }

  async #sendAlone(item: Pending): Promise<void> {
    try {
      await this.#send(new Map([[item.topic, item.messages]]));
      item.resolve();
    } catch (err) {
      item.reject(this.#failure(err, [item.topic]));
    }
  }

  #failure(err: unknown, topics: string[]): TradewatchError {
    return new TradewatchError(
      ErrorCode.KAFKA_PRODUCE_FAILED,
      `Kafka did not acknowledge the batch for ${topics.join(', ')}`,
      { cause: err, retriable: true },
    );
  }

  /**
   * One sendBatch. After any failure the idempotent KafkaJS producer may be stuck (an
   * "out of order sequence number" for every later send to that partition), so the next
   * send replaces it with a fresh one, which gets a new producer id.
   */
  async #send(byTopic: Map<string, Message[]>): Promise<void> {
    if (this.#broken) {
      // Concurrent sends share one replacement.
      this.#recreating ??= this.#recreate().finally(() => {
        this.#recreating = undefined;
      });
      await this.#recreating;
    }
    const topicMessages: TopicMessages[] = [...byTopic].map(([topic, messages]) => ({ topic, messages }));
    try {
      await this.#producer.sendBatch({
        topicMessages,
        acks: -1,
        compression:
          this.#settings.KAFKA_COMPRESSION === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None,
      });
      this.#broken = false;
      this.#stats.batchesSent += 1;
    } catch (err) {
      this.#broken = true;
      throw err;
    }
  }
}

/** A dead letter no larger than the broker takes: the head of what arrived, its size noted. */
function deadLetterOf(value: string, headers: Record<string, string>): Message {
  const bytes = Buffer.from(value);
  if (bytes.length <= DEAD_LETTER_VALUE_MAX_BYTES) return { value, headers };
  return {
    value: bytes.subarray(0, DEAD_LETTER_VALUE_MAX_BYTES),
    headers: { ...headers, 'dlq-truncated-from-bytes': String(bytes.length) },
  };
}

/** The bytes of a refused input as given, so the dead letter shows exactly what arrived. */
function rawBytesOf(input: unknown): string {
  if (typeof input === 'string') return input;
  try {
    return JSON.stringify(input) ?? String(input);
  } catch {
    return String(input);
  }
}
