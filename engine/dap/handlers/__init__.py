"""The DAP request handlers, one module per group of requests:

- `lifecycle`: initialize, launch, attach, configurationDone, disconnect, terminate
- `breakpoints`: setBreakpoints, setFunctionBreakpoints, setExceptionBreakpoints
- `execution`: continue, next, stepIn, stepOut, pause, restartFrame
- `inspection`: threads, stackTrace, scopes, variables, evaluate, setVariable, exceptionInfo, source,
  loadedSources
- `hot_reload`: dapper/hotReload
- `goto`: gotoTargets, goto

A request `foo/bar` is answered by the method `on_foo_bar` of one of these groups. Every handler takes the
request's arguments and returns a `Reply` or a `Deferred` (see `..replies`), or raises `RequestError`.
"""
