// trap_blaster: a fast SNMP trap sender for benchmarks. snmptrap forks per
// trap, so this pre-encodes DISTINCT SNMPv2c linkDown/linkUp traps with
// net-snmp once and replays them with sendmmsg, COUNT in all, paced to RATE
// a second (0: as fast as the socket takes them).
//   trap_blaster ADDR PORT COUNT RATE [DISTINCT]
// Prints "sent COUNT in SECONDS s".
#include <arpa/inet.h>
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

std::string encode(snmp_session& session, long request_id, int if_index, bool down) {
    netsnmp_pdu* pdu = snmp_pdu_create(SNMP_MSG_TRAP2);
    pdu->version = SNMP_VERSION_2c;
    pdu->community = static_cast<u_char*>(malloc(6));
    memcpy(pdu->community, "public", 6);
    pdu->community_len = 6;
    pdu->reqid = request_id;
    oid uptime[] = {1, 3, 6, 1, 2, 1, 1, 3, 0};
    oid trap_oid[] = {1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0};
    oid value[] = {1, 3, 6, 1, 6, 3, 1, 1, 5, static_cast<oid>(down ? 3 : 4)};
    oid index_oid[] = {1, 3, 6, 1, 2, 1, 2, 2, 1, 1, static_cast<oid>(if_index)};
    oid descr_oid[] = {1, 3, 6, 1, 2, 1, 2, 2, 1, 2, static_cast<oid>(if_index)};
    long ticks = 123456 + request_id;
    long index = if_index;
    std::string descr = "GigabitEthernet0/" + std::to_string(if_index);
    snmp_pdu_add_variable(pdu, uptime, OID_LENGTH(uptime), ASN_TIMETICKS, &ticks, sizeof ticks);
    snmp_pdu_add_variable(pdu, trap_oid, OID_LENGTH(trap_oid), ASN_OBJECT_ID, value, sizeof value);
    snmp_pdu_add_variable(pdu, index_oid, OID_LENGTH(index_oid), ASN_INTEGER, &index, sizeof index);
    snmp_pdu_add_variable(pdu, descr_oid, OID_LENGTH(descr_oid), ASN_OCTET_STR, descr.data(), descr.size());
    size_t size = 1024;
    size_t length = 0;
    auto* buf = static_cast<u_char*>(malloc(size));
    std::string out;
    // Reverse encoding fills the buffer from its end.
    if (snmp_build(&buf, &size, &length, &session, pdu) == 0) {
        out.assign(reinterpret_cast<char*>(buf + size - length), length);
    }
    free(buf);
    snmp_free_pdu(pdu);
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: trap_blaster ADDR PORT COUNT RATE [DISTINCT]\n");
        return 2;
    }
    long count = atol(argv[3]);
    double rate = atof(argv[4]);
    int distinct = argc > 5 ? atoi(argv[5]) : 1024;
    snmp_session session;
    snmp_sess_init(&session);
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_REVERSE_ENCODE, 1);
    std::vector<std::string> packets;
    for (int i = 0; i < distinct; ++i) {
        packets.push_back(encode(session, 1000 + i, 1 + i % 48, i % 2 == 0));
        if (packets.back().empty()) {
            fprintf(stderr, "trap_blaster: encoding failed\n");
            return 1;
        }
    }
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<uint16_t>(atoi(argv[2])));
    inet_pton(AF_INET, argv[1], &to.sin_addr);
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    int sndbuf = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    constexpr int k_batch = 64;
    std::vector<mmsghdr> headers(k_batch);
    std::vector<iovec> iovecs(k_batch);
    auto start = std::chrono::steady_clock::now();
    long sent = 0;
    while (sent < count) {
        int n = static_cast<int>(std::min<long>(k_batch, count - sent));
        for (int i = 0; i < n; ++i) {
            const std::string& p = packets[static_cast<std::size_t>((sent + i) % distinct)];
            iovecs[i] = iovec{const_cast<char*>(p.data()), p.size()};
            headers[i].msg_hdr = msghdr{};
            headers[i].msg_hdr.msg_name = &to;
            headers[i].msg_hdr.msg_namelen = sizeof to;
            headers[i].msg_hdr.msg_iov = &iovecs[i];
            headers[i].msg_hdr.msg_iovlen = 1;
        }
        int done = sendmmsg(fd, headers.data(), static_cast<unsigned>(n), 0);
        if (done < 0) {
            perror("trap_blaster: sendmmsg");
            return 1;
        }
        sent += done;
        if (rate > 0) {
            auto due = start + std::chrono::duration<double>(static_cast<double>(sent) / rate);
            std::this_thread::sleep_until(due);
        }
    }
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    printf("sent %ld in %.3f s\n", sent, seconds);
    return 0;
}
