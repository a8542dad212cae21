export {
  type AllTodos,
  createTodoDaemon,
  type DaemonOptions,
  runDaemon,
  TODO_API,
  type Todo,
  type TodoDaemon,
} from './daemon.ts'
