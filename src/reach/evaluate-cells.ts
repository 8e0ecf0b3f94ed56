import type { World } from '../kernel/index.js';
import type { CellOptions } from './explore-cell.js';
import { exploreCell } from './explore-cell.js';
import type { ReachCell, ReachJob } from './model.js';

/**
 * Every job's cell, in job order. Pure in the World: each probe runs on a checkpoint of it and rolls back, so
 * the result of a job does not depend on which others ran before it, or on which thread ran it.
 */
export function evaluateCells(world: World, jobs: readonly ReachJob[], o: CellOptions & { onCell?: (done: number) => void } = {}): ReachCell[] {
  const out: ReachCell[] = [];
  for (const j of jobs) {
    out.push(exploreCell(world, j, o));
    o.onCell?.(out.length);
  }
  return out;
}
