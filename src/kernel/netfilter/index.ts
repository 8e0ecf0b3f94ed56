// The netfilter rule engine: iptables-restore in, iptables-save out, chains evaluated against a packet context.

export type { AddrType, MatchState, NfPacketContext } from './context.js';
export type { Chain, Counters, Policy, Rule, RuleBasics, RuleTarget, Ruleset, Table, TableName } from './ruleset.js';
export { BUILTIN_CHAINS, SAVE_TABLE_ORDER, TABLE_NAMES, chainsInSaveOrder, cloneRuleset, emptyRuleset, emptyTable } from './ruleset.js';
export type { ChainVerdict, NatFlags, NatRange, NatRequest, NfDropReason, NfEvent, RejectWith, TargetVerdict } from './verdict.js';
export type { Match, MatchModule, Target, TargetModule } from './module.js';
export type { RestoreError, RestoreLine, RestoreOptions, RestoreScript } from './restore-parse.js';
export { formatRestoreError, parseRestore, printRestore } from './restore-parse.js';
export { applyRestore, restore } from './restore-apply.js';
export { RuleParseCache } from './rule-parse-cache.js';
export type { SaveOptions } from './save-print.js';
export { printSave } from './save-print.js';
export { ruleComment, ruleSourceText, ruleSpecText, ruleText } from './rule-print.js';
export type { Branch, EvalOptions, EvalResult, RuleRef } from './evaluate.js';
export { evaluateChain, exploreBranches } from './evaluate.js';
export type { ChainIndex, RulesetIndex } from './index-chain.js';
export { indexChain, indexRuleset } from './index-chain.js';
export { NFT_JUMP_STACK_SIZE } from './table-validate.js';
export type { CanonicalRule } from './rule-canonical.js';
export { canonicalRule } from './rule-canonical.js';
export type { NfObservation, NfObserver } from './observe.js';
export { WalkMemo } from './walk-memo.js';
export type { WalkChoice, WalkLeaf, WalkSlot } from './walk-memo.js';
