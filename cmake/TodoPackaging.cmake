# Installs todo::core and todo::memory with an exported package config so
# other CMake projects can `find_package(TodoCore)`.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS todo_core todo_memory EXPORT TodoCoreTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY core/include/todo adapters/memory/include/todo
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT dev)
install(EXPORT TodoCoreTargets NAMESPACE todo::
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/TodoCore COMPONENT dev)

configure_package_config_file(cmake/TodoCoreConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/TodoCoreConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/TodoCore)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/TodoCoreConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/TodoCoreConfig.cmake
  ${CMAKE_CURRENT_BINARY_DIR}/TodoCoreConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/TodoCore COMPONENT dev)
