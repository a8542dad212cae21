export {
  type AllTodos,
  createTodoApi,
  READ_ALL_ROLE,
  REQUIRED_SCOPE,
  type TodoApi,
  type TodoApiOptions,
} from './app.ts'
export { MAX_TITLE_LENGTH, MAX_TODOS_PER_USER, type Todo, TodoStore } from './todos.ts'
