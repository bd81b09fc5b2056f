#include "core/host.h"

#include <netdb.h>
#include <unistd.h>

namespace ev {

std::string host_fqdn() {
    char name[256] = {};
    if (gethostname(name, sizeof name - 1) != 0) {
        return "localhost";
    }
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_flags = AI_CANONNAME;
    addrinfo* info = nullptr;
    std::string fqdn = name;
    if (getaddrinfo(name, nullptr, &hints, &info) == 0 && info != nullptr) {
        if (info->ai_canonname != nullptr && info->ai_canonname[0] != '\0') {
            fqdn = info->ai_canonname;
        }
        freeaddrinfo(info);
    }
    return fqdn;
}

}  // namespace ev
