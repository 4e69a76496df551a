# The browser build (emscripten, wasm32): included from CMakeLists.txt when EMSCRIPTEN.
# scripts/setup.sh web configures it with emcmake against the libraries it builds from
# Debian's source packages (scripts/web/deps.sh); -pthread for the threaded variant
# comes in CMAKE_C_FLAGS from there.
#
# The program is the same attnviz: main() parses the arguments the page's loader passes
# (from the page's URL), the data folder (lessons/, assets/ and the bundled font) is
# preloaded at / where paths.c finds it as the working directory, and the browser calls the
# window's loop once per display frame (emscripten_set_main_loop in window.c): nothing
# sleeps inside the program, so it is built without ASYNCIFY, which would make the code a
# third bigger and every frame slower.

set(ATTNVIZ_WEB_FONT "" CACHE FILEPATH "The .ttf bundled as assets/fonts/ in the page")
set(ATTNVIZ_WEB_DATA ${CMAKE_BINARY_DIR}/data)
file(REMOVE_RECURSE ${ATTNVIZ_WEB_DATA})
file(MAKE_DIRECTORY ${ATTNVIZ_WEB_DATA}/assets/fonts)
file(COPY ${CMAKE_SOURCE_DIR}/lessons DESTINATION ${ATTNVIZ_WEB_DATA})
# The trained model, not its loss log or picture. Not GPT-2's vocabulary (900 KB gzipped):
# it serves GPT-2 checkpoints opened without their tokenizer, hundreds of megabytes that
# a page does not open; the page stays under 3 MB.
file(COPY ${CMAKE_SOURCE_DIR}/assets/models DESTINATION ${ATTNVIZ_WEB_DATA}/assets
     PATTERN "*.png" EXCLUDE PATTERN "*.loss.csv" EXCLUDE)
if(ATTNVIZ_WEB_FONT)
  file(COPY ${ATTNVIZ_WEB_FONT} DESTINATION ${ATTNVIZ_WEB_DATA}/assets/fonts)
endif()

# -Os at the link: binaryen's size passes; the C is compiled with -O3 as on the desktop.
target_link_options(attnviz PRIVATE -Os
  -sALLOW_MEMORY_GROWTH=1 -sINITIAL_MEMORY=64MB
  -sEXIT_RUNTIME=1 -sEXPORTED_RUNTIME_METHODS=FS,ENV,ccall
  -sEXPORTED_FUNCTIONS=_main,_app_web_open
  --preload-file ${ATTNVIZ_WEB_DATA}@/)
if(CMAKE_C_FLAGS MATCHES "-pthread")
  target_link_options(attnviz PRIVATE -sPTHREAD_POOL_SIZE=8)
else()
  # no threads at all: live training and the head roles' measure say where they run
  string(CONCAT fix ": this page runs the single-thread build, and live training needs the "
         "threaded one, served with the COOP/COEP headers (scripts/setup.sh web serve)")
  target_compile_definitions(attnviz_state PRIVATE "STATE_NO_THREAD_FIX=\"${fix}\"")
endif()

# What the limits mean in 32 bits (tests/test_wasm32.c): built and run only here.
attnviz_test(test_wasm32)
set_tests_properties(test_wasm32 PROPERTIES LABELS fast)

# The tests run under node with the real file system (NODERAWFS), from the source folder
# as on the desktop. Only the C test programs: the shell scripts start attnviz as a
# process, which a wasm program cannot do (`ctest -L fast` skips them here).
# attnviz_web_tests builds them (scripts/web/build.sh --test).
# Without -pthread no thread starts: the tests of live training and of the head roles'
# measure (a thread each) belong to the threaded build, which the page's end-to-end test
# drives (scripts/web/e2e.js: R in the overview trains live); so do a GPT-2's runs on a
# thread (test_trained_job), which the single-thread page does at once instead.
set(attnviz_web_needs_threads "")
if(NOT CMAKE_C_FLAGS MATCHES "-pthread")
  set(attnviz_web_needs_threads test_train_live test_trained_gpt2 test_trained_job)
endif()
add_custom_target(attnviz_web_tests)
get_property(attnviz_all_tests DIRECTORY PROPERTY TESTS)
foreach(t ${attnviz_all_tests})
  get_test_property(${t} LABELS labels)
  # test_dump and test_head_names run attnviz itself as a process
  if(TARGET ${t} AND "fast" IN_LIST labels AND NOT t STREQUAL "test_dump"
     AND NOT t STREQUAL "test_head_names" AND NOT t IN_LIST attnviz_web_needs_threads)
    add_dependencies(attnviz_web_tests ${t})
    target_link_options(${t} PRIVATE -sNODERAWFS=1 -sALLOW_MEMORY_GROWTH=1 -sEXIT_RUNTIME=1)
    set_target_properties(${t} PROPERTIES CROSSCOMPILING_EMULATOR "node;--no-experimental-fetch;--stack-size=4000")
  else()
    set_tests_properties(${t} PROPERTIES DISABLED TRUE)
  endif()
endforeach()
