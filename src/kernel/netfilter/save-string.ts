// Linux iptables: xtables_save_string() in libxtables/xtables.c, the quoting of free text on save.

const NO_QUOTE = /^[_\-0-9a-zA-Z]+$/;

/** A word as iptables-save writes it: bare when only `[_-0-9a-zA-Z]`, otherwise double-quoted with `"\'` escaped. */
export function saveString(value: string): string {
  if (NO_QUOTE.test(value)) return value;
  return `"${value.replace(/["\\']/g, (c) => `\\${c}`)}"`;
}
