// Escaping of every string that comes from outside (model, layer and tensor names, board
// ids, error messages, waiver reasons) before it reaches a PR comment or a job summary.
// Characters that mean something to Markdown, GitHub's tables, HTML, math or mentions
// become numeric character references: CommonMark treats a reference as a literal
// character, never as syntax, and GFM splits table cells before decoding them, so an
// escaped `|` cannot open a cell and an escaped `<` cannot open a tag.

const REFERENCES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
};

// Inline syntax only: our text never starts a line, so block markers (# + - =) are safe.
// `(` is safe once `[` and `]` are escaped; `$` opens math on GitHub.
const PUNCTUATION = /[&<>"`|*[\]~\\$]/g;

/** Inline text, safe in a paragraph, a list item and a table cell. One line. */
export function escapeText(s: string): string {
  return (
    s
      // Control characters (newlines included) would end a table row or a list item.
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u001f\u007f]+/g, ' ')
      .replace(PUNCTUATION, (c) => REFERENCES[c] ?? `&#${c.charCodeAt(0)};`)
      // `_` emphasises only at a word boundary; inside a word (CONV_2D) it is literal.
      .replace(/_/g, (c, at: number, all: string) =>
        /[A-Za-z0-9]/.test(all[at - 1] ?? '') && /[A-Za-z0-9]/.test(all[at + 1] ?? '')
          ? c
          : '&#95;',
      )
      // A zero-width space after @ keeps `@someone` in a tensor name from notifying anyone.
      .replace(/@/g, '@&#8203;')
  );
}
