import type { ScenarioName } from '../../../lib/contracts/simulation.js';
import { accountTakeover } from './account-takeover.js';
import { accountTakeoverSplit } from './account-takeover-split.js';
import { carrierNatLogin } from './carrier-nat-login.js';
import { deadLetteredLine, poisonMessage } from './consumer-faults.js';
import { frontRunning, linkedBuyAndHold } from './front-running.js';
import { insiderBeforeListing, listingNewsTrader } from './insider-listing.js';
import { ladderMarketMaker, layering } from './layering.js';
import { markingTheClose, twapBuyer } from './marking-the-close.js';
import { marketWideGloom, negativeBuzz } from './negative-buzz.js';
import { brokenProducer, lateBatch, lateWithinTolerance, strayBadEvent } from './pipeline-faults.js';
import { organicRally, pumpAndDump } from './pump-and-dump.js';
import type { Scenario } from './scenario.js';
import { largeBidRequote, spoofing } from './spoofing.js';
import { unlinkedCycleTraders, washRing } from './wash-ring.js';
import { selfCrossStaleOrder, washTrading } from './wash-trading.js';

/** Every scenario by name: a new one is one module and one entry here (and in the contract's list). */
export const scenarios: Readonly<Record<ScenarioName, Scenario>> = {
  'account-takeover': accountTakeover,
  'wash-trading': washTrading,
  spoofing,
  'pump-and-dump': pumpAndDump,
  'negative-buzz': negativeBuzz,
  'account-takeover-split': accountTakeoverSplit,
  'carrier-nat-login': carrierNatLogin,
  'marking-the-close': markingTheClose,
  'twap-buyer': twapBuyer,
  'self-cross-stale-order': selfCrossStaleOrder,
  'large-bid-requote': largeBidRequote,
  'market-wide-gloom': marketWideGloom,
  'wash-ring': washRing,
  'unlinked-cycle-traders': unlinkedCycleTraders,
  'insider-before-listing': insiderBeforeListing,
  'listing-news-trader': listingNewsTrader,
  layering,
  'ladder-market-maker': ladderMarketMaker,
  'front-running': frontRunning,
  'linked-buy-and-hold': linkedBuyAndHold,
  'organic-rally': organicRally,
  'broken-producer': brokenProducer,
  'stray-bad-event': strayBadEvent,
  'late-batch': lateBatch,
  'late-within-tolerance': lateWithinTolerance,
  'poison-message': poisonMessage,
  'dead-lettered-line': deadLetteredLine,
};
