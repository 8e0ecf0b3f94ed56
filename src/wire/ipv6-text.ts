// IPv6 text as Go's net.IP.String() and RFC 5952 write it, shared by kube-proxy's address parsing and the DNS
// server's answers.

/** Eight 16-bit groups as text: lower-case hex, the longest run of two or more zero groups (the first on a tie) as "::". */
export function formatIpv6Groups(g: readonly number[]): string {
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (xs: readonly number[]): string => xs.map((x) => x.toString(16)).join(':');
  if (bestAt < 0) return hex(g);
  return `${hex(g.slice(0, bestAt))}::${hex(g.slice(bestAt + bestLen))}`;
}
