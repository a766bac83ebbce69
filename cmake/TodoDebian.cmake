# Debian packages through CPack (issue 21): `cpack -G DEB` in a release
# build configured with -DCMAKE_INSTALL_PREFIX=/usr (scripts/package does
# all of it) makes
#   todo-server_<version>_amd64.deb      the server, its systemd unit, an
#                                        example settings file, a system user
#   todo-server-dev_<version>_amd64.deb  todo::core and todo::memory: headers,
#                                        static libraries, CMake package
set(TODO_DEB_DIR ${PROJECT_SOURCE_DIR}/packaging/debian)

# Files Debian wants in every package: the copyright and a changelog
# (gzip -9n: reproducible, as lintian checks; "changelog", not
# "changelog.Debian", since the version has no Debian revision: native).
set(TODO_DEB_CHANGELOG ${CMAKE_CURRENT_BINARY_DIR}/debian/changelog.gz)
string(TIMESTAMP TODO_DEB_DATE "%a, %d %b %Y %H:%M:%S +0000" UTC)
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/debian/changelog
"todo-server (${PROJECT_VERSION}) unstable; urgency=medium

  * Built from the source tree; see the project's git history.

 -- todo maintainers <todo@example.com>  ${TODO_DEB_DATE}
")
execute_process(COMMAND gzip -9nf ${CMAKE_CURRENT_BINARY_DIR}/debian/changelog RESULT_VARIABLE gz)
if(NOT gz EQUAL 0)
  message(FATAL_ERROR "TodoDebian: gzip failed")
endif()
foreach(component server dev)
  set(package todo-server)
  if(component STREQUAL "dev")
    set(package todo-server-dev)
  endif()
  install(FILES ${PROJECT_SOURCE_DIR}/LICENSE DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/${package}
    RENAME copyright COMPONENT ${component})
  install(FILES ${TODO_DEB_CHANGELOG} DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/${package} COMPONENT ${component})
endforeach()

# The manual page, made from `todo-server --help` by help2man (scripts/package
# installs it; without it the package has no man page, a lintian warning).
find_program(TODO_HELP2MAN help2man)
if(TODO_HELP2MAN)
  set(TODO_MAN ${CMAKE_CURRENT_BINARY_DIR}/debian/todo-server.1)
  add_custom_command(OUTPUT ${TODO_MAN}.gz
    COMMAND ${TODO_HELP2MAN} --no-info --name "multi-user Todo REST service"
            --version-string ${PROJECT_VERSION} --output ${TODO_MAN} $<TARGET_FILE:todo-server>
    COMMAND gzip -9nf ${TODO_MAN}
    DEPENDS todo-server
    COMMENT "Writing the todo-server manual page (help2man)"
    VERBATIM)
  add_custom_target(todo_server_man ALL DEPENDS ${TODO_MAN}.gz)
  install(FILES ${TODO_MAN}.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT server)
endif()

install(FILES ${TODO_DEB_DIR}/todo-server.service DESTINATION /lib/systemd/system COMPONENT server)
install(FILES ${TODO_DEB_DIR}/todo-server.env.example DESTINATION /etc/todo-server COMPONENT server)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME todo-server)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "todo maintainers")
set(CPACK_PACKAGE_CONTACT "todo maintainers <todo@example.com>")
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL server dev)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION web)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

set(CPACK_DEBIAN_SERVER_PACKAGE_NAME todo-server)
set(CPACK_DEBIAN_SERVER_PACKAGE_SECTION web)
set(CPACK_DEBIAN_SERVER_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_SERVER_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_SERVER_PACKAGE_SUGGESTS "postgresql")
set(CPACK_DEBIAN_SERVER_PACKAGE_CONTROL_EXTRA
  "${TODO_DEB_DIR}/postinst;${TODO_DEB_DIR}/postrm;${TODO_DEB_DIR}/conffiles")
# CPack indents the extended description itself and turns an empty line
# into Debian's " ." paragraph break.
set(CPACK_COMPONENT_SERVER_DESCRIPTION "multi-user Todo REST service (JWT, PostgreSQL)
todo-server serves a Todo REST API: accounts with bcrypt passwords and JWT
sessions, per-user task lists with filters, search, sorting and paging,
stored in PostgreSQL. It keeps the wire format of a FastAPI backend, so its
clients work unchanged, and ships a web client and Swagger UI at /docs.

This package holds the server, a systemd unit and an example settings file.")

set(CPACK_DEBIAN_DEV_PACKAGE_NAME todo-server-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_COMPONENT_DEV_DESCRIPTION "todo domain core for C++ (development files)
The pure domain core of todo-server (todo::core: entities, validation, use
cases, ports) and its in-memory adapters (todo::memory), as static
libraries with headers and a CMake package: find_package(TodoCore).")

include(CPack)
