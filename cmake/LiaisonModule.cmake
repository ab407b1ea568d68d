# liaison_module(NAME SOURCES ... DEPS ... TESTS ...)
# Declares the library liaison_<NAME> from SOURCES, linked to DEPS (the only modules it may
# include), and, when tests are on, the test binary liaison_<NAME>_tests from TESTS. With
# POSTGRES_TESTS its tests run with the PostgreSQL test server (store/scratch_database.hpp).
function(liaison_module name)
  cmake_parse_arguments(ARG "POSTGRES_TESTS" "" "SOURCES;DEPS;TESTS;TEST_DEPS" ${ARGN})
  add_library(liaison_${name} STATIC ${ARG_SOURCES})
  target_include_directories(liaison_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(liaison_${name} PUBLIC ${ARG_DEPS})
  if(LIAISON_TESTS AND ARG_TESTS)
    add_executable(liaison_${name}_tests ${ARG_TESTS})
    target_link_libraries(liaison_${name}_tests PRIVATE liaison_${name} ${ARG_TEST_DEPS}
                          GTest::gtest GTest::gtest_main GTest::gmock)
    if(ARG_POSTGRES_TESTS)
      # Some tests need the throwaway PostgreSQL server of tests/CMakeLists.txt (fixture
      # `postgres`); they find its URL in the file the fixture writes. (One variable only: a
      # list would be split into properties by gtest_discover_tests.)
      gtest_discover_tests(liaison_${name}_tests DISCOVERY_MODE PRE_TEST
                           TEST_PREFIX "${name}."
                           PROPERTIES
                             ENVIRONMENT "LIAISON_TEST_POSTGRES_URL_FILE=${LIAISON_TEST_POSTGRES_URL_FILE}"
                             FIXTURES_REQUIRED postgres)
    else()
      gtest_discover_tests(liaison_${name}_tests DISCOVERY_MODE PRE_TEST
                           TEST_PREFIX "${name}."
                           PROPERTIES ENVIRONMENT "LIAISON_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
    endif()
  endif()
endfunction()
