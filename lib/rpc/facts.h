// Facts and classes: what an agent says about its node, for discovery and
// filters. Built-in facts come from the system; a facts file adds more (a
// JSON object, or key=value lines); a classes file lists classes one per
// line (Puppet's classes.txt format).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"
#include "core/result.h"

namespace ev::rpc {

/// The built-in facts: hostname, fqdn (host), os, os_version, kernel,
/// kernel_release, arch, cpus, memory_bytes.
Json builtin_facts(std::string_view host);

/// Parses a facts file: a JSON object, or "key=value" lines (# comments;
/// values stay strings). Errors read "FILE:LINE: message".
Result<Json> parse_facts(std::string_view text, std::string_view file);

/// Parses a classes file: one class per line, blank lines and surrounding
/// spaces ignored, duplicates dropped, order kept.
std::vector<std::string> parse_classes(std::string_view text);

/// facts with extra's members added over them (extra wins).
Json merge_facts(Json facts, const Json& extra);

}  // namespace ev::rpc
