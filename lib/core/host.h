// The host's name, as the subject of the events a tool makes about itself
// and about the checks it runs.
#pragma once

#include <string>

namespace ev {

/// The host's fully qualified name (getaddrinfo canonical name, else hostname).
std::string host_fqdn();

}  // namespace ev
