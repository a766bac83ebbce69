# Per-target warnings: todo_set_warnings(<target>)
function(todo_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
    -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Woverloaded-virtual
    -Wconversion -Wsign-conversion -Wimplicit-fallthrough)
  if(TODO_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# Relaxed set for code that includes Boost/Catch heavily (tests, adapters
# with third-party headers): their headers trip -Wconversion and friends.
function(todo_set_basic_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic)
  if(TODO_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
