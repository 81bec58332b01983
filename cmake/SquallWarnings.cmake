# squall::warnings: the warning flags for the project's own code. Linked PRIVATE by every
# squall_* target; third-party headers come in as SYSTEM includes so they stay quiet.
add_library(squall_warnings INTERFACE)
add_library(squall::warnings ALIAS squall_warnings)
target_compile_options(squall_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Werror
  -Wshadow -Wnon-virtual-dtor -Wimplicit-fallthrough
  # GCC 12 reports false -Wrestrict / -Wmaybe-uninitialized positives inside libstdc++'s
  # std::string at -O2/-O3 (GCC bugs 105329 and 105651): silence them for GCC only.
  # GCC 12 also warns when a designated initializer leaves members to their defaults
  # (`Binding{.name = "event", .type = t}`), which is the point of default member
  # initializers; GCC 14 no longer warns there (bug 96868).
  $<$<CXX_COMPILER_ID:GNU>:-Wno-maybe-uninitialized -Wno-restrict -Wno-missing-field-initializers>)
