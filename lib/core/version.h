// The evkit version every tool's --version prints.
#pragma once

namespace ev {

/// The release version of the suite.
constexpr const char* k_version = "0.1.0";

}  // namespace ev
