// Strict reading of YAML configs (CONVENTIONS.md "Configs"): every value is read through a
// YamlSection, which knows the file and key path it came from, so that every error names
// the file, the line, the key, the offending value and what was expected. Unknown keys are
// errors (check_keys), not silently ignored.
#pragma once

#include <yaml-cpp/yaml.h>

#include <map>
#include <string>
#include <vector>

#include "lnet/core/error.hpp"

namespace lnet {

// `path` taken relative to the folder `base_dir` (config files name their data relative to
// themselves); absolute and empty paths are returned as they are.
std::string resolve_relative(const std::string& base_dir, const std::string& path);

class YamlSection {
 public:
  // Parses `path`; the top level must be a mapping (an empty file reads as an empty one).
  // Throws InputError naming the file (and line) for a missing file, a parse error or a
  // top level that is not a mapping.
  static YamlSection load_file(const std::string& path);
  // Parses YAML text; `file` names it in messages (e.g. "<string>" or the real file name).
  static YamlSection load_string(const std::string& text, const std::string& file);

  // `where` names the origin in messages (usually the file name). A null node is an empty
  // mapping; any other non-mapping node is an InputError.
  YamlSection(YAML::Node node, std::string where);

  bool has(const std::string& key) const;

  // Optional key: `fallback` when the key is absent. A key that is present but has no value
  // (`lr:`) is an error rather than a silent fallback: it is almost always a typo.
  template <class T>
  T get(const std::string& key, const T& fallback) const;
  // Required key: absent -> InputError naming the section and its line.
  template <class T>
  T required(const std::string& key) const;

  // Nested mapping. Absent or null (`model:` with every option commented out) -> an empty
  // section; anything but a mapping -> InputError.
  YamlSection section(const std::string& key) const;

  // Keys in file order.
  std::vector<std::string> keys() const;

  // Throws InputError naming the file, the line and the key, and listing the allowed keys,
  // for the first key of this mapping not in `allowed` (or given twice).
  void check_keys(const std::vector<std::string>& allowed) const;

  // InputError "<file: section>: <dotted key>: <what>" for a bad value of `key` here.
  InputError error(const std::string& key, const std::string& what) const;

  const YAML::Node& node() const { return node_; }
  // "file" for the top level, "file: model.radial" for nested sections.
  const std::string& where() const { return where_; }
  // Dotted key path from the top level ("" for the top level itself).
  const std::string& path() const { return path_; }

 private:
  // header_line: 0-based line of the key that opened this section, -1 for the top level.
  YamlSection(YAML::Node node, std::string file, std::string path, int header_line);
  std::string key_path(const std::string& key) const;
  // The key node of `key` (it carries the key's line), or an undefined node.
  YAML::Node find_key(const std::string& key) const;
  // "file:line" of the key that opened this section, "file" for the top level.
  std::string header_location() const;
  // "file:line" for a node with a position, else "file".
  std::string location(const YAML::Node& node) const;

  YAML::Node node_;
  std::string file_;
  std::string path_;
  std::string where_;
  int header_line_ = -1;
};

// Instantiated in yaml_section.cpp for: int, long, double, bool, std::string,
// std::vector<double>, std::vector<int>, std::vector<std::string>,
// std::map<std::string, double>.
extern template int YamlSection::get<int>(const std::string&, const int&) const;
extern template long YamlSection::get<long>(const std::string&, const long&) const;
extern template double YamlSection::get<double>(const std::string&, const double&) const;
extern template bool YamlSection::get<bool>(const std::string&, const bool&) const;
extern template std::string YamlSection::get<std::string>(const std::string&,
                                                          const std::string&) const;
extern template std::vector<double> YamlSection::get<std::vector<double>>(
    const std::string&, const std::vector<double>&) const;
extern template std::vector<int> YamlSection::get<std::vector<int>>(const std::string&,
                                                                    const std::vector<int>&) const;
extern template std::vector<std::string> YamlSection::get<std::vector<std::string>>(
    const std::string&, const std::vector<std::string>&) const;
extern template std::map<std::string, double> YamlSection::get<std::map<std::string, double>>(
    const std::string&, const std::map<std::string, double>&) const;

extern template int YamlSection::required<int>(const std::string&) const;
extern template long YamlSection::required<long>(const std::string&) const;
extern template double YamlSection::required<double>(const std::string&) const;
extern template bool YamlSection::required<bool>(const std::string&) const;
extern template std::string YamlSection::required<std::string>(const std::string&) const;
extern template std::vector<double> YamlSection::required<std::vector<double>>(
    const std::string&) const;
extern template std::vector<int> YamlSection::required<std::vector<int>>(const std::string&) const;
extern template std::vector<std::string> YamlSection::required<std::vector<std::string>>(
    const std::string&) const;
extern template std::map<std::string, double> YamlSection::required<std::map<std::string, double>>(
    const std::string&) const;

}  // namespace lnet
