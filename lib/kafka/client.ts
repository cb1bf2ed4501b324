import { Kafka, type KafkaConfig, logLevel } from 'kafkajs';
import type { Config } from '../config/config.js';
import type { Logger } from '../log.js';

/** KafkaJS speaks through our pino logger so broker chatter is JSON like everything else. */
function pinoLogCreator(log: Logger): KafkaConfig['logCreator'] {
  const levels: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
    [logLevel.ERROR]: 'error',
    [logLevel.WARN]: 'warn',
    [logLevel.INFO]: 'info',
    [logLevel.DEBUG]: 'debug',
  };
  return () =>
    ({ level, log: entry }) => {
      const { message, ...rest } = entry;
      log[levels[level] ?? 'info']({ kafkajs: rest }, message);
    };
}

/**
 * KafkaJS 2.2.4 arms a timer for `throttledUntil - Date.now()` with `throttledUntil` = -1
 * (tulios/kafkajs#1751, unfixed in 2.2.4): Node ≥ 23 warns TimeoutNegativeWarning on stderr
 * once per process and uses 1 ms — what older Node did silently. Only that warning, raised
 * from inside KafkaJS, is dropped; any other is printed as usual.
 */
function dropKafkaJsTimerWarning(): void {
  const emitWarning = process.emitWarning;
  process.emitWarning = function (this: NodeJS.Process, warning: string | Error, ...rest: unknown[]) {
    const kind = rest[0];
    const type = typeof kind === 'string' ? kind : (kind as { type?: string } | undefined)?.type;
    if (type === 'TimeoutNegativeWarning') {
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = 30;
      const fromKafkaJs = new Error().stack?.includes('/kafkajs/') ?? false;
      Error.stackTraceLimit = limit;
      if (fromKafkaJs) return;
    }
    return (emitWarning as (...args: unknown[]) => void).call(this, warning, ...rest);
  } as typeof process.emitWarning;
}
dropKafkaJsTimerWarning();

export type KafkaSettings = Pick<Config, 'KAFKA_BROKERS' | 'KAFKA_CLIENT_ID' | 'KAFKA_REQUEST_TIMEOUT_MS'>;

/** The one place the platform builds a KafkaJS client. */
export function createKafka(config: KafkaSettings, log: Logger, retry?: KafkaConfig['retry']): Kafka {
  return new Kafka({
    clientId: config.KAFKA_CLIENT_ID,
    brokers: [...config.KAFKA_BROKERS],
    requestTimeout: config.KAFKA_REQUEST_TIMEOUT_MS,
    connectionTimeout: 5_000,
    // KafkaJS logs INFO for every (re)join; WARN keeps the signal, pino's level filters the rest.
    logLevel: logLevel.WARN,
    logCreator: pinoLogCreator(log.child({ module: 'kafkajs' })),
    ...(retry === undefined ? {} : { retry }),
  });
}
