// Linux: xt_comment always matches; the text is kept for iptables-save (extensions/libxt_comment.c).

import type { Match, MatchBuilder, MatchModule } from '../module.js';
import { saveString } from '../save-string.js';

/** XT_MAX_COMMENT_LEN is 256 including the terminating NUL. */
const MAX_COMMENT = 255;

/** The comment of a match instance created by this module, for traces (`-m comment --comment`). */
export const COMMENT_PREFIX = '--comment ';

/** A comment match: its save form made when first printed (kube-proxy writes one comment per Service). */
class CommentMatch implements Match {
  #saveText: string | null = null;

  constructor(readonly comment: string) {}

  get module(): string {
    return 'comment';
  }

  get pure(): boolean {
    return true;
  }

  get saveText(): string {
    return (this.#saveText ??= `--comment ${saveString(this.comment)}`);
  }

  match(): boolean {
    return true;
  }
}

/** The options of one `-m comment` (a class: a rule line's replay makes one per line). */
class CommentBuilder implements MatchBuilder {
  #text: string | null = null;

  option(_name: string, args: readonly string[]): string | undefined {
    if (args[0].length > MAX_COMMENT) return `comment: option "--comment" value too long (max ${MAX_COMMENT})`;
    this.#text = args[0];
    return undefined;
  }

  finish(): Match | string {
    if (this.#text === null) return 'comment: option "--comment" must be specified';
    return new CommentMatch(this.#text);
  }
}

export const commentMatch: MatchModule = {
  name: 'comment',
  options: [{ name: 'comment', args: 1 }],
  create() {
    return new CommentBuilder();
  },
};
