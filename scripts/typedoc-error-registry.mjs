// A TypeDoc plugin: every entry of idweb's `errorRegistry` is `{ status, expose }`. Rather than
// repeat the same two comments on each of its entries, this gives those fields their meaning here,
// once, so that the docs build (which fails on undocumented members) accepts a new code.
import { Comment, Converter, ReflectionKind } from 'typedoc'

const fields = {
  status: 'The HTTP status an error with this code answers with, unless the error overrides it.',
  expose: 'Whether the message of an error with this code may be shown to the end user.',
}

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    for (const property of context.project.getReflectionsByKind(ReflectionKind.Property)) {
      const text = fields[property.name]
      if (!text || property.comment || !property.getFullName().includes('errorRegistry.')) continue
      property.comment = new Comment([{ kind: 'text', text }])
    }
  })
}
