# SQUALL_SANITIZE=ON instruments every target (ours and the generated parser) with
# ASan + UBSan. Set globally so that all code in one process agrees on the ABI.
if(SQUALL_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
