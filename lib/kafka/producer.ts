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
  readonly #producer: Producer;
  readonly #settings: ProducerSettings;
  readonly #log: Logger;
  #pending: Pending[] = [];
  #pendingMessages = 0;
  #timer: NodeJS.Timeout | undefined;
  #stats: ProducerStats = { accepted: {}, rejected: {}, batchesSent: 0, sendFailures: 0 };

  private constructor(producer: Producer, settings: ProducerSettings, log: Logger) {
    this.#producer = producer;
    this.#settings = settings;
    this.#log = log;
  }

  static async connect(kafka: Kafka, settings: ProducerSettings, log: Logger): Promise<EventProducer> {
    const producer = kafka.producer(PRODUCER_OPTIONS);
    await producer.connect();
    return new EventProducer(producer, settings, log.child({ module: 'producer' }));
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
      if (result.ok) {
        accepted.push({ key: spec.key(result.event), value: JSON.stringify(result.event), headers });
        return;
      }
      rejected.push({ index, reason: result.reason });
      deadLetters.push({
        value: rawBytesOf(input),
        headers: {
          ...headers,
          'dlq-reason': result.reason,
          'dlq-topic': topic,
          'dlq-rejected-at': rejectedAt,
        },
      });
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
      letters.map(({ value, reason }) => ({
        value,
        headers: { 'dlq-reason': reason, 'dlq-topic': topic, 'dlq-rejected-at': rejectedAt },
      })),
    );
    this.#count('rejected', topic, letters.length);
  }

  stats(): ProducerStats {
    return structuredClone(this.#stats);
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
    const topicMessages: TopicMessages[] = [...byTopic].map(([topic, messages]) => ({ topic, messages }));
    try {
      await this.#producer.sendBatch({
        topicMessages,
        acks: -1,
        compression:
          this.#settings.KAFKA_COMPRESSION === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None,
      });
      this.#stats.batchesSent += 1;
      for (const item of batch) item.resolve();
    } catch (err) {
      this.#stats.sendFailures += 1;
      this.#log.error({ err, topics: [...byTopic.keys()] }, 'send to Kafka failed');
      const failure = new TradewatchError(
        ErrorCode.KAFKA_PRODUCE_FAILED,
        `Kafka did not acknowledge ${batch.length} batch(es) for ${[...byTopic.keys()].join(', ')}`,
        { cause: err, retriable: true },
      );
      for (const item of batch) item.reject(failure);
    }
  }
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
