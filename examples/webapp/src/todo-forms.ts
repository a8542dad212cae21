import type { Request, RequestHandler } from 'express'
import { DownstreamApiError } from 'idweb'
import type { LayoutContext } from './layout.ts'
import { errorPage, type Todo, todosPage } from './pages.ts'

const MAX_TITLE = 200
const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

type LayoutOf = (req: Request) => LayoutContext

/** `POST /todos` (`title`): adds through the todo API, then back to the list (post/redirect/get). */
export function addTodo(layoutOf: LayoutOf): RequestHandler {
  return async (req, res) => {
    const raw: unknown = (req.body as Record<string, unknown> | undefined)?.title
    const title = typeof raw === 'string' ? raw.trim() : ''
    const refuse = async (status: number, error: string) => {
      const todos = await req.identity.callApi<Todo[]>('TodoApi', { relativePath: 'todos' })
      res
        .status(status)
        .type('html')
        .send(todosPage(layoutOf(req), todos, { error, title: typeof raw === 'string' ? raw : '' }))
    }
    if (title.length === 0) return refuse(400, 'Type what needs doing first.')
    if ([...title].length > MAX_TITLE) return refuse(400, `Keep it under ${MAX_TITLE} characters.`)
    try {
      await req.identity.callApi('TodoApi', {
        relativePath: 'todos',
        method: 'POST',
        body: { title },
      })
    } catch (err) {
      const refused = apiRefusal(err)
      if (refused) return refuse(refused.status, refused.message)
      throw err
    }
    res.redirect(303, '/todos')
  }
}

/** `POST /todos/:id/delete`: deletes through the todo API, then back to the list. */
export function deleteTodo(layoutOf: LayoutOf): RequestHandler {
  return async (req, res) => {
    const id = String(req.params.id)
    if (!ID.test(id)) {
      res
        .status(404)
        .type('html')
        .send(errorPage(layoutOf(req), 404, 'Not found', 'No such todo.'))
      return
    }
    try {
      await req.identity.callApi('TodoApi', { relativePath: `todos/${id}`, method: 'DELETE' })
    } catch (err) {
      // Already gone (another tab deleted it): the list is what the user wanted to see anyway.
      if (!(err instanceof DownstreamApiError && err.downstreamStatus === 404)) throw err
    }
    res.redirect(303, '/todos')
  }
}

/** A 4xx refusal of the todo API with its `message`, to show next to the form. */
function apiRefusal(err: unknown): { status: number; message: string } | undefined {
  if (!(err instanceof DownstreamApiError)) return undefined
  const status = err.downstreamStatus
  if (status < 400 || status >= 500 || status === 401 || status === 403) return undefined
  try {
    const body = JSON.parse(err.bodyExcerpt) as { message?: unknown }
    if (typeof body.message === 'string') return { status, message: body.message }
  } catch {
    // not JSON: fall through to a generic message
  }
  return { status, message: 'The todo API refused this.' }
}
