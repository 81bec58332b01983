# SQUALL_TCMALLOC=ON links the shipped executables (squall, and the benchmarks that stand for
# it) with tcmalloc_minimal from gperftools: the engine and store threads allocate many small
# JSON and string objects per workflow step, which glibc malloc serves slowly (see
# docs/performance.md). Off under sanitizers and fuzzing, which bring their own allocator.
option(SQUALL_TCMALLOC "Link squall with tcmalloc (gperftools, tcmalloc_minimal)" ON)
if(SQUALL_SANITIZE OR SQUALL_FUZZ)
  set(SQUALL_TCMALLOC OFF)
endif()
if(SQUALL_TCMALLOC)
  find_library(SQUALL_TCMALLOC_LIBRARY NAMES tcmalloc_minimal REQUIRED)
endif()

# Gives `target` the fast allocator when it is enabled. Linked as an ordinary shared library
# ahead of libc, so its malloc/free/new/delete replace glibc's for the whole process.
function(squall_use_fast_allocator target)
  if(SQUALL_TCMALLOC)
    target_link_libraries(${target} PRIVATE "${SQUALL_TCMALLOC_LIBRARY}")
  endif()
endfunction()
