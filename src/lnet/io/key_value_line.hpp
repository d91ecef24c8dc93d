// The key=value comment line of extended XYZ, with ASE's quoting rules (ase.io.extxyz,
// key_val_str_to_dict): values may be quoted with "..." or '...' or bracketed with {...} or
// [...]; a backslash escapes the next character; a key without '=' means T; spaces around '='
// are allowed. Also small helpers to read numbers and booleans out of such values.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace lnet {

struct KeyValue {
  std::string key, value;  // value unquoted and unescaped
};

// Throws lnet::Error (without file context; the caller adds it) on an unterminated quote or
// bracket, a dangling backslash, or an '=' without a key.
std::vector<KeyValue> parse_key_values(std::string_view line);

// `text` as it must appear on a key=value line: bare when it has no blanks or special
// characters, else in double quotes with '"' and '\' escaped by a backslash.
std::string quote_value(std::string_view text);

// Shortest decimal text that reads back as exactly `x` (std::to_chars).
std::string format_double(double x);
// Appends format_double(x) to `out` without a temporary string.
void append_double(std::string& out, double x);

// Strict number parsing: the whole text must be consumed; a leading '+' is allowed.
bool parse_double(std::string_view text, double& x);
bool parse_int(std::string_view text, long long& x);
// ASE's logical values: T, F, True, False (also true/false, 1/0).
bool parse_bool(std::string_view text, bool& b);

// Splits on blanks and commas (ASE splits values with the regex [^\s,]+).
std::vector<std::string_view> split_fields(std::string_view text);

}  // namespace lnet
