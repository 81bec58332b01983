# SQUALL_SANITIZE=ON instruments every target (ours and the generated parser) with
# ASan + UBSan. Set globally so that all code in one process agrees on the ABI.
if(SQUALL_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

# SQUALL_FUZZ=ON: every target (ours and the generated parser) gets libFuzzer's coverage
# instrumentation; without it the fuzzer sees edges of the fuzz target's own file only and
# mutates blind. The fuzz executables add -fsanitize=fuzzer themselves (libFuzzer's main).
if(SQUALL_FUZZ)
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
