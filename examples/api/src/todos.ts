import { randomUUID } from 'node:crypto'

/** One item of a user's todo list, as the API sends it. */
export interface Todo {
  readonly id: string
  readonly title: string
  /** ISO 8601. */
  readonly createdAt: string
}

/** Longest accepted title, in characters. */
export const MAX_TITLE_LENGTH = 200
/** Most todos one user may keep. */
export const MAX_TODOS_PER_USER = 100

/** Why a todo could not be added. */
export type AddRefusal = 'title_missing' | 'title_too_long' | 'too_many_todos'

/**
 * Todos per user, in memory. A user is `oid.tid` (object id and tenant id of the access token),
 * so the same object id in two tenants never shares a list. Lost on restart: this is a sample.
 *
 * @example
 * ```ts
 * const todos = new TodoStore()
 * const added = todos.add(owner, 'Buy milk')
 * if (added.ok) todos.remove(owner, added.todo.id)
 * ```
 */
export class TodoStore {
  readonly #lists = new Map<string, Map<string, Todo>>()
  readonly #clock: () => number

  constructor(clock: () => number = Date.now) {
    this.#clock = clock
  }

  /** The user's todos, oldest first. */
  list(owner: string): Todo[] {
    return [...(this.#lists.get(owner)?.values() ?? [])]
  }

  /** Adds a todo; the title is trimmed and must hold 1 to {@link MAX_TITLE_LENGTH} characters. */
  add(owner: string, title: string): { ok: true; todo: Todo } | { ok: false; reason: AddRefusal } {
    const trimmed = title.trim()
    if (trimmed.length === 0) return { ok: false, reason: 'title_missing' }
    if ([...trimmed].length > MAX_TITLE_LENGTH) return { ok: false, reason: 'title_too_long' }
    let list = this.#lists.get(owner)
    if (list && list.size >= MAX_TODOS_PER_USER) return { ok: false, reason: 'too_many_todos' }
    if (!list) {
      list = new Map()
      this.#lists.set(owner, list)
    }
    const todo: Todo = Object.freeze({
      id: randomUUID(),
      title: trimmed,
      createdAt: new Date(this.#clock()).toISOString(),
    })
    list.set(todo.id, todo)
    return { ok: true, todo }
  }

  /** Removes the user's todo `id`; `false` when the user has no such todo. */
  remove(owner: string, id: string): boolean {
    const list = this.#lists.get(owner)
    if (!list?.delete(id)) return false
    if (list.size === 0) this.#lists.delete(owner)
    return true
  }

  /**
   * Every user's todos, for app-only callers: one entry per user with at least one todo, in the
   * order their lists were started, each list oldest first.
   */
  all(): { owner: string; todos: Todo[] }[] {
    return [...this.#lists].map(([owner, list]) => ({ owner, todos: [...list.values()] }))
  }

  /** Number of users with at least one todo. */
  get owners(): number {
    return this.#lists.size
  }
}
