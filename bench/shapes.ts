// The shape of a log message, to group the lines a rule set misses: the header (time, host,
// program[pid]) dropped, addresses, numbers and quoted or bracketed client text replaced by
// placeholders, cut after a few words.

const HEADER = /^(?:@[0-9a-f]{24} |<[0-9]+>1 \S+ \S+ \S+ \S+ \S+ (?:-|(?:\[(?:[^\]\\]|\\.)*\])+) |(?:[A-Z][a-z]{2} +[0-9]+ [0-9:]{8}|[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9:.]+(?:[+-][0-9:]+|Z)?) )?(?:[\w.-]+ (?=\S+: ))?(?:\[?[A-Za-z][\w/.-]*(?:\[[0-9]+\])?\]?: )?/;
const ADDRESS = /(?:::ffff:)?(?:[0-9]{1,3}\.){3}[0-9]{1,3}|\b[0-9a-f]{0,4}(?::[0-9a-f]{0,4})*::[0-9a-f]{0,4}(?::[0-9a-f]{0,4})*|\b[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){7}\b/gi;

/** The message of `text` with its variable parts made placeholders, at most `words` words. */
export function shapeOf(text: string, words = 9): string {
  const message = text.replace(HEADER, '');
  return message
    .replace(ADDRESS, 'ADDR')
    .replace(/'[^']*'|"[^"]*"|<[^<>]*>/g, (q) => `${q[0]}X${q[q.length - 1]}`)
    .replace(/\b[0-9]+\b/g, 'N')
    .split(/\s+/)
    .slice(0, words)
    .join(' ');
}
