# cmake -DINPUT=<openapi.json> -DOUTPUT=<file.cpp> -P embed_openapi.cmake
# Writes the document as a byte array (a raw string literal could collide
# with its delimiter and hits compiler length limits).
file(READ ${INPUT} hex HEX)
string(LENGTH "${hex}" hex_length)
math(EXPR size "${hex_length} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${hex}")
file(WRITE ${OUTPUT}
  "// Generated from openapi.json by embed_openapi.cmake; do not edit.\n"
  "#include <cstddef>\n#include <string_view>\n\n"
  "namespace todo::http {\n"
  "namespace {\nconstexpr char kDocument[] = {${bytes} '\\0'};\n}  // namespace\n"
  "std::string_view openapi_document() noexcept { return {kDocument, ${size}}; }\n"
  "}  // namespace todo::http\n")
