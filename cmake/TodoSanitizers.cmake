# todo_apply_sanitizers(<target>): adds -fsanitize=${TODO_SANITIZE} to the
# target's compile and link flags when TODO_SANITIZE is set.
function(todo_apply_sanitizers target)
  if(TODO_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=${TODO_SANITIZE}
      -fno-omit-frame-pointer -fno-sanitize-recover=all)
    target_link_options(${target} PRIVATE -fsanitize=${TODO_SANITIZE})
  endif()
endfunction()

# Convenience: warnings + sanitizers in one call.
function(todo_target_defaults target)
  todo_set_warnings(${target})
  todo_apply_sanitizers(${target})
endfunction()

function(todo_target_defaults_relaxed target)
  todo_set_basic_warnings(${target})
  todo_apply_sanitizers(${target})
endfunction()
