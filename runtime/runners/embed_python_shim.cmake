# Embeds runtime/runners/python/ for python_shim_files.h. Run as a script:
#
#   cmake -DROOT=<python dir> -DMANIFEST=<file> -DOUTPUT=<file.cpp> -DEMBED=<EmbedFiles.cmake> -P ...
#
# cmake/EmbedFiles.cmake writes `squall::stdlib::BuiltinFiles()`; this renames what it defines
# to `squall::runners::PythonShimFiles()` so that both tables can live in one binary.
cmake_minimum_required(VERSION 3.25)

set(squall_final_output "${OUTPUT}")
set(OUTPUT "${squall_final_output}.stdlib")
include("${EMBED}")
file(READ "${OUTPUT}" squall_source)
string(REPLACE "#include \"stdlib/builtin_files.h\"" "#include \"runtime/runners/python_shim_files.h\""
       squall_source "${squall_source}")
string(REPLACE "namespace squall::stdlib" "namespace squall::runners" squall_source "${squall_source}")
string(REPLACE "BuiltinFiles()" "PythonShimFiles()" squall_source "${squall_source}")
file(WRITE "${squall_final_output}" "${squall_source}")
file(REMOVE "${OUTPUT}")
