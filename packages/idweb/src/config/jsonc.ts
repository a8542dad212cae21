/**
 * Removes `//` and `/* *\/` comments and trailing commas from JSON text, outside strings, as
 * .NET's JSON configuration provider accepts them. Comments become spaces (newlines are kept) so
 * positions in later parse errors still point at the right line.
 *
 * @throws SyntaxError for an unterminated block comment or string.
 * @example
 * ```ts
 * stripJsonComments('{ "a": 1, // one\n }') // '{ "a": 1         \n }'
 * ```
 */
export function stripJsonComments(text: string): string {
  let out = ''
  let i = 0
  // Index in `out` of a comma that may turn out to be trailing, or -1.
  let pendingComma = -1
  while (i < text.length) {
    const c = text[i] as string
    const next = text[i + 1]
    if (c === '"') {
      const end = stringEnd(text, i)
      out += text.slice(i, end)
      i = end
      pendingComma = -1
    } else if (c === '/' && next === '/') {
      const end = text.indexOf('\n', i)
      const stop = end === -1 ? text.length : end
      out += ' '.repeat(stop - i)
      i = stop
    } else if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2)
      if (end === -1)
        throw new SyntaxError(`Unterminated /* comment starting at ${position(text, i)}`)
      out += text.slice(i, end + 2).replace(/[^\n]/g, ' ')
      i = end + 2
    } else if (c === ',') {
      pendingComma = out.length
      out += c
      i++
    } else if ((c === '}' || c === ']') && pendingComma !== -1) {
      out = `${out.slice(0, pendingComma)} ${out.slice(pendingComma + 1)}${c}`
      pendingComma = -1
      i++
    } else {
      if (!/\s/.test(c)) pendingComma = -1
      out += c
      i++
    }
  }
  return out
}

function stringEnd(text: string, start: number): number {
  let i = start + 1
  while (i < text.length) {
    const c = text[i]
    if (c === '\\') i += 2
    else if (c === '"') return i + 1
    else if (c === '\n') break
    else i++
  }
  throw new SyntaxError(`Unterminated string starting at ${position(text, start)}`)
}

/** `line L, column C` (1-based) of an offset in `text`. */
export function position(text: string, offset: number): string {
  const before = text.slice(0, offset)
  const line = before.split('\n').length
  const column = offset - before.lastIndexOf('\n')
  return `line ${line}, column ${column}`
}

/**
 * Parses JSON with comments and trailing commas (the `appsettings.json` dialect).
 *
 * @throws SyntaxError naming the line and column of the problem.
 * @example
 * ```ts
 * parseJsonc('{ /* app *\/ "AzureAd": { "ClientId": "x", } }')
 * ```
 */
export function parseJsonc(text: string): unknown {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  const stripped = stripJsonComments(source)
  try {
    return JSON.parse(stripped)
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    const at = /position (\d+)/.exec(message)
    const where = at?.[1] ? ` at ${position(stripped, Number(at[1]))}` : ''
    throw new SyntaxError(`${message.replace(/ in JSON at position \d+.*$/, '')}${where}`)
  }
}
