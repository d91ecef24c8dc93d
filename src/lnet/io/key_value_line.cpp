#include "lnet/io/key_value_line.hpp"

#include <cctype>
#include <charconv>

#include "lnet/core/error.hpp"

namespace lnet {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

char closing_delimiter(char c) {
  switch (c) {
    case '"':
      return '"';
    case '\'':
      return '\'';
    case '{':
      return '}';
    case '[':
      return ']';
    default:
      return 0;
  }
}

// One key=value entry being read: its key and value parts (ASE joins extra '='-separated parts
// of a value back with '='), and whether the current part has begun (a quoted empty value "" has
// begun although it has no characters; ASE would merge the next entry into it).
struct Entry {
  std::vector<std::string> parts{std::string()};
  bool started = false;
  bool empty() const { return parts.size() == 1 && parts[0].empty() && !started; }
};

}  // namespace

std::vector<KeyValue> parse_key_values(std::string_view line) {
  std::vector<Entry> entries(1);
  char delimiter = 0;
  bool escaped = false;
  for (char c : line) {
    Entry& cur = entries.back();
    if (escaped) {
      cur.parts.back() += c;
      cur.started = true;
      escaped = false;
    } else if (c == '\\') {
      escaped = true;
    } else if (delimiter) {
      if (c == delimiter)
        delimiter = 0;
      else
        cur.parts.back() += c;
    } else if (closing_delimiter(c)) {
      delimiter = closing_delimiter(c);
      cur.started = true;
    } else if (is_blank(c)) {
      if (cur.parts.back().empty() && !cur.started) continue;  // blanks around '=' or repeated
      entries.emplace_back();
    } else if (c == '=') {
      if (entries.back().empty()) entries.pop_back();  // "key = value": '=' after a blank
      if (entries.empty() || (entries.back().parts.size() == 1 && entries.back().parts[0].empty() &&
                              !entries.back().started))
        throw Error("'=' without a key");
      entries.back().parts.emplace_back();
      entries.back().started = false;
    } else {
      cur.parts.back() += c;
      cur.started = true;
    }
  }
  if (escaped) throw Error("line ends with a lone backslash");
  if (delimiter) throw Error(std::string("unterminated quote or bracket: missing ") + delimiter);
  std::vector<KeyValue> out;
  for (const Entry& e : entries) {
    if (e.empty()) continue;
    KeyValue kv{e.parts[0], e.parts.size() == 1 ? "T" : e.parts[1]};
    for (std::size_t k = 2; k < e.parts.size(); ++k) kv.value += "=" + e.parts[k];
    out.push_back(std::move(kv));
  }
  return out;
}

std::string quote_value(std::string_view text) {
  bool plain = !text.empty();
  for (char c : text)
    if (is_blank(c) || closing_delimiter(c) || c == '}' || c == ']' || c == '=' || c == '\\')
      plain = false;
  if (plain) return std::string(text);
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string format_double(double x) {
  std::string out;
  append_double(out, x);
  return out;
}

void append_double(std::string& out, double x) {
  char buf[32];
  const auto res = std::to_chars(buf, buf + sizeof(buf), x);
  out.append(buf, res.ptr);
}

bool parse_double(std::string_view text, double& x) {
  if (!text.empty() && text[0] == '+') text.remove_prefix(1);
  if (text.empty()) return false;
  const auto res = std::from_chars(text.data(), text.data() + text.size(), x);
  if (res.ec == std::errc() && res.ptr == text.data() + text.size()) return true;
  // Fortran double-precision exponents (1.0D-3) from some DFT outputs.
  const auto d = text.find_first_of("dD");
  if (d == std::string_view::npos || res.ptr != text.data() + d) return false;
  std::string fixed(text);
  fixed[d] = 'e';
  const auto res2 = std::from_chars(fixed.data(), fixed.data() + fixed.size(), x);
  return res2.ec == std::errc() && res2.ptr == fixed.data() + fixed.size();
}

bool parse_int(std::string_view text, long long& x) {
  if (!text.empty() && text[0] == '+') text.remove_prefix(1);
  if (text.empty()) return false;
  const auto res = std::from_chars(text.data(), text.data() + text.size(), x);
  return res.ec == std::errc() && res.ptr == text.data() + text.size();
}

bool parse_bool(std::string_view text, bool& b) {
  if (text == "T" || text == "True" || text == "true" || text == "1") {
    b = true;
    return true;
  }
  if (text == "F" || text == "False" || text == "false" || text == "0") {
    b = false;
    return true;
  }
  return false;
}

std::vector<std::string_view> split_fields(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t k = 0;
  while (k < text.size()) {
    while (k < text.size() && (is_blank(text[k]) || text[k] == ',')) ++k;
    const std::size_t begin = k;
    while (k < text.size() && !is_blank(text[k]) && text[k] != ',') ++k;
    if (k > begin) out.push_back(text.substr(begin, k - begin));
  }
  return out;
}

}  // namespace lnet
