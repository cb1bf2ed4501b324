import type { Logger } from '../../../lib/log.js';
import { HourlyBudget } from './budget.js';
import { type ChatCompletionsSettings, scoreWithChatCompletions } from './chat-completions.js';
import type { LexiconScorer } from './lexicon.js';
import type { Score, Scorer } from './scorer.js';

export interface LlmScorerSettings extends ChatCompletionsSettings {
  batchSize: number;
  budgetRequestsPerHour: number;
  /** After a batch fails every retry, the endpoint is left alone this long (lexicon meanwhile). */
  cooldownMs: number;
}

export interface ScorerStats {
  llmItems: number;
  lexiconItems: number;
  llmRequests: number;
  llmFailures: number;
  budgetRefusals: number;
}

/**
 * The LLM endpoint when it answers, the lexicon when it does not (down, slow, over
 * budget, nonsense reply). Each score says which produced it, so a dashboard can tell a
 * sentiment shift from a scorer switch.
 */
export class FallbackScorer implements Scorer {
  readonly #llm: LlmScorerSettings;
  readonly #lexicon: LexiconScorer;
  readonly #budget: HourlyBudget;
  readonly #log: Logger;
  readonly #now: () => number;
  #coolUntil = 0;
  readonly stats: ScorerStats = {
    llmItems: 0,
    lexiconItems: 0,
    llmRequests: 0,
    llmFailures: 0,
    budgetRefusals: 0,
  };

  constructor(llm: LlmScorerSettings, lexicon: LexiconScorer, log: Logger, now: () => number = Date.now) {
    this.#llm = llm;
    this.#lexicon = lexicon;
    this.#budget = new HourlyBudget(llm.budgetRequestsPerHour, now);
    this.#log = log;
    this.#now = now;
  }

  async score(texts: readonly string[]): Promise<Score[]> {
    const scores: Score[] = [];
    for (let i = 0; i < texts.length; i += this.#llm.batchSize) {
      scores.push(...(await this.#scoreBatch(texts.slice(i, i + this.#llm.batchSize))));
    }
    return scores;
  }

  async #scoreBatch(texts: readonly string[]): Promise<Score[]> {
    if (this.#now() < this.#coolUntil) return this.#fallback(texts);
    const outcome = await scoreWithChatCompletions(this.#llm, this.#budget, texts);
    this.stats.llmRequests += outcome.attempts;
    if (outcome.ok) {
      this.stats.llmItems += texts.length;
      return outcome.scores.map((sentiment) => ({ sentiment, scorer: 'llm', model: this.#llm.model }));
    }
    if (outcome.overBudget) {
      this.stats.budgetRefusals += 1;
    } else {
      this.stats.llmFailures += 1;
      this.#coolUntil = this.#now() + this.#llm.cooldownMs;
    }
    this.#log.warn(
      { reason: outcome.reason, attempts: outcome.attempts, items: texts.length },
      'LLM scorer unavailable: lexicon used for this batch',
    );
    return this.#fallback(texts);
  }

  #fallback(texts: readonly string[]): Score[] {
    this.stats.lexiconItems += texts.length;
    return texts.map((text) => this.#lexicon.scoreOne(text));
  }
}
