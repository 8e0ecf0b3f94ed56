// metav1.LabelSelector matching (apimachinery labels.Selector from LabelSelectorAsSelector): every
// matchLabels pair and every matchExpression must hold; an empty selector matches everything.

import type { LabelSelector } from '../model.js';

export function selectorMatches(sel: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels)) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const v = labels[e.key];
    switch (e.operator) {
      case 'In':
        if (!has || !e.values.includes(v)) return false;
        break;
      case 'NotIn':
        if (has && e.values.includes(v)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
    }
  }
  return true;
}
